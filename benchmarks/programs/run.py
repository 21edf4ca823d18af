"""The book's example programs, timed on plugrad, DeZero and PyTorch: the program table.

    .venv/bin/python -m benchmarks.programs.run [--size quick|default|book] [--runs N]
                                                 [--programs spiral,mnist,vae,gan] [--quick]

Each run is one fresh process per framework and program, with one BLAS/OpenMP thread
(``OPENBLAS_NUM_THREADS=1``, ``OMP_NUM_THREADS=1``, ``MKL_NUM_THREADS=1``; other variables,
``OPENBLAS_CORETYPE`` included, are passed on as they are).  The frameworks take turns within
each round, so load on a shared machine falls on all of them.  The time is the program's own
(building the model, training, evaluating), measured inside the process, without interpreter
start-up, imports or making the synthetic data.

- plugrad runs the programs in this folder as they are;
- DeZero (``pip install dezero==0.0.13``, optional) runs the very same code with its imports
  pointed at DeZero (``_frameworks.use_dezero``);
- PyTorch (optional) runs a port of each program (``run_torch``, float32 throughout).

The table gives medians (and the range) of ``--runs`` runs, plugrad's ratio to DeZero's median
(target: at most 0.8), and PyTorch's time beside them.  ``--quick`` is a smoke run: the small
size, one run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.programs import _frameworks

PROGRAMS = ("spiral", "mnist", "vae", "gan")
FRAMEWORKS = ("dezero", "plugrad", "torch")
TARGET = 0.8  # plugrad's time over DeZero's, at most
ROOT = Path(__file__).resolve().parents[2]
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _program(name: str) -> ModuleType:
    return importlib.import_module(f"benchmarks.programs.{name}")


def child(framework: str, program: str, size: str) -> None:
    """Run one program once in this process and print its time and results as JSON."""
    if framework == "dezero":
        _frameworks.use_dezero()
    module = _program(program)
    settings = module.SIZES[size]
    if framework == "torch":
        torch: Any = importlib.import_module("torch")
        torch.set_num_threads(1)
        start = time.perf_counter()
        results = module.run_torch(settings, torch)
    else:
        start = time.perf_counter()
        results = module.run(settings)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "results": results}))


def _spawn(framework: str, program: str, size: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.update({name: "1" for name in THREAD_VARIABLES})
    command = [
        sys.executable,
        "-m",
        "benchmarks.programs.run",
        "--child",
        framework,
        "--programs",
        program,
        "--size",
        size,
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{framework} {program} failed:\n{done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _frameworks_here(wanted: list[str]) -> list[str]:
    present: list[str] = []
    for framework in wanted:
        if framework == "plugrad" or _frameworks.available(framework):
            present.append(framework)
        else:
            print(f"({framework} is not installed: its column stays empty)")
    return present


def _cell(times: list[float]) -> str:
    if not times:
        return "—"
    if len(times) == 1:
        return f"{times[0]:.2f} s"
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", choices=("quick", "default", "book"), default="default")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--programs", default=",".join(PROGRAMS))
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--quick", action="store_true", help="the quick size, one run")
    parser.add_argument("--verbose", action="store_true", help="print each run's results")
    parser.add_argument("--child", metavar="FRAMEWORK", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.programs, args.size)
        return 0
    if args.quick:
        args.size, args.runs = "quick", 1

    programs = [p for p in args.programs.split(",") if p]
    frameworks = _frameworks_here([f for f in args.frameworks.split(",") if f])
    print(
        f"size {args.size}, {args.runs} run(s) each, one process per run; "
        + ", ".join(f"{name}=1" for name in THREAD_VARIABLES)
        + f"; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    times: dict[tuple[str, str], list[float]] = {}
    for program in programs:
        for _ in range(args.runs):
            for framework in frameworks:
                answer = _spawn(framework, program, args.size)
                times.setdefault((program, framework), []).append(answer["seconds"])
                if args.verbose:
                    print(f"  {program:7} {framework:8} {answer['seconds']:7.2f} s  ", end="")
                    print(", ".join(f"{k} {v:.4g}" for k, v in answer["results"].items()))
    _print_table(programs, times)
    return 0


def _print_table(programs: list[str], times: dict[tuple[str, str], list[float]]) -> None:
    print()
    print(f"| program | DeZero | plugrad | plugrad / DeZero (target ≤ {TARGET}) | PyTorch CPU |")
    print("|---|---|---|---|---|")
    for program in programs:
        dezero = times.get((program, "dezero"), [])
        plugrad = times.get((program, "plugrad"), [])
        torch = times.get((program, "torch"), [])
        if dezero and plugrad:
            ratio = statistics.median(plugrad) / statistics.median(dezero)
            verdict = "met" if ratio <= TARGET else "MISSED"
            ratio_cell = f"{ratio:.2f}x ({verdict})"
        else:
            ratio_cell = "—"
        print(
            f"| `{program}.py` | {_cell(dezero)} | {_cell(plugrad)} | {ratio_cell} | "
            f"{_cell(torch)} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
