"""Predict a sine wave one step ahead with an LSTM, trained by truncated BPTT (DeZero step 60).

    python examples/lstm_sin.py                  # writes lstm_sin.png if matplotlib is there
    python examples/lstm_sin.py --epochs 5 --png out.png

The training data is ``SinCurve`` (a noisy sine, 999 steps); ``SeqDataLoader`` feeds 30
parallel cursors through it, 34 steps an epoch.  Every ``bptt_length`` steps the summed loss
is backpropagated and then cut with ``loss.unchain_backward()``, so the graph never grows past
30 steps.  The trained
model then runs on a clean cosine it never saw, and the mean squared error of its one-step
predictions is printed (and the curves plotted).
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
from plugrad.dataloaders import SeqDataLoader
from plugrad.datasets import SinCurve
from plugrad.typing import Array, Operand


class BetterRNN(Model):
    """LSTM(hidden_size) then Linear(out_size), DeZero's name for it."""

    def __init__(self, hidden_size: int, out_size: int) -> None:
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self) -> None:
        self.rnn.reset_state()

    def forward(self, x: Operand) -> plugrad.Variable:
        return self.fc(self.rnn(x))


def train(model: BetterRNN, epochs: int, batch_size: int, bptt_length: int) -> float:
    train_set = SinCurve(train=True)
    loader = SeqDataLoader(train_set, batch_size=batch_size)
    optimizer = optimizers.Adam().setup(model)
    avg_loss = float("nan")
    for epoch in range(1, epochs + 1):
        model.reset_state()
        loss: plugrad.Variable | None = None
        total, count = 0.0, 0
        for x, t in loader:
            step_loss = F.mean_squared_error(model(x), t)
            loss = step_loss if loss is None else loss + step_loss
            total += float(step_loss.data)
            count += 1
            # DeZero tests count == len(dataset), which the loader never reaches (it makes
            # len / batch_size batches, rounded up): here the last partial window counts too.
            if count % bptt_length == 0 or count == loader.max_iter:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()  # truncate: the next window starts from a leaf state
                optimizer.update()
                loss = None
        avg_loss = total / count
        if epoch % 10 == 0 or epoch == epochs:
            print(f"epoch {epoch:>3}  train loss {avg_loss:.6f}")
    return avg_loss


def predict(model: BetterRNN, xs: Array) -> Array:
    model.reset_state()
    predictions: list[float] = []
    with plugrad.no_grad():
        for x in xs:
            y = model(np.array(x, dtype=np.float64).reshape(1, 1))
            predictions.append(y.data.item())
    return np.array(predictions)


def save_plot(xs: Array, predictions: Array, path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the plot (pip install matplotlib)")
        return
    fig, ax = plt.subplots(figsize=(8, 4))
    steps = np.arange(len(xs))
    ax.plot(steps, xs, label="y = cos(x)")  # pyright: ignore[reportUnknownMemberType]  # matplotlib: untyped **kwargs
    ax.plot(  # pyright: ignore[reportUnknownMemberType]  # matplotlib: untyped **kwargs
        steps, predictions, label="LSTM one-step prediction", linestyle="--"
    )
    ax.set(xlabel="step", ylabel="y")
    ax.legend()  # pyright: ignore[reportUnknownMemberType]  # matplotlib: untyped **kwargs
    fig.tight_layout()
    fig.savefig(path)  # pyright: ignore[reportUnknownMemberType]  # matplotlib: untyped **kwargs
    plt.close(fig)
    print(f"saved {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--bptt-length", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--png", default="lstm_sin.png", help="where to save the plot")
    args = parser.parse_args(argv)

    np.random.seed(args.seed)
    model = BetterRNN(args.hidden, 1)
    start = time.perf_counter()
    train(model, args.epochs, args.batch_size, args.bptt_length)
    elapsed = time.perf_counter() - start

    xs = np.cos(np.linspace(0, 4 * np.pi, 1000))
    predictions = predict(model, xs)
    # prediction k is the model's guess for xs[k + 1]
    mse = float(np.mean((predictions[:-1] - xs[1:]) ** 2))
    print(f"one-step prediction MSE on cos: {mse:.6f}  (training {elapsed:.1f} s)")
    save_plot(xs, predictions, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
