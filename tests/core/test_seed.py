"""The seed example from the design brief: it must always work."""

import numpy as np

from plugrad import Variable
from plugrad.functions import add, square


def test_seed_example() -> None:
    x, y = Variable(np.array(2.0)), Variable(np.array(3.0))
    z = add(square(x), square(y))
    z.backward()
    assert z.data == 13.0
    assert x.grad is not None
    assert y.grad is not None
    assert x.grad.data == 4.0  # d(x^2 + y^2)/dx = 2x
    assert y.grad.data == 6.0
