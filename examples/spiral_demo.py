"""Train a small MLP on DeZero's three-armed spiral and show what it learned.

    python examples/spiral_demo.py                 # about a second on a laptop CPU
    python examples/spiral_demo.py --epochs 1000 --hidden 30

It prints a progress bar and a summary, writes the loss curve and the decision boundary as
PNG files (when matplotlib is installed: ``pip install plugrad[plot]``), and draws the graph of
one training step with Graphviz (when its ``dot`` program is installed).  This is the program
of DeZero's step 48 with only the imports changed, plus the reporting around it.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time
from typing import Any

import numpy as np

import plugrad
import plugrad.functions as F  # DeZero's convention
from plugrad import optimizers
from plugrad.dataloaders import DataLoader
from plugrad.datasets import Spiral
from plugrad.models import MLP
from plugrad.utils import get_dot_graph, plot_dot_graph


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=10, help="hidden layer width")
    parser.add_argument("--lr", type=float, default=1.0, help="SGD learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default="spiral_demo_output", help="where PNGs go")
    return parser.parse_args(argv)


def progress_bar(epoch: int, total: int, loss: float, width: int = 30) -> None:
    done = width * epoch // total
    bar = "#" * done + "." * (width - done)
    sys.stdout.write(f"\r[{bar}] epoch {epoch:>4}/{total}  loss {loss:.4f}")
    sys.stdout.flush()


def train(args: argparse.Namespace) -> tuple[MLP, list[float], plugrad.Variable]:
    """The step-48 loop; returns the model, the loss per epoch and one step's loss Variable."""
    train_set = Spiral(train=True)  # seeds NumPy's global generator, as DeZero's does
    np.random.seed(args.seed)  # so --seed chooses the weights and the batch order
    loader = DataLoader(train_set, args.batch_size)
    model = MLP((args.hidden, 3))
    optimizer = optimizers.SGD(args.lr).setup(model)
    losses: list[float] = []
    last_loss: plugrad.Variable | None = None
    for epoch in range(1, args.epochs + 1):
        sum_loss = 0.0
        for x, t in loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(t)
            last_loss = loss
        losses.append(sum_loss / len(train_set))
        progress_bar(epoch, args.epochs, losses[-1])
    sys.stdout.write("\n")
    if last_loss is None:
        raise ValueError("--epochs must be at least 1")
    return model, losses, last_loss


def accuracy(model: MLP, dataset: Spiral) -> float:
    with plugrad.no_grad():
        return float(F.accuracy(model(dataset.data), dataset.label).data)


def save_plots(model: MLP, losses: list[float], out_dir: str) -> list[str]:
    """Loss curve and decision boundary as PNGs, if matplotlib is there."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: works without a display
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'plugrad[plot]'): skipping the plots")
        return []

    loss_path = os.path.join(out_dir, "spiral_loss.png")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, len(losses) + 1), losses)  # pyright: ignore[reportUnknownMemberType]  # matplotlib: untyped **kwargs
    ax.set(xlabel="epoch", ylabel="loss", title="Spiral: training loss")
    fig.tight_layout()
    fig.savefig(loss_path, dpi=100)  # pyright: ignore[reportUnknownMemberType]  # matplotlib: untyped **kwargs
    plt.close(fig)

    boundary_path = os.path.join(out_dir, "spiral_boundary.png")
    fig, ax = plt.subplots(figsize=(5, 5))
    _draw_boundary(ax, model)
    fig.tight_layout()
    fig.savefig(boundary_path, dpi=100)  # pyright: ignore[reportUnknownMemberType]  # matplotlib: untyped **kwargs
    plt.close(fig)
    return [loss_path, boundary_path]


def _draw_boundary(ax: Any, model: MLP) -> None:
    train_set = Spiral(train=True)
    h = 0.01
    grid_x, grid_y = np.meshgrid(np.arange(-1.1, 1.1, h), np.arange(-1.1, 1.1, h))
    points = np.c_[grid_x.ravel(), grid_y.ravel()].astype(np.float32)
    with plugrad.no_grad():
        predicted = np.argmax(model(points).data, axis=1)
    ax.contourf(grid_x, grid_y, predicted.reshape(grid_x.shape), alpha=0.3, cmap="viridis")
    for label, marker in zip(range(3), "ox^", strict=True):
        chosen = train_set.label == label
        ax.scatter(train_set.data[chosen, 0], train_set.data[chosen, 1], marker=marker, s=20)
    ax.set(title="Spiral: decision boundary", xlim=(-1.1, 1.1), ylim=(-1.1, 1.1))


def save_graph(loss: plugrad.Variable, out_dir: str) -> str:
    """The graph of one training step: a PNG with Graphviz, else the DOT text."""
    png_path = os.path.join(out_dir, "spiral_step_graph.png")
    if shutil.which("dot") is not None:
        plot_dot_graph(loss, verbose=True, to_file=png_path)
        return png_path
    dot_path = os.path.join(out_dir, "spiral_step_graph.dot")
    with open(dot_path, "w", encoding="utf-8") as file:
        file.write(get_dot_graph(loss, verbose=True))
    print(
        f"Graphviz's dot is not installed (apt-get install graphviz / brew install graphviz); "
        f"the graph of one step is in {dot_path}"
    )
    return dot_path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)

    print(
        f"Spiral: MLP 2-{args.hidden}-3 (sigmoid), SGD lr={args.lr}, "
        f"{args.epochs} epochs of batch {args.batch_size}"
    )
    start = time.perf_counter()
    model, losses, last_loss = train(args)
    elapsed = time.perf_counter() - start

    train_acc = accuracy(model, Spiral(train=True))
    test_acc = accuracy(model, Spiral(train=False))
    steps = args.epochs * math.ceil(300 / args.batch_size)
    print(f"final loss      {losses[-1]:.4f}")
    print(f"train accuracy  {train_acc:.1%}")
    print(f"test accuracy   {test_acc:.1%}")
    print(f"training time   {elapsed:.2f} s ({steps} steps, {1e3 * elapsed / steps:.2f} ms/step)")

    written = save_plots(model, losses, args.out_dir)
    written.append(save_graph(last_loss, args.out_dir))
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
