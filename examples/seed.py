"""The seed example: z = x**2 + y**2 at (2, 3), and its gradient.

    python examples/seed.py

prints ``z = variable(13.0)``, ``x.grad = variable(4.0)`` and ``y.grad = variable(6.0)``
(PyTorch gives the same numbers).
"""

from __future__ import annotations

import numpy as np

from plugrad import Variable
from plugrad.functions import add, square


def main() -> None:
    x = Variable(np.array(2.0))
    y = Variable(np.array(3.0))
    z = add(square(x), square(y))
    z.backward()
    print("z =", z)
    print("x.grad =", x.grad)  # dz/dx = 2x = 4
    print("y.grad =", y.grad)  # dz/dy = 2y = 6


if __name__ == "__main__":
    main()
