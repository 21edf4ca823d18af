"""What the op registry costs: per call, at import, and at discovery.

1. **Per call** -- ``square(x)`` (the typed wrapper: ``resolve(Square)`` then the op) against
   ``Square()(x)`` (the class called directly), forward only, on a 0-d array, and
   ``resolve(Square)`` alone.  Interleaved rounds, median time per call of each; the ratio
   should be about 1.0 (the registry adds one dict lookup, keyed by the class).
2. **Import** -- ``python -c "import plugrad"`` against ``python -c "import numpy"`` in fresh
   processes, interleaved, median wall time of each; target ratio <= 1.3.  Discovery must
   not happen here.
3. **Discovery** -- in fresh processes, the first op call (importing ``importlib.metadata``,
   scanning entry points, importing and registering every plugin) against the second call;
   with plugrad's own families only (``PLUGRAD_DISABLE_PLUGIN_AUTOLOAD=1``) and with every
   installed plugin.

Run:  .venv/bin/python benchmarks/bench_registry.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from plugrad import Variable
from plugrad.functions import Square, square
from plugrad.registry import resolve

TARGET_IMPORT_RATIO = 1.3

FIRST_CALL = """
import json, time
import numpy as np
import plugrad
from plugrad.functions import square
x = plugrad.Variable(np.array(2.0))
t0 = time.perf_counter(); square(x); t1 = time.perf_counter(); square(x)
t2 = time.perf_counter()
print(json.dumps({"first": t1 - t0, "second": t2 - t1}))
"""


def square_without_registry(x: Variable) -> Variable:
    """A DeZero-style wrapper: the class named in the code, no registry lookup."""
    return Square()(x)


def per_call(calls: int, rounds: int) -> dict[str, float]:
    """Median seconds per call of each way to call square, interleaved in rotating order."""
    x = Variable(np.array(2.0))

    def through_registry() -> None:
        for _ in range(calls):
            square(x)

    def plain_wrapper() -> None:
        for _ in range(calls):
            square_without_registry(x)

    def direct() -> None:
        for _ in range(calls):
            Square()(x)

    def lookup_only() -> None:
        for _ in range(calls):
            resolve(Square)

    contestants: dict[str, Callable[[], None]] = {
        "registry": through_registry,
        "wrapper": plain_wrapper,
        "direct": direct,
        "resolve": lookup_only,
    }
    times: dict[str, list[float]] = {name: [] for name in contestants}
    through_registry()  # the first call discovers the plugins; keep it out of the timing
    names = list(contestants)
    for index in range(rounds):
        # Rotate who goes first, so none always runs on a warmer cache.
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            contestants[name]()
            times[name].append((time.perf_counter() - start) / calls)
    return {name: statistics.median(samples) for name, samples in times.items()}


# Installed packages import from bytecode caches; numpy's come compiled in its wheel.  An
# environment with PYTHONDONTWRITEBYTECODE set (some sandboxes and CI images) would make every
# plugrad import compile from source and the comparison meaningless, so the child processes
# run without it (the warm-up below writes the caches once).
_IMPORT_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def fresh_process(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=_IMPORT_ENV)
    return time.perf_counter() - start


def import_times(runs: int) -> tuple[float, float]:
    """Median wall time of a fresh process importing (plugrad, numpy), interleaved."""
    plugrad_times: list[float] = []
    numpy_times: list[float] = []
    fresh_process("import plugrad")  # warm the OS file cache, and write bytecode caches
    for _ in range(runs):
        numpy_times.append(fresh_process("import numpy"))
        plugrad_times.append(fresh_process("import plugrad"))
    return statistics.median(plugrad_times), statistics.median(numpy_times)


def first_call_times(runs: int, *, autoload: bool) -> tuple[float, float]:
    """Median (first op call, second op call) in fresh processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGRAD_")}
    if not autoload:
        env["PLUGRAD_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    firsts: list[float] = []
    seconds: list[float] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_CALL], check=True, capture_output=True, text=True, env=env
        ).stdout
        measured = json.loads(out)
        firsts.append(float(measured["first"]))
        seconds.append(float(measured["second"]))
    return statistics.median(firsts), statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    calls, rounds, runs = (2_000, 5, 5) if args.quick else (20_000, 31, 15)

    per = per_call(calls, rounds)
    print("1. per call, square(x) on a 0-d array (forward only)")
    print(f"   plugrad.functions.square (registry lookup): {per['registry'] * 1e6:6.3f} us")
    print(f"   a wrapper naming the class, no registry:    {per['wrapper'] * 1e6:6.3f} us")
    print(f"   Square()(x), the class called directly:     {per['direct'] * 1e6:6.3f} us")
    print(f"   resolve(Square) alone:                      {per['resolve'] * 1e6:6.3f} us")
    print(f"   ratio registry / direct:  {per['registry'] / per['direct']:.3f}  (target about 1.0)")
    lookup = per["registry"] / per["wrapper"]
    print(f"   ratio registry / wrapper: {lookup:.3f}  (the lookup alone)")

    with_plugrad, numpy_only = import_times(runs)
    ratio = with_plugrad / numpy_only
    verdict = "ok" if ratio <= TARGET_IMPORT_RATIO else "OVER TARGET"
    print(f"2. fresh-process import, median of {runs}")
    print(f"   python -c 'import numpy':   {numpy_only * 1e3:7.1f} ms")
    print(f"   python -c 'import plugrad': {with_plugrad * 1e3:7.1f} ms")
    print(f"   ratio: {ratio:.2f}  (target <= {TARGET_IMPORT_RATIO}: {verdict})")

    print(f"3. first op call in a fresh process (discovery), median of {runs}")
    for autoload, what in ((False, "plugrad's own families"), (True, "all installed plugins")):
        first, second = first_call_times(runs, autoload=autoload)
        print(f"   {what}: first call {first * 1e3:6.2f} ms, second {second * 1e3:6.3f} ms")


if __name__ == "__main__":
    main()
