"""A short end-to-end training run: the whole stack must actually learn."""

from __future__ import annotations

import numpy as np

import plugrad
import plugrad.functions as F  # DeZero's convention
from plugrad import optimizers
from plugrad.dataloaders import DataLoader
from plugrad.datasets import Spiral
from plugrad.models import MLP


def test_spiral_mlp_learns() -> None:
    np.random.seed(0)
    train_set = Spiral()
    loader = DataLoader(train_set, batch_size=30)
    model = MLP((10, 3))
    optimizer = optimizers.SGD(lr=1.0).setup(model)
    first = last = 0.0
    for epoch in range(150):
        total = 0.0
        for x, t in loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            total += float(loss.data) * len(t)
        if epoch == 0:
            first = total / len(train_set)
        last = total / len(train_set)
    assert first > 1.0  # about log(3) before learning
    assert last < 0.35
    with plugrad.no_grad():
        accuracy = float(F.accuracy(model(train_set.data), train_set.label).data)
    assert accuracy > 0.85
    assert all(p.dtype == np.float32 for p in model.params())


def test_regression_with_adam_fits_a_line() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(64, 1))
    y = 3.0 * x - 1.0
    model = plugrad.models.Sequential(plugrad.layers.Linear(1, dtype=np.float64))
    optimizer = optimizers.Adam(alpha=0.1).setup(model)
    losses: list[float] = []
    for _ in range(300):
        loss = F.mean_squared_error(model(x), y)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        losses.append(float(loss.data))
    assert losses[-1] < 1e-4
