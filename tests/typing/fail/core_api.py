"""Misuses of the core that mypy rejects, each with the error code it must raise."""

import numpy as np

import plugrad.functions as F
from plugrad import Variable
from plugrad.functions import add, square
from plugrad.typing import Array

x = Variable(np.array(2.0))

add(x, "s")  # type: ignore[arg-type]
add("s", x)  # type: ignore[arg-type]
add(x, [1.0])  # type: ignore[arg-type]
square(x, x)  # type: ignore[call-arg]
add(x)  # type: ignore[call-arg]
F.Add()(x)  # type: ignore[call-arg]
F.Add()(x, x, x)  # type: ignore[call-arg]
F.Square()(x, x)  # type: ignore[call-arg]
F.Square()("s")  # type: ignore[arg-type]
x + "s"  # type: ignore[operator]
"s" * x  # type: ignore[operator]
x.grad.data  # type: ignore[union-attr]
Variable([1.0])  # type: ignore[arg-type]
Variable("s")  # type: ignore[arg-type]
Variable(2.0)  # type: ignore[arg-type]
y: Array = square(x)  # type: ignore[assignment]
