"""Differentiable functions, DeZero's ``dezero.functions`` (``import plugrad.functions as F``).

Every name here is a typed wrapper around an op class; the class is looked up in the op
registry on each call (a dict lookup), so a plugin may override an op by name.
"""

from plugrad.core.function import Function as Function
from plugrad.core.variable import Variable as Variable
from plugrad.core.variable import as_array as as_array
from plugrad.core.variable import as_variable as as_variable
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
from plugrad.ops.elementwise import Cos as Cos
from plugrad.ops.elementwise import Exp as Exp
from plugrad.ops.elementwise import Log as Log
from plugrad.ops.elementwise import Sin as Sin
from plugrad.ops.elementwise import Square as Square
from plugrad.ops.elementwise import Tanh as Tanh
from plugrad.ops.elementwise import cos as cos
from plugrad.ops.elementwise import exp as exp
from plugrad.ops.elementwise import log as log
from plugrad.ops.elementwise import sin as sin
from plugrad.ops.elementwise import square as square
from plugrad.ops.elementwise import tanh as tanh
from plugrad.ops.linalg import MatMul as MatMul
from plugrad.ops.linalg import matmul as matmul
from plugrad.ops.reduction import Sum as Sum
from plugrad.ops.reduction import sum as sum  # noqa: A004  # DeZero's F.sum
from plugrad.ops.shape import BroadcastTo as BroadcastTo
from plugrad.ops.shape import Reshape as Reshape
from plugrad.ops.shape import SumTo as SumTo
from plugrad.ops.shape import Transpose as Transpose
from plugrad.ops.shape import broadcast_to as broadcast_to
from plugrad.ops.shape import reshape as reshape
from plugrad.ops.shape import sum_to as sum_to
from plugrad.ops.shape import transpose as transpose
