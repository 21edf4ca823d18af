"""MLP training-step benchmark: plugrad against the same arithmetic written in NumPy by hand.

    python benchmarks/bench_mlp.py [--repeat 30] [--memory-steps 10000] [--quick]

1. One SGD step of a 784-1000-10 sigmoid MLP on a batch of 100 with softmax cross entropy
   (forward, backward without a gradient for the input batch, update), in float32 and float64.
   The NumPy version does the same operations as plugrad's ops (sigmoid in tanh form, log-softmax
   shifted by the maximum).  Medians of interleaved runs, and their ratio (target: <= 1.1).
2. 10,000 training steps of a small MLP, with the process's resident memory at the start, the
   middle and the end: it should stay flat (graphs free themselves).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable

import numpy as np

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable, optimizers
from plugrad.datasets import get_spiral
from plugrad.models import MLP
from plugrad.typing import Array

BATCH, IN, HIDDEN, OUT = 100, 784, 1000, 10
LR = 0.1


def make_plugrad_step(dtype: type[np.floating], x: Array, t: Array) -> Callable[[], None]:
    np.random.seed(0)
    model = MLP((HIDDEN, OUT))
    model(x)  # create the weights in ``dtype`` below
    for layer in model.layers:
        layer.W.data = layer.W.data.astype(dtype)
        if layer.b is not None:
            layer.b.data = layer.b.data.astype(dtype)
    optimizer = optimizers.SGD(LR).setup(model)

    def step() -> None:
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()

    return step


def make_numpy_step(dtype: type[np.floating], x: Array, t: Array) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    W1 = (rng.standard_normal((IN, HIDDEN)) * np.sqrt(1 / IN)).astype(dtype)
    b1 = np.zeros(HIDDEN, dtype=dtype)
    W2 = (rng.standard_normal((HIDDEN, OUT)) * np.sqrt(1 / HIDDEN)).astype(dtype)
    b2 = np.zeros(OUT, dtype=dtype)
    rows = np.arange(BATCH)

    def step() -> None:
        # forward
        h = x @ W1
        h += b1
        a = np.tanh(h * 0.5) * 0.5 + 0.5
        y = a @ W2
        y += b2
        shifted = y - y.max(axis=1, keepdims=True)
        shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = np.asarray(-shifted[rows, t].sum() / BATCH, dtype=dtype)
        # backward (no gradient for the input batch x)
        gy = np.ones_like(loss)
        gs = np.exp(y - y.max(axis=1, keepdims=True))
        gs /= gs.sum(axis=1, keepdims=True)
        gs[rows, t] -= 1
        gs *= gy * (1.0 / BATCH)
        gW2 = a.T @ gs
        gb2 = gs.sum(axis=0)
        ga = gs @ W2.T
        gh = ga * a * (1.0 - a)
        gW1 = x.T @ gh
        gb1 = gh.sum(axis=0)
        # SGD update, in place
        for param, grad in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
            param -= LR * grad

    return step


def time_interleaved(
    steps: dict[str, Callable[[], None]], repeat: int, inner: int
) -> dict[str, list[float]]:
    """Seconds per call, one sample per round; the contestants take turns so drift hits both."""
    for step in steps.values():
        for _ in range(3):
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(inner):
                step()
            samples[name].append((time.perf_counter() - start) / inner)
    return samples


def bench_step(repeat: int) -> None:
    print(f"One SGD step, MLP {IN}-{HIDDEN}-{OUT} (sigmoid), batch {BATCH}, softmax CE")
    print("median (and fastest) ms per step over interleaved rounds")
    print(f"{'dtype':<8} {'numpy':>17} {'plugrad':>17} {'ratio':>15}")
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((BATCH, IN)).astype(dtype)
        t = rng.integers(0, OUT, BATCH)
        samples = time_interleaved(
            {"numpy": make_numpy_step(dtype, x, t), "plugrad": make_plugrad_step(dtype, x, t)},
            repeat=repeat,
            inner=5,
        )
        median = {name: statistics.median(values) for name, values in samples.items()}
        fastest = {name: min(values) for name, values in samples.items()}
        print(
            f"{np.dtype(dtype).name:<8} "
            f"{_pair(median['numpy'], fastest['numpy'])} "
            f"{_pair(median['plugrad'], fastest['plugrad'])} "
            f"{median['plugrad'] / median['numpy']:>7.3f} "
            f"({fastest['plugrad'] / fastest['numpy']:.3f})"
        )


def _pair(median: float, fastest: float) -> str:
    return f"{1e3 * median:>8.3f} ({1e3 * fastest:>6.3f})"


def resident_mib() -> float:
    """Current resident set size, from /proc where there is one, else the peak from getrusage."""
    try:
        with open("/proc/self/statm") as file:
            pages = int(file.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS
        return peak_kib / 1024


def bench_memory(steps: int) -> None:
    print(f"\n{steps} training steps of an MLP 2-30-30-3 on the spiral (batch 30): memory")
    x, t = get_spiral()
    np.random.seed(0)
    model = MLP((30, 30, 3))
    optimizer = optimizers.SGD(0.5).setup(model)
    marks = {0: "start", steps // 2: "middle", steps: "end"}
    readings: dict[str, float] = {}
    loss: Variable | None = None
    start = time.perf_counter()
    for i in range(steps + 1):
        if i in marks:
            readings[marks[i]] = resident_mib()
        if i == steps:
            break
        batch = np.arange(i * 30, i * 30 + 30) % len(x)
        loss = F.softmax_cross_entropy(model(x[batch]), t[batch])
        model.cleargrads()
        loss.backward()
        optimizer.update()
    elapsed = time.perf_counter() - start
    if loss is None:
        raise SystemExit("--memory-steps must be at least 1")
    print("  ".join(f"{name} {value:.1f} MiB" for name, value in readings.items()))
    print(
        f"growth {readings['end'] - readings['start']:+.2f} MiB; "
        f"{1e6 * elapsed / steps:.0f} us/step; final loss {float(loss.data):.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--memory-steps", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="5 rounds, 1,000 steps (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.memory_steps = 5, 1_000
    bench_step(args.repeat)
    bench_memory(args.memory_steps)


if __name__ == "__main__":
    main()
