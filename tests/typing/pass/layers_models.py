"""Layers and models: a call takes what ``forward`` takes and gives what it gives.

``Layer[[...], R]`` and ``Model[[...], R]`` state a layer's signature, and both checkers hold its
``forward`` and every call to it to that; a layer written DeZero's way (``class M(Model)``,
``__call__`` overrides included) is accepted as it always was.
"""

from __future__ import annotations

from typing import Any, assert_type

import numpy as np

import plugrad.functions as F
import plugrad.layers as L
from plugrad import Layer, Model, Parameter, Variable
from plugrad.models import MLP, VGG16, ResNet, Sequential, SqueezeNet
from plugrad.typing import Operand

x = Variable(np.random.rand(4, 3))


# A model with its signature stated: calls are checked.
class TwoLayerNet(Model[[Operand], Variable]):
    def __init__(self, hidden_size: int, out_size: int) -> None:
        super().__init__()
        self.l1 = L.Linear(hidden_size)
        self.l2 = L.Linear(out_size)

    def forward(self, x: Operand) -> Variable:
        y: Variable = self.l2(F.sigmoid(self.l1(x)))
        return y


net = TwoLayerNet(5, 2)
assert_type(net(x), Variable)
assert_type(net(np.ones((1, 3))), Variable)
assert_type(net.forward(x), Variable)


# A layer that gives a tuple: its calls are typed as the tuple.
class Split(Layer[[Variable], tuple[Variable, Variable]]):
    def forward(self, x: Variable) -> tuple[Variable, Variable]:
        return x[:, :1], x[:, 1:]


left, right = Split()(x)
assert_type(Split()(x), tuple[Variable, Variable])
assert_type(left, Variable)


# Several inputs.
class Scaled(Layer[[Variable, float], Variable]):
    def forward(self, x: Variable, scale: float = 2.0) -> Variable:
        return x * scale


assert_type(Scaled()(x, 3.0), Variable)


# DeZero's way: no type arguments.  Any forward is accepted, a tuple-giving one too, and its
# calls are not checked (their result is Any).
class DeZeroModel(Model):
    def __init__(self) -> None:
        super().__init__()
        self.l1 = L.Linear(2)

    def forward(self, x: Variable) -> Variable:
        y: Variable = self.l1(x)
        return y


class DeZeroPair(Layer):
    def forward(self, x: Variable) -> tuple[Variable, Variable]:
        return x, -x


first, second = DeZeroPair()(x)
model: Model = DeZeroModel()
y_any = model(x)
assert_type(y_any, Any)
assert isinstance(y_any, Variable)


# The book's own __call__ overrides (its EmbedID and BatchNorm write __call__, not forward).
class BookEmbedID(Layer):
    def __init__(self, in_size: int, out_size: int) -> None:
        super().__init__()
        self.W = Parameter(np.random.randn(in_size, out_size), name="W")

    def __call__(self, x: Operand) -> Variable:
        return F.embed_id(x, self.W)


class StarCall(Layer):
    def __call__(self, *inputs: Variable) -> Variable:
        return inputs[0]


assert_type(BookEmbedID(10, 3)(np.array([1, 2])), Variable)
assert_type(StarCall()(x, x), Variable)

# Stock models and layers.
mlp = MLP((10, 2))
assert_type(mlp(x), Variable)
assert_type(mlp(np.ones((1, 3))), Variable)
seq = Sequential(L.Linear(4), F.relu, L.Linear(1))
assert_type(seq(x), Variable)
rnn = L.RNN(4)
assert_type(rnn(x), Variable)
lstm = L.LSTM(4)
assert_type(lstm(x), Variable)
lstm.reset_state()
embed = L.EmbedID(10, 3)
assert_type(embed(np.array([1, 2, 3])), Variable)


def classify(images: Variable) -> None:  # not run here: the models are large
    assert_type(VGG16()(images), Variable)
    assert_type(ResNet(50)(images), Variable)
    assert_type(SqueezeNet(10)(images), Variable)


# A stated layer fits where a function of its signature is wanted.
stated: Layer[[Operand], Variable] = net
assert_type(stated(x), Variable)
params = list(net.params())
assert_type(params, list[Parameter])
assert_type(net.param_grads(F.sum(net(x))), dict[str, Variable])
