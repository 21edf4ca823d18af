"""DeZero's ``examples/mnist.py``: an MLP 784-1000-1000-10 with ReLU on MNIST.

Adam with weight decay 1e-4, batches of 100, each epoch a training pass (loss and accuracy)
and a test pass under ``no_grad``; the images are the synthetic ones of ``_data`` (the book
reads the 60,000 + 10,000 real ones).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import plugrad
import plugrad.functions as F
from benchmarks.programs._data import images
from benchmarks.programs._dataset import SyntheticMNIST
from plugrad import DataLoader
from plugrad.models import MLP


class Settings(NamedTuple):
    epochs: int
    train_images: int
    test_images: int


SIZES = {
    "book": Settings(epochs=5, train_images=1200, test_images=400),
    "default": Settings(epochs=3, train_images=1200, test_images=400),
    "quick": Settings(epochs=1, train_images=600, test_images=200),
}

BATCH_SIZE, HIDDEN_SIZE = 100, 1000


def run(settings: Settings) -> dict[str, float]:
    np.random.seed(0)  # not in the book: the same weights and batches on every framework
    train_set = SyntheticMNIST(train=True, count=settings.train_images)
    test_set = SyntheticMNIST(train=False, count=settings.test_images)
    train_loader = DataLoader(train_set, BATCH_SIZE)
    test_loader = DataLoader(test_set, BATCH_SIZE, shuffle=False)

    model = MLP((HIDDEN_SIZE, HIDDEN_SIZE, 10), activation=F.relu)
    optimizer = plugrad.optimizers.Adam().setup(model)
    optimizer.add_hook(plugrad.optimizers.WeightDecay(1e-4))

    train_loss = train_acc = test_loss = test_acc = float("nan")  # the last epoch's
    for _epoch in range(settings.epochs):
        sum_loss, sum_acc = 0.0, 0.0
        for x, t in train_loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            acc = F.accuracy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(t)
            sum_acc += float(acc.data) * len(t)
        train_loss, train_acc = sum_loss / len(train_set), sum_acc / len(train_set)

        sum_loss, sum_acc = 0.0, 0.0
        with plugrad.no_grad():
            for x, t in test_loader:
                y = model(x)
                loss = F.softmax_cross_entropy(y, t)
                acc = F.accuracy(y, t)
                sum_loss += float(loss.data) * len(t)
                sum_acc += float(acc.data) * len(t)
        test_loss, test_acc = sum_loss / len(test_set), sum_acc / len(test_set)
    return {
        "train_loss": train_loss,
        "train_accuracy": train_acc,
        "test_loss": test_loss,
        "test_accuracy": test_acc,
    }


def run_torch(settings: Settings, torch: Any) -> dict[str, float]:
    """The same MLP in PyTorch: Adam with L2 weight decay added to the gradient (as DeZero's
    WeightDecay hook does), float32."""
    nn = torch.nn
    train_x, train_t = _flat(*images(settings.train_images, True))
    test_x, test_t = _flat(*images(settings.test_images, False))
    torch.manual_seed(0)  # the same initial weights on every run, as the other programs do
    model = nn.Sequential(
        nn.Linear(784, HIDDEN_SIZE),
        nn.ReLU(),
        nn.Linear(HIDDEN_SIZE, HIDDEN_SIZE),
        nn.ReLU(),
        nn.Linear(HIDDEN_SIZE, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    xt, tt = torch.from_numpy(train_x), torch.from_numpy(train_t)
    rng = np.random.default_rng(0)
    train_loss = train_acc = test_loss = test_acc = float("nan")  # the last epoch's
    for _epoch in range(settings.epochs):
        sum_loss, sum_acc = 0.0, 0.0
        order = torch.from_numpy(rng.permutation(len(train_x)))
        for start in range(0, len(train_x), BATCH_SIZE):
            index = order[start : start + BATCH_SIZE]
            y = model(xt[index])
            loss = loss_fn(y, tt[index])
            acc = (y.argmax(dim=1) == tt[index]).float().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sum_loss += float(loss.item()) * len(index)
            sum_acc += float(acc.item()) * len(index)
        train_loss, train_acc = sum_loss / len(train_x), sum_acc / len(train_x)
        sum_loss, sum_acc = 0.0, 0.0
        with torch.no_grad():
            for start in range(0, len(test_x), BATCH_SIZE):
                xb = torch.from_numpy(test_x[start : start + BATCH_SIZE])
                tb = torch.from_numpy(test_t[start : start + BATCH_SIZE])
                y = model(xb)
                sum_loss += float(loss_fn(y, tb).item()) * len(tb)
                sum_acc += float((y.argmax(dim=1) == tb).float().mean().item()) * len(tb)
        test_loss, test_acc = sum_loss / len(test_x), sum_acc / len(test_x)
    return {
        "train_loss": train_loss,
        "train_accuracy": train_acc,
        "test_loss": test_loss,
        "test_accuracy": test_acc,
    }


def _flat(data: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = (data.reshape(len(data), -1).astype(np.float32) - 0.0) / 255.0
    return x.astype(np.float32), labels.astype(np.int64)
