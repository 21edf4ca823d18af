"""Data-parallel benchmark: the gradient allreduce, and training throughput over processes.

    python benchmarks/bench_mpi.py [--repeat 200] [--steps 200] [--quick]

It launches its parts with mpiexec (the one beside this Python, else the one on PATH), one BLAS
thread per process:

1. ``mpiexec -n 2``: the gradients of a 784-1000-10 MLP (795,010 numbers) averaged through the
   multi-node optimizer (pack every gradient into one buffer, scaling by 1/size on the way;
   ``Allreduce`` in place; hand the averages back as views), against a bare mpi4py ``Allreduce``
   of a buffer of the same bytes, out of place (the plain call) and in place (the fastest bare
   call).  Interleaved runs, medians, throughput in GB/s and the ratio (target: >= 0.9x).
2. ``mpiexec -n 1`` and ``-n 2``: training steps of the same MLP (sigmoid, softmax cross
   entropy, SGD) with batch 100 per process on random data: examples per second, and the
   speed-up of two processes over one (one process is also run with two BLAS threads, the
   other way to use both cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI
from plugrad_mpi import (
    Communicator,
    MultiNodeOptimizer,
    create_communicator,
    create_multi_node_optimizer,
)

from plugrad import Parameter, Variable
from plugrad.functions import softmax_cross_entropy
from plugrad.models import MLP
from plugrad.optimizers import SGD
from plugrad.typing import Array

BATCH, IN, HIDDEN, OUT = 100, 784, 1000, 10
DTYPES = ("float32", "float64")


def build(comm: Communicator, dtype: str) -> tuple[MLP, Array, Array]:
    """The model with its weights in ``dtype``, and one batch of random data."""
    rng = np.random.default_rng(comm.rank)
    x = rng.random((BATCH, IN)).astype(dtype)
    t = rng.integers(0, OUT, BATCH)
    np.random.seed(0)
    model = MLP((HIDDEN, OUT))
    model(x)
    for param in model.params():
        param.data = param.data.astype(dtype)
    return model, x, t


def backward(model: MLP, x: Array, t: Array) -> None:
    loss = softmax_cross_entropy(model(x), t)
    model.cleargrads()
    loss.backward()


# -- part 1: the allreduce ----------------------------------------------------------------------


def bench_allreduce(comm: Communicator, repeat: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for dtype in DTYPES:
        model, x, t = build(comm, dtype)
        optimizer = create_multi_node_optimizer(SGD(), comm).setup(model)
        backward(model, x, t)
        optimizer.allreduce_grads()  # the first call broadcasts the parameters; not timed
        backward(model, x, t)
        params = list(model.params())
        grads = [param.grad for param in params]
        count = sum(param.data.size for param in params)
        send = np.random.default_rng(1).random(count).astype(dtype)
        receive = np.empty_like(send)
        in_place = np.zeros_like(send)  # zeros: summing it in place again and again stays finite

        def through_optimizer(
            params: list[Parameter] = params,
            grads: list[Variable | None] = grads,
            optimizer: MultiNodeOptimizer[SGD] = optimizer,
        ) -> None:
            for param, grad in zip(params, grads, strict=True):
                param.grad = grad  # last step's averages (views of the buffer) are dropped
            optimizer.allreduce_grads()

        def bare(send: Array = send, receive: Array = receive) -> None:
            comm.mpi_comm.Allreduce(send, receive, op=MPI.SUM)

        def bare_in_place(buffer: Array = in_place) -> None:
            comm.mpi_comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)

        times = interleaved(
            comm,
            {"optimizer": through_optimizer, "bare": bare, "bare_in_place": bare_in_place},
            repeat,
        )
        results[dtype] = {"bytes": float(send.nbytes), **times}
    return results


def interleaved(
    comm: Communicator, runs: dict[str, Callable[[], None]], repeat: int
) -> dict[str, float]:
    """Median and best seconds of each run (``name``, ``name:best``), the runs taking turns so
    that drift hits them alike.  On a busy machine the best is the steadier estimate."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            comm.barrier()
            start = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return medians | {f"{name}:best": min(values) for name, values in samples.items()}


# -- part 2: training throughput ----------------------------------------------------------------


def bench_training(comm: Communicator, steps: int) -> dict[str, float]:
    model, x, t = build(comm, "float32")
    optimizer = create_multi_node_optimizer(SGD(0.1), comm).setup(model)
    for _ in range(5):  # warm up, and the first update's broadcast
        backward(model, x, t)
        optimizer.update()
    comm.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        backward(model, x, t)
        optimizer.update()
    comm.barrier()
    seconds = time.perf_counter() - start
    return {"examples_per_second": comm.size * BATCH * steps / seconds}


# -- the driver ---------------------------------------------------------------------------------


def launch(processes: int, blas_threads: int, *args: str) -> dict[str, Any]:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    launcher = str(mpiexec) if mpiexec.exists() else shutil.which("mpiexec")
    if launcher is None:
        raise SystemExit("no mpiexec beside this Python or on PATH (pip install mpich)")
    threads = str(blas_threads)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
    command = [launcher, "-n", str(processes), sys.executable, __file__, *args]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=600
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report_allreduce(results: dict[str, Any]) -> None:
    print("1. gradient allreduce of the 784-1000-10 MLP, 2 processes:")
    for dtype, times in results.items():
        size = times["bytes"]
        for stat, suffix in (("median", ""), ("best", ":best")):
            optimizer, bare, in_place = (
                times[name + suffix] for name in ("optimizer", "bare", "bare_in_place")
            )
            print(
                f"   {dtype} ({size / 1e6:.2f} MB), {stat}: multi-node optimizer "
                f"{optimizer * 1e3:.3f} ms ({size / optimizer / 1e9:.2f} GB/s), bare Allreduce "
                f"{bare * 1e3:.3f} ms, bare in place {in_place * 1e3:.3f} ms; throughput "
                f"{bare / optimizer:.2f}x the bare Allreduce, {in_place / optimizer:.2f}x the "
                "in-place one (target >= 0.9x)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="allreduce repetitions")
    parser.add_argument("--steps", type=int, default=200, help="timed training steps")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--part", choices=("allreduce", "training"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeat, steps = (10, 10) if args.quick else (args.repeat, args.steps)

    if args.part is not None:  # a rank of a launched part: results as JSON on rank 0's stdout
        comm = create_communicator()
        result: object
        if args.part == "allreduce":
            result = bench_allreduce(comm, repeat)
        else:
            result = bench_training(comm, steps)
        if comm.rank == 0:
            print(json.dumps(result))
        return 0

    counts = ["--repeat", str(repeat), "--steps", str(steps)]
    allreduce = launch(2, 1, "--part", "allreduce", *counts)
    report_allreduce(allreduce)
    print(f"2. training throughput, 784-1000-10 MLP, float32, SGD, batch {BATCH} per process:")
    one = launch(1, 1, "--part", "training", *counts)
    one_two_threads = launch(1, 2, "--part", "training", *counts)
    two = launch(2, 1, "--part", "training", *counts)
    rates = {
        "1 process, 1 BLAS thread": one,
        "1 process, 2 BLAS threads": one_two_threads,
        "2 processes, 1 BLAS thread each": two,
    }
    base = float(one["examples_per_second"])
    for label, measured in rates.items():
        rate = float(measured["examples_per_second"])
        print(f"   {label}: {rate:,.0f} examples/s ({rate / base:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
