"""Arguments as the run time takes them: shapes and axes as any sequence of ints, NumPy numbers
as exponents and bounds, NumPy's indexing (waits on core/variable.py and the op modules)."""

from typing import assert_type

import numpy as np

import plugrad.functions as F
from plugrad import Variable

x = Variable(np.arange(6.0).reshape(2, 3))
assert_type(F.reshape(x, [3, 2]), Variable)
assert_type(F.reshape(x, (np.int64(3), 2)), Variable)
assert_type(F.reshape(x, np.array([3, 2])), Variable)
assert_type(x.reshape([3, 2]), Variable)
assert_type(x.reshape(np.int64(3), 2), Variable)
assert_type(F.sum(x, axis=[0, 1]), Variable)
assert_type(F.sum(x, axis=np.int64(0)), Variable)
assert_type(x.sum(axis=[0, 1]), Variable)
assert_type(F.max(x, axis=[1]), Variable)
assert_type(F.transpose(x, [1, 0]), Variable)
assert_type(F.broadcast_to(Variable(np.ones(3)), [2, 3]), Variable)
assert_type(x ** np.float32(2), Variable)
assert_type(x ** np.int64(2), Variable)
assert_type(F.pow(x, np.float64(0.5)), Variable)
assert_type(F.clip(x, np.float32(0), 1), Variable)
assert_type(x[0], Variable)
assert_type(x[np.int64(1)], Variable)
assert_type(x[:, 1:], Variable)
assert_type(x[..., 0], Variable)
assert_type(x[None], Variable)
assert_type(x[[0, 1]], Variable)
assert_type(x[np.array([1, 0])], Variable)
assert_type(x[x.data > 2], Variable)
assert_type(x[0, [0, 2]], Variable)
assert_type(F.get_item(x, (slice(None), 0)), Variable)
