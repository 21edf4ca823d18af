"""Misuses of layers, models and data that both checkers reject."""

import numpy as np

import plugrad.functions as F
import plugrad.layers as L
from plugrad import DataLoader, Layer, Model, Variable
from plugrad.datasets import Spiral
from plugrad.models import MLP
from plugrad.typing import Operand

x = Variable(np.ones((2, 3)))


class Net(Model[[Operand], Variable]):
    def forward(self, x: Operand) -> Variable:
        return F.relu(x)


class Split(Layer[[Variable], tuple[Variable, Variable]]):
    def forward(self, x: Variable) -> tuple[Variable, Variable]:
        return x, x


class WrongForward(Model[[Operand], Variable]):
    def forward(self, x: Operand, y: Operand) -> Variable:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return F.add(x, y)


class WrongResult(Layer[[Variable], Variable]):
    def forward(self, x: Variable) -> tuple[Variable, Variable]:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return x, x


model = MLP((10, 1))
model(x, x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
model("s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
Net()(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
Net()([1.0])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
L.LSTM(3)(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
L.RNN(3)("s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
L.EmbedID(10, 3)(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
one: Variable = Split()(x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
Split()(np.ones(3))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
a, b, c = Split()(x)  # type: ignore[misc]  # pyright: ignore[reportAssignmentType, reportUnknownVariableType]
stated: Layer[[Variable], Variable] = Split()  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
model.forward(x).shape.append(1)  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]

DataLoader(Spiral(), batch_size="30")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
DataLoader([1, 2, 3], batch_size=1)  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
Spiral()["a"]  # type: ignore[index]  # pyright: ignore[reportArgumentType]
for batch in DataLoader(Spiral(), 10):
    batch.shape  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
