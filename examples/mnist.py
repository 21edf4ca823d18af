"""Train an MLP on MNIST (DeZero's step 51), when the MNIST files are on this machine.

    python examples/mnist.py                      # looks in ~/.plugrad
    python examples/mnist.py --root ./mnist       # or in a folder of your choice
    python examples/mnist.py --download           # fetch the files first (needs a network)

The four standard gzip IDX files are needed: train-images-idx3-ubyte.gz,
train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz.  Without
them the script says where to put them and exits successfully; with --download it fetches
them (each checked against its published SHA-256) and exits with status 1, naming each mirror
and what went wrong, when it cannot.  The folder is $PLUGRAD_DATA, else ~/.plugrad.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import plugrad
import plugrad.functions as F  # DeZero's convention
from plugrad import optimizers
from plugrad.dataloaders import DataLoader
from plugrad.datasets import MNIST, MNIST_FILES, DownloadError, data_dir
from plugrad.models import MLP


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", default=None, help=f"folder of the IDX files ({data_dir()})")
    parser.add_argument("--download", action="store_true", help="download missing files")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    root = args.root if args.root is not None else data_dir()
    try:
        train_set = MNIST(train=True, root=root, download=args.download)
        test_set = MNIST(train=False, root=root, download=args.download)
    except FileNotFoundError:
        names = "\n  ".join(MNIST_FILES[True] + MNIST_FILES[False])
        print(
            f"MNIST files not found in {os.path.abspath(root)}.\n"
            f"Put these four files there (or pass --root FOLDER):\n  {names}\n"
            "or run again with --download on a machine with a network connection."
        )
        return 0
    except (DownloadError, ValueError) as error:  # no mirror gave the data, or a file is damaged
        print(f"mnist.py: could not get the MNIST data.\n{error}", file=sys.stderr)
        return 1

    np.random.seed(args.seed)
    train_loader = DataLoader(train_set, args.batch_size)
    test_loader = DataLoader(test_set, args.batch_size, shuffle=False)
    model = MLP((args.hidden, args.hidden, 10), activation=F.relu)
    optimizer = optimizers.Adam().setup(model)
    print(f"MNIST: {len(train_set)} train / {len(test_set)} test images")

    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        sum_loss = sum_acc = 0.0
        for x, t in train_loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            acc = F.accuracy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(t)
            sum_acc += float(acc.data) * len(t)
        elapsed = time.perf_counter() - start
        test_loss = test_acc = 0.0
        with plugrad.no_grad():
            for x, t in test_loader:
                y = model(x)
                test_loss += float(F.softmax_cross_entropy(y, t).data) * len(t)
                test_acc += float(F.accuracy(y, t).data) * len(t)
        print(
            f"epoch {epoch}  train loss {sum_loss / len(train_set):.4f} "
            f"acc {sum_acc / len(train_set):.4f}  test loss {test_loss / len(test_set):.4f} "
            f"acc {test_acc / len(test_set):.4f}  ({elapsed:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
