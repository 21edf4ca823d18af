"""A training loop over the public surface: data sets, loaders, a model, optimizers and hooks.

``Dataset[X, T]`` is what ``dataset[i]`` gives, inferred from the transforms; batches are
ndarrays; a parameter's ``grad`` is optional until ``backward()`` (as PyTorch's is).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

import numpy as np
from numpy.typing import NDArray

import plugrad
import plugrad.functions as F
import plugrad.layers as L
from plugrad import DataLoader, Dataset, SeqDataLoader, Variable, no_grad, test_mode
from plugrad.dataloaders import SizedDataset
from plugrad.datasets import SinCurve, Spiral
from plugrad.models import MLP
from plugrad.optimizers import SGD, Adam, ClipGrad, MomentumSGD, WeightDecay
from plugrad.transforms import AsType, Compose, Normalize
from plugrad.typing import Array, Operand

# Data: a row without a transform is what NumPy's indexing gives (Any); a transform decides.
train_set = Spiral(train=True)
assert_type(train_set, Spiral[Any, Any])
assert_type(train_set.data, Array)
assert_type(train_set[0], tuple[Any, Any])
assert_type(len(train_set), int)


def to_float32(row: Array) -> NDArray[np.float32]:
    return row.astype(np.float32)


scaled = Spiral(transform=to_float32)
assert_type(scaled, Spiral[NDArray[np.float32], Any])
x0, t0 = scaled[0]
assert_type(x0, NDArray[np.float32])
for x_row, _ in scaled:  # data sets iterate over their examples
    assert_type(x_row, NDArray[np.float32])
    break
composed = Spiral(transform=Compose([Normalize(0.0, 2.0), AsType(np.float64)]))
assert isinstance(composed[0][0], np.ndarray)


# A data set of one's own, DeZero's way and with its types stated.
class Squares(Dataset):
    def prepare(self) -> None:
        self.data = np.arange(10, dtype=np.float64)[:, np.newaxis]
        self.label = self.data**2


class Pairs(Dataset[Array, Array]):
    def __getitem__(self, index: int) -> tuple[Array, Array]:
        return np.full(2, float(index)), np.array(index % 2)

    def __len__(self) -> int:
        return 6


loaders: list[DataLoader] = [
    DataLoader(train_set, batch_size=30),
    DataLoader(Squares(), batch_size=4, shuffle=False),
    DataLoader(Pairs(), batch_size=3, rng=np.random.default_rng(0)),
]
sized: SizedDataset = Pairs()
assert len(sized) == 6

# A model, an optimizer with hooks, and the loop.
model = MLP((10, 3))
optimizer = SGD(lr=0.5).setup(model)
assert_type(optimizer, SGD)
optimizer.add_hook(WeightDecay(1e-4))
optimizer.add_hook(ClipGrad(10.0))
other = MomentumSGD().setup(model)
adam = Adam().setup(model)
assert_type(adam.alpha, float)

loader = loaders[0]
for x, t in loader:
    assert_type(x, Array)
    assert_type(t, Array)
    y = model(x)
    assert_type(y, Variable)
    loss = F.softmax_cross_entropy(y, t)
    assert_type(loss, Variable)
    model.cleargrads()
    loss.backward()
    for param in model.params():
        grad = param.grad  # None until backward: narrow it, as for PyTorch's Tensor.grad
        assert_type(grad, Variable | None)
        assert grad is not None
        assert_type(grad.data, Array)
    optimizer.update()
    assert_type(F.accuracy(y, t), Variable)
    break

with no_grad(), test_mode():
    batch, labels = next(iter(DataLoader(train_set, batch_size=300, shuffle=False)))
    accuracy = F.accuracy(model(batch), labels)
    assert_type(float(accuracy.data), float)


# Sequences: SinCurve, SeqDataLoader, an LSTM and truncated backpropagation.
class SimpleRNN(plugrad.Model[[Operand], Variable]):
    def __init__(self, hidden_size: int, out_size: int) -> None:
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self) -> None:
        self.rnn.reset_state()

    def forward(self, x: Operand) -> Variable:
        h = self.rnn(x)
        y: Variable = self.fc(h)
        return y


curve = SinCurve(train=True)
sequence = SeqDataLoader(curve, batch_size=4)
rnn_model = SimpleRNN(8, 1)
rnn_optimizer = Adam().setup(rnn_model)
total: Variable | None = None
for step, (xs, ts) in enumerate(sequence):
    step_loss = F.mean_squared_error(rnn_model(xs), ts)
    total = step_loss if total is None else total + step_loss
    if step == 2:
        rnn_model.cleargrads()
        total.backward()
        total.unchain_backward()
        rnn_optimizer.update()
        break
rnn_model.reset_state()


def batches(loader: DataLoader) -> Iterator[tuple[Array, Array]]:
    return iter(loader)
