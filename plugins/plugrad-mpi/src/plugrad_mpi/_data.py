"""Sharding a data set over the ranks: ``scatter_dataset`` and the ``SubDataset`` it returns.

Every process builds the same data set (the same examples in the same order: a data set of the
book is generated or read the same way everywhere) and keeps only its own examples; no example
travels over MPI.  The ranks agree on the length and on the shuffle's seed, so they agree on
the order.

Shard ``r`` holds positions ``r, r + size, r + 2 size, ...`` of the (shuffled) order.  Striding,
rather than cutting the order into blocks, makes batch k of every rank together exactly batch k
of one process reading the whole order with ``size`` times the batch size: the property the
equality of N-process and one-process training rests on.
"""

from __future__ import annotations

import math
import secrets
from typing import Any, TypeGuard, cast, final

import numpy as np

from plugrad.dataloaders import SizedDataset
from plugrad.datasets import Dataset
from plugrad.typing import Array
from plugrad_mpi._communicator import CollectiveMismatchError, Communicator


@final
class SubDataset(Dataset):
    """The examples of ``base`` at ``indices``, in that order (one rank's shard).

    For a plugrad ``Dataset`` whose ``data`` (and ``label``) are ndarrays and whose examples are
    their rows, the shard's rows are copied out (the transforms kept), so a ``DataLoader``
    slices its batches as fast as from the full set; other data sets are read through
    ``base[index]`` example by example.
    """

    base: SizedDataset
    indices: Array

    def __init__(self, base: SizedDataset, indices: Array) -> None:
        self.base = base
        self.indices = np.asarray(indices, dtype=np.int64)
        self._copied = _has_array_data(base)
        dataset = _as_dataset(base)
        if dataset is not None:
            super().__init__(dataset.train, dataset.transform, dataset.target_transform)
        else:
            super().__init__()

    def prepare(self) -> None:
        base = self.base
        if self._copied and isinstance(base, Dataset):
            self.data = base.data[self.indices]
            self.label = None if base.label is None else base.label[self.indices]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if self._copied:
            return super().__getitem__(index)
        return self.base[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


def _has_array_data(base: SizedDataset) -> bool:
    # Rows can be copied out only where examples are plain rows: a data set that overrides
    # __getitem__ (generating or augmenting examples) is read through it.
    dataset = _as_dataset(base)
    return (
        dataset is not None
        and type(dataset).__getitem__ is Dataset.__getitem__
        and _is_array(dataset.data)
        and (dataset.label is None or _is_array(dataset.label))
        and len(dataset.data) == len(dataset)
    )


def _as_dataset(base: SizedDataset) -> Dataset[object, object] | None:
    """``base`` if it is a plugrad ``Dataset`` (whose examples are of types unknown here)."""
    # isinstance alone leaves the type arguments unknown to pyright; the cast states them.
    return cast("Dataset[object, object]", base) if isinstance(base, Dataset) else None


def _is_array(value: object) -> TypeGuard[Array]:
    return isinstance(value, np.ndarray)


def shard_indices(order: Array, size: int, rank: int, force_equal_length: bool) -> Array:
    """Rank ``rank``'s positions of ``order``: every ``size``-th one, starting at ``rank``.

    With ``force_equal_length`` the order is first extended by its own first examples to a
    multiple of ``size``, so every shard has ``ceil(len / size)`` examples and a few examples
    (fewer than ``size``) appear twice; without it, shards differ in length by at most one and
    partition the data exactly (what evaluation needs).
    """
    if force_equal_length:
        order = np.resize(order, math.ceil(len(order) / size) * size)  # repeats from the start
    return order[rank::size]


def scatter_dataset(
    dataset: SizedDataset,
    comm: Communicator,
    shuffle: bool = False,
    seed: int | None = None,
    *,
    force_equal_length: bool = True,
) -> SubDataset:
    """This rank's shard of ``dataset`` (collective: every rank calls it with the same set).

    With ``shuffle``, the whole set is permuted first, the same way on every rank: by ``seed``,
    or by a seed rank 0 draws and sends to the others.  The shards together hold every example.
    ``force_equal_length`` (the default, for training) gives every rank the same number of
    examples, repeating fewer than ``comm.size`` of them; pass False to split the set exactly
    (shard lengths then differ by at most one), as ``evaluate`` wants.
    """
    length = len(dataset)
    lengths = comm.allgather_object(length)
    if any(other != length for other in lengths):
        raise CollectiveMismatchError(
            "scatter_dataset: the ranks' data sets differ in length ("
            + ", ".join(f"rank {rank}: {n}" for rank, n in enumerate(lengths))
            + "); every rank must build the same data set"
        )
    if length == 0:
        raise ValueError("scatter_dataset: the data set is empty; there is nothing to shard")
    order = np.arange(length)
    if shuffle:
        order = np.random.default_rng(_agreed_seed(comm, seed)).permutation(length)
    return SubDataset(dataset, shard_indices(order, comm.size, comm.rank, force_equal_length))


def _agreed_seed(comm: Communicator, seed: int | None) -> int:
    seeds = comm.allgather_object(seed)
    if any(other != seeds[0] for other in seeds):
        raise CollectiveMismatchError(
            "scatter_dataset: the ranks passed different seeds ("
            + ", ".join(f"rank {rank}: {s}" for rank, s in enumerate(seeds))
            + "); pass the same seed everywhere, or None on every rank to let rank 0 pick one"
        )
    if seed is not None:
        return seed
    return comm.bcast_object(secrets.randbits(64) if comm.rank == 0 else 0, root=0)


__all__ = ["SubDataset", "scatter_dataset", "shard_indices"]
