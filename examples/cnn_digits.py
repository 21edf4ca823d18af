"""Classify scikit-learn's bundled 8x8 digits with a small CNN (no download needed).

    python examples/cnn_digits.py        # well under a minute on a laptop CPU; needs scikit-learn

The same split as examples/digits.py (a fifth of each class held out: 1,442 training and 355
test images), reshaped to N x 1 x 8 x 8.  The network is two 3x3 convolution + ReLU + 2x2 max
pooling stages (16 and 32 channels) and a 64-unit hidden layer, trained with Adam.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import plugrad
import plugrad.functions as F  # DeZero's convention
import plugrad.layers as L  # DeZero's convention
from plugrad import Model, optimizers
from plugrad.dataloaders import DataLoader
from plugrad.datasets import Digits
from plugrad.typing import Operand


def load_split(seed: int = 0) -> tuple[Digits, Digits]:
    """The digits' train and test splits (a fifth of each class held out), as N x 1 x 8 x 8."""
    try:
        splits = Digits(train=True, seed=seed), Digits(train=False, seed=seed)
    except ImportError as error:
        print(error)
        raise SystemExit(0) from None
    for split in splits:
        split.data = split.data.reshape(-1, 1, 8, 8)  # one channel, for the convolutions
    return splits


class DigitsCNN(Model):
    """conv(16) - pool - conv(32) - pool - fc(64) - fc(10), ReLU between."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = L.Conv2d(16, kernel_size=3, pad=1)
        self.conv2 = L.Conv2d(32, kernel_size=3, pad=1)
        self.fc3 = L.Linear(64)
        self.fc4 = L.Linear(10)

    def forward(self, x: Operand) -> plugrad.Variable:
        h = F.pooling(F.relu(self.conv1(x)), 2, 2)  # 8x8 -> 4x4
        h = F.pooling(F.relu(self.conv2(h)), 2, 2)  # 4x4 -> 2x2
        h = F.reshape(h, (h.shape[0], -1))
        return self.fc4(F.relu(self.fc3(h)))


def evaluate(model: DigitsCNN, dataset: Digits) -> tuple[float, float]:
    with plugrad.no_grad():
        y = model(dataset.data)
        loss = F.softmax_cross_entropy(y, dataset.label)
        acc = F.accuracy(y, dataset.label)
    return float(loss.data), float(acc.data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--alpha", type=float, default=0.003, help="Adam step size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    np.random.seed(args.seed)
    train_set, test_set = load_split(args.seed)
    loader = DataLoader(train_set, args.batch_size)
    model = DigitsCNN()
    optimizer = optimizers.Adam(alpha=args.alpha).setup(model)
    print(f"digits: {len(train_set)} train / {len(test_set)} test images, 8x8 CNN")

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        for x, t in loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
        if epoch % 5 == 0 or epoch == args.epochs:
            train_loss, train_acc = evaluate(model, train_set)
            test_loss, test_acc = evaluate(model, test_set)
            print(
                f"epoch {epoch:>3}  train loss {train_loss:.4f} acc {train_acc:.1%}  "
                f"test loss {test_loss:.4f} acc {test_acc:.1%}"
            )
    elapsed = time.perf_counter() - start
    _, test_acc = evaluate(model, test_set)
    print(f"test accuracy {test_acc:.1%}  ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
