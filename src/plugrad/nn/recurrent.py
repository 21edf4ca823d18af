"""Recurrent layers: ``RNN`` (Elman, tanh) and ``LSTM``.  Each keeps its state between calls
until ``reset_state()``; cut the graph behind the state with ``unchain_backward()`` for
truncated backpropagation through time."""

from __future__ import annotations

from plugrad.core.variable import Variable
from plugrad.nn.layer import Layer
from plugrad.nn.linear import Linear
from plugrad.ops.activation import sigmoid
from plugrad.ops.elementwise import tanh
from plugrad.typing import Operand


class RNN(Layer[[Operand], Variable]):
    """h = tanh(x @ Wx + bx + h_prev @ Wh); the first step after a reset sees no h_prev.

    ``in_size=None`` takes the input size from the first batch.
    """

    x2h: Linear
    h2h: Linear
    h: Variable | None

    def __init__(self, hidden_size: int, in_size: int | None = None) -> None:
        super().__init__()
        self.x2h = Linear(hidden_size, in_size=in_size)
        # Created when DeZero creates it, so NumPy's generator draws in DeZero's order (step 59):
        # on the second step when in_size is None, else now.  DeZero passes in_size here, which
        # breaks when in_size != hidden_size: h is the input, so plugrad passes hidden_size.
        self.h2h = Linear(
            hidden_size, in_size=None if in_size is None else hidden_size, nobias=True
        )
        self.h = None

    def reset_state(self) -> None:
        self.h = None

    def forward(self, x: Operand) -> Variable:
        a: Variable = self.x2h(x)
        h_new = tanh(a if self.h is None else a + self.h2h(self.h))
        self.h = h_new
        return h_new


class LSTM(Layer[[Operand], Variable]):
    """Long short-term memory: forget, input and output gates and a candidate cell update.

    f, i, o = sigmoid(x Wx + h Wh) per gate;  u = tanh(x Wxu + h Whu);
    c = f * c_prev + i * u;  h = o * tanh(c).  ``in_size=None`` takes it from the first batch.
    """

    x2f: Linear
    x2i: Linear
    x2o: Linear
    x2u: Linear
    h2f: Linear
    h2i: Linear
    h2o: Linear
    h2u: Linear
    h: Variable | None
    c: Variable | None

    def __init__(self, hidden_size: int, in_size: int | None = None) -> None:
        super().__init__()
        size, inputs = hidden_size, in_size
        self.x2f = Linear(size, in_size=inputs)
        self.x2i = Linear(size, in_size=inputs)
        self.x2o = Linear(size, in_size=inputs)
        self.x2u = Linear(size, in_size=inputs)
        self.h2f = Linear(size, in_size=size, nobias=True)
        self.h2i = Linear(size, in_size=size, nobias=True)
        self.h2o = Linear(size, in_size=size, nobias=True)
        self.h2u = Linear(size, in_size=size, nobias=True)
        self.reset_state()

    def reset_state(self) -> None:
        self.h = None
        self.c = None

    def forward(self, x: Operand) -> Variable:
        h = self.h
        if h is None:
            f = sigmoid(self.x2f(x))
            i = sigmoid(self.x2i(x))
            o = sigmoid(self.x2o(x))
            u = tanh(self.x2u(x))
        else:
            f = sigmoid(self.x2f(x) + self.h2f(h))
            i = sigmoid(self.x2i(x) + self.h2i(h))
            o = sigmoid(self.x2o(x) + self.h2o(h))
            u = tanh(self.x2u(x) + self.h2u(h))
        c_new = i * u if self.c is None else f * self.c + i * u
        h_new = o * tanh(c_new)
        self.h, self.c = h_new, c_new
        return h_new
