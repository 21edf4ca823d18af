"""Misuses of the stock layers (waits on nn/linear, conv, normalization)."""

import numpy as np

import plugrad.layers as L
from plugrad import Variable

x = Variable(np.ones((2, 3)))
lin = L.Linear(3)
lin("s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
lin(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
L.Conv2d(2, 3)([1.0])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
L.BatchNorm()(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
pair: tuple[Variable, Variable] = lin(x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
