"""DeZero's ``dezero.layers`` (``import plugrad.layers as L``): the layer classes."""

from plugrad.core.variable import Parameter as Parameter
from plugrad.nn._weights import WeightsFileError as WeightsFileError
from plugrad.nn.conv import Conv2d as Conv2d
from plugrad.nn.conv import Deconv2d as Deconv2d
from plugrad.nn.embedding import EmbedID as EmbedID
from plugrad.nn.layer import Layer as Layer
from plugrad.nn.linear import Linear as Linear
from plugrad.nn.normalization import BatchNorm as BatchNorm
from plugrad.nn.recurrent import LSTM as LSTM
from plugrad.nn.recurrent import RNN as RNN
