"""Convolution and pooling functions, DeZero's ``dezero.functions_conv``.

The same functions are re-exported from ``plugrad.functions`` (as DeZero does); this module
also carries the array helpers (``im2col_array``, ``col2im_array``) and the size helpers.
"""

from plugrad.ops.conv import Col2im as Col2im
from plugrad.ops.conv import Conv2d as Conv2d
from plugrad.ops.conv import Conv2dGradW as Conv2dGradW
from plugrad.ops.conv import Deconv2d as Deconv2d
from plugrad.ops.conv import Im2col as Im2col
from plugrad.ops.conv import col2im as col2im
from plugrad.ops.conv import col2im_array as col2im_array
from plugrad.ops.conv import conv2d as conv2d
from plugrad.ops.conv import conv2d_grad_w as conv2d_grad_w
from plugrad.ops.conv import conv2d_simple as conv2d_simple
from plugrad.ops.conv import deconv2d as deconv2d
from plugrad.ops.conv import im2col as im2col
from plugrad.ops.conv import im2col_array as im2col_array
from plugrad.ops.pooling import AveragePooling as AveragePooling
from plugrad.ops.pooling import Pooling as Pooling
from plugrad.ops.pooling import PoolingGrad as PoolingGrad
from plugrad.ops.pooling import PoolingWithIndexes as PoolingWithIndexes
from plugrad.ops.pooling import average_pooling as average_pooling
from plugrad.ops.pooling import pooling as pooling
from plugrad.ops.pooling import pooling_simple as pooling_simple
from plugrad.utils import get_conv_outsize as get_conv_outsize
from plugrad.utils import get_deconv_outsize as get_deconv_outsize
from plugrad.utils import pair as pair
