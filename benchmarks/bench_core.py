"""The engine's own cost, per recorded op: plugrad, hand-written NumPy and PyTorch side by side.

Everything runs in one process, twice: first in a quiet interpreter, then in a *busy* one that
first allocates about 200,000 long-lived Python objects, as a real program's heap holds (what
importing PyTorch, SciPy or matplotlib leaves).  Per-op cost that depends on the heap's size is
the cyclic garbage collector walking the graph's objects again and again; PyTorch's graph is not
made of Python objects, so it is the fair yardstick there.  PyTorch (CPU, one thread) is an
optional comparison: its columns appear when ``torch`` is importable.

1. **Scalar chain** -- 2,000 ops on a 0-d float64 value, alternating ``* 0.999``, ``+ 0.001``
   and ``** 2``: forward, backward and freeing the graph, per op.  Target: at most 0.5x
   PyTorch's time in the busy process, and at most 2 objects left for the collector per
   recorded op.  The hand-written NumPy version keeps what its backward needs and computes the
   same gradient with no graph: the cost of the arithmetic itself.
2. **Higher derivatives** -- the 4th and 8th derivatives of tanh at 1.0 by repeated
   ``backward(create_graph=True)`` (DeZero's step 35).  Target: at most 1.0x PyTorch.
3. **Long chain** -- 100,000 ops of (1), forward + backward + free.  Target: at most 0.5x
   PyTorch.
4. **Fan-in** -- ``x*c1 + x*c2 + ... + x*cn``, backward only, at n = 4,000 and 8n: at most 0.5x
   PyTorch at n = 4,000, and the time must grow linearly (ratio 8n / n about 8).

Run:  .venv/bin/python benchmarks/bench_core.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from plugrad import Variable
from plugrad.functions import tanh
from plugrad.typing import Array

MUL = 0.999
ADD = 0.001
START = 0.5
BUSY_OBJECTS = 200_000

# An optional peer, imported by name so that mypy sees ``Any`` whether or not it is installed.
torch: Any
try:
    torch = importlib.import_module("torch")
except ImportError:  # pragma: no cover - depends on the environment
    torch = None


# -- the workloads, once per framework -----------------------------------------------------


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
    if x.grad is None:
        raise SystemExit("plugrad left x.grad unset")
    return float(x.grad.data)


def numpy_chain(n_ops: int) -> float:
    """The same forward and backward by hand: keep the inputs of ``** 2``, walk back."""
    saved: list[Array] = []  # the inputs of ``** 2``, a stack that backward pops
    y: Array = np.array(START)
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            y = y * MUL
        elif kind == 1:
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
            g = g * (2.0 * saved.pop())
    return float(g)


def torch_chain(n_ops: int) -> float:
    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
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
    return float(x.grad)


def plugrad_tanh_derivative(order: int) -> float:
    x = Variable(np.array(1.0))
    y = tanh(x)
    y.backward(create_graph=True)
    for _ in range(order - 1):
        gx = x.grad
        x.cleargrad()
        if gx is None:
            raise SystemExit("plugrad left x.grad unset")
        gx.backward(create_graph=True)
    if x.grad is None:
        raise SystemExit("plugrad left x.grad unset")
    return float(x.grad.data)


def torch_tanh_derivative(order: int) -> float:
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = torch.tanh(x)
    y.backward(create_graph=True)
    for _ in range(order - 1):
        gx = x.grad
        x.grad = None
        gx.backward(create_graph=True)  # pyright: ignore[reportOptionalMemberAccess]  # set by backward
    return float(x.grad.detach())  # pyright: ignore[reportOptionalMemberAccess]  # set by backward


def plugrad_fan_in(n_terms: int) -> Callable[[], float]:
    """Build ``x*c1 + ... + x*cn`` once; the returned function runs its backward."""
    x = Variable(np.array(START))
    coefficients = [float(c) for c in np.linspace(0.5, 1.5, n_terms)]
    y = x * coefficients[0]
    for c in coefficients[1:]:
        y = y + x * c

    def backward() -> float:
        x.cleargrad()
        y.backward()
        return float(x.grad.data)  # type: ignore[union-attr]  # set by backward

    return backward


def numpy_fan_in(n_terms: int) -> Callable[[], float]:
    coefficients = [float(c) for c in np.linspace(0.5, 1.5, n_terms)]

    def backward() -> float:
        g = np.array(0.0)
        one = np.ones(())
        for c in coefficients:  # each product passes the shared gradient times its constant
            g = g + one * c
        return float(g)

    return backward


def torch_fan_in(n_terms: int) -> Callable[[], float]:
    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    coefficients = [float(c) for c in np.linspace(0.5, 1.5, n_terms)]
    y = x * coefficients[0]
    for c in coefficients[1:]:
        y = y + x * c

    def backward() -> float:
        x.grad = None
        y.backward(retain_graph=True)
        return float(x.grad)  # pyright: ignore[reportArgumentType]  # set by backward

    return backward


# -- measuring ----------------------------------------------------------------------------------


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass
class Row:
    label: str
    unit: str
    plugrad: float
    numpy: float | None
    torch: float | None
    target: float | None  # the most plugrad / torch may be

    def print(self) -> None:
        def cell(value: float | None) -> str:
            return f"{value:9.3f}" if value is not None else "        -"

        ratio = ""
        if self.torch:
            ratio = f"{self.plugrad / self.torch:5.2f}x torch"
            if self.target is not None:
                ratio += "  ok" if self.plugrad / self.torch <= self.target else "  OVER TARGET"
                ratio += f" (target <= {self.target}x)"
        print(
            f"  {self.label:34s} {cell(self.plugrad)} {cell(self.numpy)} {cell(self.torch)}"
            f"  {self.unit:6s} {ratio}"
        )


def check_close(label: str, values: dict[str, float]) -> None:
    reference = values["plugrad"]
    for name, value in values.items():
        if not np.isclose(value, reference, rtol=1e-9):
            raise SystemExit(f"{label}: {name} gives {value!r}, plugrad {reference!r}")


def chain_row(n_ops: int, repeat: int, label: str, per_op: bool, target: float) -> Row:
    values = {"plugrad": plugrad_chain(n_ops), "numpy": numpy_chain(n_ops)}
    if torch is not None:
        values["torch"] = torch_chain(n_ops)
    check_close(label, values)
    scale = 1e6 / n_ops if per_op else 1e3
    p = median_seconds(lambda: plugrad_chain(n_ops), repeat) * scale
    n = median_seconds(lambda: numpy_chain(n_ops), repeat) * scale
    t = median_seconds(lambda: torch_chain(n_ops), repeat) * scale if torch is not None else None
    return Row(label, "us/op" if per_op else "ms", p, n, t, target)


def tanh_row(order: int, repeat: int) -> Row:
    values = {"plugrad": plugrad_tanh_derivative(order)}
    if torch is not None:
        values["torch"] = torch_tanh_derivative(order)
    check_close(f"tanh^({order})", values)
    p = median_seconds(lambda: plugrad_tanh_derivative(order), repeat) * 1e3
    t = (
        median_seconds(lambda: torch_tanh_derivative(order), repeat) * 1e3
        if torch is not None
        else None
    )
    return Row(f"d^{order}/dx^{order} tanh(x), create_graph", "ms", p, None, t, 1.0)


def fan_in_rows(n_terms: int, repeat: int) -> tuple[Row, float]:
    """The fan-in at n (against NumPy and PyTorch) and the ratio of plugrad's 8n / n times."""
    expected = float(np.linspace(0.5, 1.5, n_terms).sum())
    runs: dict[str, Callable[[], float]] = {
        "plugrad": plugrad_fan_in(n_terms),
        "numpy": numpy_fan_in(n_terms),
    }
    if torch is not None:
        runs["torch"] = torch_fan_in(n_terms)
    for name, run in runs.items():
        if not np.isclose(run(), expected, rtol=1e-9):
            raise SystemExit(f"fan-in: {name} gives {run()!r}, expected {expected!r}")
    times = {name: median_seconds(run, repeat) * 1e3 for name, run in runs.items()}
    large = median_seconds(plugrad_fan_in(8 * n_terms), max(3, repeat // 3)) * 1e3
    row = Row(
        f"fan-in backward, n = {n_terms}",
        "ms",
        times["plugrad"],
        times["numpy"],
        times.get("torch"),
        0.5,
    )
    return row, large / times["plugrad"]


def tracked_per_op(n_ops: int = 3_000) -> float:
    """Objects the cyclic collector tracks per recorded op, while the graph is alive."""
    gc.collect()
    before = len(gc.get_objects())
    x = Variable(np.array(START))
    y = x
    for i in range(n_ops):
        y = y * MUL if i % 3 == 0 else (y + ADD if i % 3 == 1 else y**2)
    after = len(gc.get_objects())
    del x, y
    return (after - before) / n_ops


def run_all(repeat: int, quick: bool) -> None:
    print(f"  {'':34s} {'plugrad':>9s} {'NumPy':>9s} {'PyTorch':>9s}")
    chain_row(2_000, repeat, "2,000-op chain, fwd + bwd + free", True, 0.5).print()
    tanh_row(4, repeat).print()
    tanh_row(8, max(5, repeat // 2)).print()
    chain_row(100_000, 1 if quick else 5, "100,000-op chain, fwd + bwd + free", False, 0.5).print()
    row, growth = fan_in_rows(4_000, repeat)
    row.print()
    verdict = "ok" if growth < 12 else "NOT LINEAR"
    print(f"  fan-in backward time, 8n / n: {growth:.1f} (linear: about 8; {verdict})")
    print(
        f"  objects tracked by the collector per recorded op: {tracked_per_op():.2f} (target <= 2)"
    )


def busy_heap(count: int) -> list[Any]:
    """Long-lived objects of the kinds a real program holds (lists, dicts, instances)."""

    class Record:
        def __init__(self, i: int) -> None:
            self.i = i

    heap: list[Any] = []
    for i in range(count // 4):
        heap.extend(([i], {"i": i}, Record(i), [str(i)]))
    return heap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (about a minute)")
    args = parser.parse_args()
    repeat = 5 if args.quick else 21
    warnings.filterwarnings("ignore", module="torch")  # create_graph's reference-cycle warning
    if torch is not None:
        torch.set_num_threads(1)
    load = os.getloadavg()[0]  # timings on a busy machine read high: say how busy it was
    peer = f"PyTorch {torch.__version__}" if torch is not None else "PyTorch not installed"
    print(f"NumPy {np.__version__}; {peer}; load average {load:.2f} on {os.cpu_count()} CPUs")
    print(f"medians of {repeat} runs ({'quick' if args.quick else 'full'} run)\n")
    print(f"1. quiet process ({len(gc.get_objects()):,} objects tracked by the collector)")
    run_all(repeat, args.quick)
    heap = busy_heap(BUSY_OBJECTS)
    print(f"\n2. busy process ({len(gc.get_objects()):,} objects tracked by the collector)")
    run_all(repeat, args.quick)
    del heap


if __name__ == "__main__":
    main()
