"""The stock layers' calls are typed by their forward (waits on nn/linear, conv, normalization)."""

from typing import assert_type

import numpy as np

import plugrad.layers as L
from plugrad import Variable
from plugrad.models import MLP

x = Variable(np.random.rand(2, 3))
images = Variable(np.random.rand(2, 1, 5, 5))
linear = L.Linear(4)
assert_type(linear(x), Variable)
assert_type(linear(np.ones((2, 3))), Variable)
assert_type(L.Conv2d(2, kernel_size=3, pad=1)(images), Variable)
assert_type(L.Deconv2d(2, kernel_size=3, pad=1)(images), Variable)
assert_type(L.BatchNorm()(x), Variable)
assert_type(MLP((4, 1)).layers[0](x), Variable)
