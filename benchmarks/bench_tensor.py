"""Large-array overhead: plugrad against hand-written NumPy, forward + backward, same process.

The chain: 50 ops alternating ``* c``, ``+ c``, ``** 2`` on a 1,000,000-element float64 array
(values stay in [0, 1), so nothing overflows), then backpropagation of ones.  The NumPy
baseline keeps what its backward needs (the inputs of ``** 2``) and computes the same
gradient.  Target: plugrad at most 1.1x the NumPy time.

Run:  .venv/bin/python benchmarks/bench_tensor.py [--size N] [--ops N] [--repeat N] [--quick]
"""

from __future__ import annotations

import os

# One BLAS/OpenMP thread, set before NumPy loads: the machine is shared and the elementwise
# work here is single-threaded in NumPy anyway.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from plugrad import Variable  # noqa: E402
from plugrad.typing import Array  # noqa: E402

MUL = 0.5
ADD = 0.25


def plugrad_chain(data: Array, n_ops: int) -> Array:
    x = Variable(data)
    y = x
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            y = y * MUL
        elif kind == 1:
            y = y + ADD
        else:
            y = y**2
    y.backward()
    assert x.grad is not None
    return x.grad.data


def numpy_chain(data: Array, n_ops: int, keep_all: bool = False) -> Array:
    """Hand-written forward and backward.  ``keep_all`` keeps every intermediate alive until
    the backward pass, as a graph that holds each op's inputs (DeZero's, plugrad's) does."""
    saved: list[Array | None] = []  # the input of each ** 2 (of every op with keep_all)
    y = data
    for i in range(n_ops):
        kind = i % 3
        saved.append(y if keep_all or kind == 2 else None)
        if kind == 0:
            y = y * MUL
        elif kind == 1:
            y = y + ADD
        else:
            y = y**2
    g = np.ones_like(y)
    for i in reversed(range(n_ops)):
        kind = i % 3
        if kind == 0:
            g = g * MUL
        elif kind == 2:
            x_in = saved[i]
            assert x_in is not None
            g = g * (2.0 * x_in)
    return g


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--ops", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="5 rounds (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 5

    size: int = args.size
    data = np.random.default_rng(0).uniform(0.0, 1.0, size=size)
    np.testing.assert_allclose(plugrad_chain(data, args.ops), numpy_chain(data, args.ops))

    runs: dict[str, Callable[[], object]] = {
        "plugrad": lambda: plugrad_chain(data, args.ops),
        "numpy": lambda: numpy_chain(data, args.ops),
        "numpy keep-all": lambda: numpy_chain(data, args.ops, keep_all=True),
    }
    # Interleave the runs, after one warm-up each, so drift on a shared machine hits all alike.
    times: dict[str, list[float]] = {name: [] for name in runs}
    for fn in runs.values():
        fn()
    for _ in range(args.repeat):
        for name, fn in runs.items():
            times[name].append(median_seconds(fn, 1))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    print(
        f"chain of {args.ops} ops (*{MUL}, +{ADD}, **2) on {args.size:,} float64, "
        f"forward + backward, median of {args.repeat}:"
    )
    labels = {
        "numpy": "hand-written NumPy (saves what backward needs)",
        "numpy keep-all": "hand-written NumPy (keeps every intermediate)",
        "plugrad": "plugrad",
    }
    for name, label in labels.items():
        print(f"  {label:<48}{medians[name] * 1e3:8.2f} ms")
    print(
        f"  ratio plugrad / NumPy            {medians['plugrad'] / medians['numpy']:6.3f}x"
        "  (target <= 1.1x)"
    )
    print(
        f"  ratio plugrad / NumPy keep-all   {medians['plugrad'] / medians['numpy keep-all']:6.3f}x"
    )


if __name__ == "__main__":
    main()
