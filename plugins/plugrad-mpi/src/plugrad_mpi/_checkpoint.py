"""Weights files in a job of many processes: rank 0 writes, every rank reads.

Every rank holds the same parameters, so one file is enough and one writer avoids N processes
racing on one path.  Saving goes through plugrad's own ``save_weights`` (a temporary file, then
an atomic rename); the other ranks wait for rank 0's result, and if the write failed, every
rank raises, so no rank trains on believing a checkpoint exists.  Loading reads the file on
every rank (it must be reachable from every host: a shared file system, or a copy on each) and
raises on every rank if any rank failed.
"""

from __future__ import annotations

import os
from typing import Final

from plugrad.layers import Layer
from plugrad_mpi._communicator import Communicator

ROOT: Final = 0  # the rank that writes

PathLike = str | os.PathLike[str]


class CheckpointError(RuntimeError):
    """Saving or loading weights failed on some rank (raised on every rank)."""


def save_weights(model: Layer, path: PathLike, comm: Communicator) -> None:
    """Write ``model``'s parameters to ``path`` from rank 0 only; every rank returns once the
    file is complete (collective).  ``.npz`` is appended to a name without it."""
    failure: str | None = None
    cause: BaseException | None = None
    if comm.rank == ROOT:
        try:
            model.save_weights(path)
        except Exception as error:  # reported to every rank below, then raised everywhere
            failure, cause = f"{type(error).__name__}: {error}", error
    failure = comm.bcast_object(failure, root=ROOT)  # also the wait for rank 0's write
    if failure is not None:
        raise CheckpointError(
            f"save_weights: rank {ROOT} could not write {os.fspath(path)!r}: {failure}"
        ) from cause


def load_weights(model: Layer, path: PathLike, comm: Communicator) -> None:
    """Read ``path`` into ``model`` on every rank (collective); if any rank fails, every rank
    raises ``CheckpointError`` naming the ranks and their errors."""
    failure: str | None = None
    cause: BaseException | None = None
    try:
        model.load_weights(path)
    except Exception as error:  # reported to every rank below, then raised everywhere
        failure, cause = f"{type(error).__name__}: {error}", error
    failures = comm.allgather_object(failure)
    failed = [(rank, message) for rank, message in enumerate(failures) if message is not None]
    if failed:
        where = "; ".join(f"rank {rank}: {message}" for rank, message in failed)
        raise CheckpointError(
            f"load_weights: {os.fspath(path)!r} could not be loaded on every rank ({where}); "
            "every host must reach the file (a shared file system, or a copy on each)"
        ) from cause


__all__ = ["CheckpointError", "load_weights", "save_weights"]
