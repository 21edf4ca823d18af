"""DeZero's ``examples/spiral.py``: a two-layer net with BatchNorm on the spiral data set.

Linear(10) -> BatchNorm -> sigmoid -> Linear(3), SGD with lr 1.0, batches of 30, then the
decision boundary: the trained model on a grid of points ``h`` apart over the data (the book's
h = 0.001 gives about 4.8 million points), under ``test_mode``.  The plot itself is left out.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import plugrad
import plugrad.functions as F
import plugrad.layers as L
from plugrad import DataLoader, Model, optimizers


class Settings(NamedTuple):
    epochs: int
    h: float  # the grid's spacing


SIZES = {
    "book": Settings(epochs=100, h=0.001),
    "default": Settings(epochs=100, h=0.002),
    "quick": Settings(epochs=20, h=0.005),
}

BATCH_SIZE, HIDDEN_SIZE, LR = 30, 10, 1.0


class TwoLayerNet(Model):
    def __init__(self, hidden_size: int, out_size: int) -> None:
        super().__init__()
        self.l1 = L.Linear(hidden_size)
        self.l2 = L.Linear(out_size)
        self.bn1 = L.BatchNorm()

    def forward(self, x: Any) -> Any:
        y = F.sigmoid(self.bn1(self.l1(x)))
        return self.l2(y)


def run(settings: Settings) -> dict[str, float]:
    train_set = plugrad.datasets.Spiral(train=True)
    train_loader = DataLoader(train_set, BATCH_SIZE)
    model = TwoLayerNet(HIDDEN_SIZE, 3)
    optimizer = optimizers.SGD(LR).setup(model)

    for _epoch in range(settings.epochs):
        for x, t in train_loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()

    # The decision boundary, as the book computes it before plotting.
    examples = [train_set[i] for i in range(len(train_set))]
    x = np.array([example[0] for example in examples])
    t = np.array([example[1] for example in examples])
    h = settings.h
    x_min, x_max = x[:, 0].min() - 0.1, x[:, 0].max() + 0.1
    y_min, y_max = x[:, 1].min() - 0.1, x[:, 1].max() + 0.1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    grid = np.c_[xx.ravel(), yy.ravel()]
    with plugrad.test_mode():
        score = model(grid)
    predict_cls = np.argmax(score.data, axis=1)
    with plugrad.test_mode():
        train_cls = np.argmax(model(x).data, axis=1)
    return {
        "loss": float(loss.data),  # pyright: ignore[reportPossiblyUnboundVariable]  # every size trains
        "train_accuracy": float((train_cls == t).mean()),
        "grid_points": float(len(grid)),
        "grid_class0": float((predict_cls == 0).mean()),
    }


def run_torch(settings: Settings, torch: Any) -> dict[str, float]:
    """The same model and training in PyTorch (float32, BatchNorm1d with DeZero's settings)."""
    nn = torch.nn
    x_all, t_all = plugrad_free_spiral()
    model = nn.Sequential(
        nn.Linear(2, HIDDEN_SIZE),
        nn.BatchNorm1d(HIDDEN_SIZE, eps=2e-5, momentum=0.1),
        nn.Sigmoid(),
        nn.Linear(HIDDEN_SIZE, 3),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    xt, tt = torch.from_numpy(x_all), torch.from_numpy(t_all)
    rng = np.random.default_rng(0)
    for _epoch in range(settings.epochs):
        order = torch.from_numpy(rng.permutation(len(x_all)))
        for start in range(0, len(x_all), BATCH_SIZE):
            index = order[start : start + BATCH_SIZE]
            loss = loss_fn(model(xt[index]), tt[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    h = settings.h
    x_min, x_max = x_all[:, 0].min() - 0.1, x_all[:, 0].max() + 0.1
    y_min, y_max = x_all[:, 1].min() - 0.1, x_all[:, 1].max() + 0.1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    model.eval()
    with torch.no_grad():
        predict_cls = model(torch.from_numpy(grid)).argmax(dim=1).numpy()
        train_cls = model(xt).argmax(dim=1).numpy()
    return {
        "loss": float(loss.item()),  # pyright: ignore[reportPossiblyUnboundVariable]  # every size trains
        "train_accuracy": float((train_cls == t_all).mean()),
        "grid_points": float(len(grid)),
        "grid_class0": float((predict_cls == 0).mean()),
    }


def plugrad_free_spiral() -> tuple[np.ndarray, np.ndarray]:
    """DeZero's spiral (train split) without importing either framework."""
    np.random.seed(1984)
    num_data, num_class, input_dim = 100, 3, 2
    x = np.zeros((num_data * num_class, input_dim), dtype=np.float32)
    t = np.zeros(num_data * num_class, dtype=np.int64)
    for j in range(num_class):
        for i in range(num_data):
            rate = i / num_data
            radius = 1.0 * rate
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            ix = num_data * j + i
            x[ix] = np.array([radius * np.sin(theta), radius * np.cos(theta)]).flatten()
            t[ix] = j
    indices = np.random.permutation(num_data * num_class)
    return x[indices], t[indices]
