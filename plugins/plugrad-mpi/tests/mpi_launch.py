"""Launching ``mpiexec`` from the tests: where it is, and a run with a time limit."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKER = HERE / "mpi_worker.py"
EXAMPLE = HERE.parent / "examples" / "train_mlp.py"


def mpiexec() -> str:
    """The launcher beside this Python (the mpich wheel puts it in the environment's bin/),
    else the first ``mpiexec`` on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        raise RuntimeError(
            "no mpiexec beside this Python or on PATH; install MPI from the package index "
            "(pip install mpich) or put your MPI's mpiexec on PATH"
        )
    return found


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str  # stdout and stderr together, in order
    seconds: float


class HungError(AssertionError):
    """The command outlived its time limit (it and its children were killed)."""


def run(command: list[str], timeout: float) -> Run:
    """Run ``command`` with one BLAS thread per process (ranks share the cores).

    The command gets a process group of its own, so that on a timeout the launcher and every
    rank it started are killed together (a rank left behind would spin in MPI's busy wait).
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.perf_counter()
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            raise HungError(
                f"{' '.join(command)} still ran after {timeout} s; output so far:\n{output}"
            ) from None
    return Run(process.returncode, output, time.perf_counter() - start)


def run_mpi(processes: int, script: Path, *args: str, timeout: float = 120.0) -> Run:
    """``mpiexec -n processes python script args...``."""
    command = [mpiexec(), "-n", str(processes), sys.executable, str(script), *args]
    return run(command, timeout)


def run_python(script: Path, *args: str, timeout: float = 120.0) -> Run:
    """``python script args...``: a job started without mpiexec."""
    return run([sys.executable, str(script), *args], timeout)
