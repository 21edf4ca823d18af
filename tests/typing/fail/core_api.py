"""Misuses of the core that mypy rejects, each with the error code it must raise."""

import numpy as np

import plugrad.functions as F
from plugrad import Variable
from plugrad.functions import add, square
from plugrad.typing import Array

x = Variable(np.array(2.0))

add(x, "s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
add("s", x)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
add(x, [1.0])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
square(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
add(x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
F.Add()(x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
F.Add()(x, x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
F.Square()(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
F.Square()("s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
x + "s"  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue]
"s" * x  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue]
x.grad.data  # type: ignore[union-attr]  # pyright: ignore[reportOptionalMemberAccess]
Variable([1.0])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
Variable("s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
Variable(2.0)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
y: Array = square(x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
