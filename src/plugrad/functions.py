"""Differentiable functions, DeZero's ``dezero.functions`` (``import plugrad.functions as F``).

Every name here is a typed wrapper around an op class; the class is looked up in the op
registry on each call (a dict lookup), so a plugin may override an op by name.
"""

from plugrad.core.function import Function as Function
from plugrad.core.variable import Variable as Variable
from plugrad.core.variable import as_array as as_array
from plugrad.core.variable import as_variable as as_variable
from plugrad.ops.activation import LeakyReLU as LeakyReLU
from plugrad.ops.activation import LogSoftmax as LogSoftmax
from plugrad.ops.activation import ReLU as ReLU
from plugrad.ops.activation import Sigmoid as Sigmoid
from plugrad.ops.activation import Softmax as Softmax
from plugrad.ops.activation import leaky_relu as leaky_relu
from plugrad.ops.activation import log_softmax as log_softmax
from plugrad.ops.activation import relu as relu
from plugrad.ops.activation import sigmoid as sigmoid
from plugrad.ops.activation import sigmoid_simple as sigmoid_simple
from plugrad.ops.activation import softmax as softmax
from plugrad.ops.activation import softmax_simple as softmax_simple
from plugrad.ops.arithmetic import Add as Add
from plugrad.ops.arithmetic import AddConstant as AddConstant
from plugrad.ops.arithmetic import Div as Div
from plugrad.ops.arithmetic import Mul as Mul
from plugrad.ops.arithmetic import MulConstant as MulConstant
from plugrad.ops.arithmetic import Neg as Neg
from plugrad.ops.arithmetic import Pow as Pow
from plugrad.ops.arithmetic import Sub as Sub
from plugrad.ops.arithmetic import add as add
from plugrad.ops.arithmetic import div as div
from plugrad.ops.arithmetic import mul as mul
from plugrad.ops.arithmetic import neg as neg
from plugrad.ops.arithmetic import pow as pow  # noqa: A004  # DeZero's name
from plugrad.ops.arithmetic import rdiv as rdiv
from plugrad.ops.arithmetic import rsub as rsub
from plugrad.ops.arithmetic import sub as sub
from plugrad.ops.conv import col2im as col2im
from plugrad.ops.conv import conv2d as conv2d
from plugrad.ops.conv import conv2d_simple as conv2d_simple
from plugrad.ops.conv import deconv2d as deconv2d
from plugrad.ops.conv import im2col as im2col
from plugrad.ops.elementwise import Clip as Clip
from plugrad.ops.elementwise import Cos as Cos
from plugrad.ops.elementwise import Exp as Exp
from plugrad.ops.elementwise import Log as Log
from plugrad.ops.elementwise import Sin as Sin
from plugrad.ops.elementwise import Square as Square
from plugrad.ops.elementwise import Tanh as Tanh
from plugrad.ops.elementwise import clip as clip
from plugrad.ops.elementwise import cos as cos
from plugrad.ops.elementwise import exp as exp
from plugrad.ops.elementwise import log as log
from plugrad.ops.elementwise import sin as sin
from plugrad.ops.elementwise import square as square
from plugrad.ops.elementwise import tanh as tanh
from plugrad.ops.indexing import GetItem as GetItem
from plugrad.ops.indexing import GetItemGrad as GetItemGrad
from plugrad.ops.indexing import embed_id as embed_id
from plugrad.ops.indexing import get_item as get_item
from plugrad.ops.linalg import Linear as Linear
from plugrad.ops.linalg import MatMul as MatMul
from plugrad.ops.linalg import linear as linear
from plugrad.ops.linalg import linear_simple as linear_simple
from plugrad.ops.linalg import matmul as matmul
from plugrad.ops.loss import MeanSquaredError as MeanSquaredError
from plugrad.ops.loss import SigmoidCrossEntropy as SigmoidCrossEntropy
from plugrad.ops.loss import SoftmaxCrossEntropy as SoftmaxCrossEntropy
from plugrad.ops.loss import accuracy as accuracy
from plugrad.ops.loss import binary_cross_entropy as binary_cross_entropy
from plugrad.ops.loss import mean_squared_error as mean_squared_error
from plugrad.ops.loss import mean_squared_error_simple as mean_squared_error_simple
from plugrad.ops.loss import sigmoid_cross_entropy as sigmoid_cross_entropy
from plugrad.ops.loss import softmax_cross_entropy as softmax_cross_entropy
from plugrad.ops.loss import softmax_cross_entropy_simple as softmax_cross_entropy_simple
from plugrad.ops.nn import BatchNorm as BatchNorm
from plugrad.ops.nn import Dropout as Dropout
from plugrad.ops.nn import batch_norm as batch_norm
from plugrad.ops.nn import batch_nrom as batch_nrom
from plugrad.ops.nn import dropout as dropout
from plugrad.ops.pooling import average_pooling as average_pooling
from plugrad.ops.pooling import pooling as pooling
from plugrad.ops.pooling import pooling_simple as pooling_simple
from plugrad.ops.reduction import LogSumExp as LogSumExp
from plugrad.ops.reduction import Max as Max
from plugrad.ops.reduction import Min as Min
from plugrad.ops.reduction import Sum as Sum
from plugrad.ops.reduction import average as average
from plugrad.ops.reduction import logsumexp as logsumexp
from plugrad.ops.reduction import max as max  # noqa: A004  # DeZero's F.max
from plugrad.ops.reduction import mean as mean
from plugrad.ops.reduction import min as min  # noqa: A004  # DeZero's F.min
from plugrad.ops.reduction import sum as sum  # noqa: A004  # DeZero's F.sum
from plugrad.ops.shape import BroadcastTo as BroadcastTo
from plugrad.ops.shape import Reshape as Reshape
from plugrad.ops.shape import SumTo as SumTo
from plugrad.ops.shape import Transpose as Transpose
from plugrad.ops.shape import broadcast_to as broadcast_to
from plugrad.ops.shape import expand_dims as expand_dims
from plugrad.ops.shape import flatten as flatten
from plugrad.ops.shape import reshape as reshape
from plugrad.ops.shape import sum_to as sum_to
from plugrad.ops.shape import transpose as transpose
