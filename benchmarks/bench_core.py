"""The engine's own cost: plugrad against the same arithmetic written by hand in NumPy.

Three measurements, in one process, medians over repeats:

1. **Scalar chain** -- 2,000 ops on a 0-d float64 array, alternating ``* 0.999``, ``+ 0.001`` and
   ``** 2`` (from x = 0.5 the values stay in (0, 1)): forward, backward and freeing the graph,
   per op.  Target: at most 4.5 us per op for plugrad.  The hand-written NumPy version keeps
   what its backward needs (the inputs of ``** 2``) and computes the same gradient with no
   graph; its per-op cost is what the arithmetic itself costs.
2. **Fan-in** -- ``x*c1 + x*c2 + ... + x*cn`` for n = 2,000 and 8n: backward time must grow
   linearly in the size of the graph (a walk that re-sorts its queue grows faster), so the
   ratio of the two backward times should be about 8.  Both graphs are larger than the CPU
   caches: below a few thousand nodes a graph fits in cache and is several times cheaper per
   node, which would inflate the ratio without saying anything about the algorithm.
3. **Long chain** -- 100,000 ops: time for forward + backward, and memory per op (the
   tracemalloc peak over forward + backward, divided by the number of ops).

Run:  .venv/bin/python benchmarks/bench_core.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from plugrad import Variable
from plugrad._typing import Array

MUL = 0.999
ADD = 0.001
START = 0.5
TARGET_US_PER_OP = 4.5


def plugrad_chain(n_ops: int) -> float:
    """Forward, backward and (on return) freeing of the chain; returns dy/dx."""
    x = Variable(np.array(START))
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
    return float(x.grad.data)


def numpy_chain(n_ops: int) -> float:
    """The same forward and backward by hand: keep the inputs of ``** 2``, walk back."""
    saved: list[Array | None] = []
    y: Array = np.array(START)
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            saved.append(None)
            y = y * MUL
        elif kind == 1:
            saved.append(None)
            y = y + ADD
        else:
            saved.append(y)
            y = y**2
    g: Array = np.ones_like(y)
    for i in range(n_ops - 1, -1, -1):
        kind = i % 3
        if kind == 0:
            g = g * MUL
        elif kind == 2:
            g = g * (2.0 * saved[i])  # type: ignore[operator]  # set for every ** 2
    return float(g)


def timings(run: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    return statistics.median(timings(run, repeat))


def bench_scalar_chain(n_ops: int, repeat: int) -> None:
    got, expected = plugrad_chain(n_ops), numpy_chain(n_ops)
    if not np.isclose(got, expected, rtol=1e-12):
        raise SystemExit(f"gradients disagree: plugrad {got!r}, numpy {expected!r}")
    plugrad_times = timings(lambda: plugrad_chain(n_ops), repeat)
    plugrad_time = statistics.median(plugrad_times)
    numpy_time = median_seconds(lambda: numpy_chain(n_ops), repeat)
    gc.disable()
    try:
        plugrad_no_gc = median_seconds(lambda: plugrad_chain(n_ops), repeat)
    finally:
        gc.enable()
    per_op = plugrad_time / n_ops * 1e6
    verdict = "ok" if per_op <= TARGET_US_PER_OP else "OVER TARGET"
    print(f"1. scalar chain, {n_ops} ops (forward + backward + free), median of {repeat}:")
    print(f"   plugrad          {per_op:6.2f} us/op  (target <= {TARGET_US_PER_OP}: {verdict})")
    print(f"   plugrad, best    {min(plugrad_times) / n_ops * 1e6:6.2f} us/op  (of {repeat} runs)")
    print(f"   plugrad, gc off  {plugrad_no_gc / n_ops * 1e6:6.2f} us/op")
    print(f"   hand NumPy       {numpy_time / n_ops * 1e6:6.2f} us/op")
    print(f"   ratio plugrad / NumPy: {plugrad_time / numpy_time:.1f}x")


def fan_in(n_terms: int) -> tuple[Variable, Variable]:
    x = Variable(np.array(START))
    coefficients = np.linspace(0.5, 1.5, n_terms)
    y = x * float(coefficients[0])
    for c in coefficients[1:]:
        y = y + x * float(c)
    return x, y


def backward_seconds(n_terms: int, repeat: int) -> float:
    x, y = fan_in(n_terms)
    expected = float(np.linspace(0.5, 1.5, n_terms).sum())

    def run() -> None:
        x.cleargrad()
        y.backward()

    seconds = median_seconds(run, repeat)
    assert x.grad is not None
    if not np.isclose(float(x.grad.data), expected, rtol=1e-12):
        raise SystemExit(f"fan-in gradient {float(x.grad.data)!r}, expected {expected!r}")
    return seconds


def bench_fan_in(n_terms: int, repeat: int) -> None:
    small = backward_seconds(n_terms, repeat)
    large = backward_seconds(8 * n_terms, repeat)
    print(f"2. fan-in x*c1 + ... + x*cn, backward only, median of {repeat}:")
    for n, seconds in ((n_terms, small), (8 * n_terms, large)):
        per_op = seconds / (2 * n) * 1e6  # n products and n - 1 sums
        print(f"   n = {n:5d}: {seconds * 1e3:7.2f} ms  ({per_op:.2f} us/op)")
    print(f"   ratio 8n / n: {large / small:.1f} (linear: about 8)")


def bench_long_chain(n_ops: int, repeat: int) -> None:
    seconds = median_seconds(lambda: plugrad_chain(n_ops), repeat)
    gc.collect()
    tracemalloc.start()
    try:
        plugrad_chain(n_ops)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"3. long chain, {n_ops} ops, median of {repeat}:")
    print(f"   forward + backward + free: {seconds:.3f} s  ({seconds / n_ops * 1e6:.2f} us/op)")
    print(f"   tracemalloc peak: {peak / 2**20:.1f} MiB  ({peak / n_ops:.0f} bytes/op)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a few seconds)")
    args = parser.parse_args()
    repeat = 5 if args.quick else 31
    load = os.getloadavg()[0]  # timings on a busy machine read high: say how busy it was
    mode = "quick run" if args.quick else "full run"
    print(f"NumPy {np.__version__}; {mode}; load average {load:.2f} on {os.cpu_count()} CPUs\n")
    bench_scalar_chain(2_000, repeat)
    print()
    bench_fan_in(2_000, repeat)
    print()
    bench_long_chain(100_000, 1 if args.quick else 5)


if __name__ == "__main__":
    main()
