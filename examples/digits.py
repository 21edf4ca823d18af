"""Classify scikit-learn's bundled 8x8 handwritten digits with an MLP (no download needed).

    python examples/digits.py            # a few seconds; needs scikit-learn

The 1,797 images ship inside scikit-learn.  A fixed split that holds out a fifth of each
class gives 1,442 training and 355 test images; the model is a 64-100-10 ReLU MLP trained
with Adam.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import plugrad
import plugrad.functions as F  # DeZero's convention
from plugrad import optimizers
from plugrad.dataloaders import DataLoader
from plugrad.datasets import Digits
from plugrad.models import MLP


def load_split(seed: int = 0) -> tuple[Digits, Digits]:
    """The digits' train and test splits (a fifth of each class held out)."""
    try:
        return Digits(train=True, seed=seed), Digits(train=False, seed=seed)
    except ImportError as error:
        print(error)
        raise SystemExit(0) from None


def evaluate(model: MLP, dataset: Digits) -> tuple[float, float]:
    with plugrad.no_grad():
        y = model(dataset.data)
        loss = F.softmax_cross_entropy(y, dataset.label)
        acc = F.accuracy(y, dataset.label)
    return float(loss.data), float(acc.data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--alpha", type=float, default=0.003, help="Adam step size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    np.random.seed(args.seed)
    train_set, test_set = load_split(args.seed)
    loader = DataLoader(train_set, args.batch_size)
    model = MLP((args.hidden, 10), activation=F.relu)
    optimizer = optimizers.Adam(alpha=args.alpha).setup(model)
    print(f"digits: {len(train_set)} train / {len(test_set)} test images, MLP 64-{args.hidden}-10")

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        for x, t in loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
        if epoch % 10 == 0 or epoch == args.epochs:
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
