"""DeZero's ``dezero.dataloaders``: iterate over a dataset in mini-batches.

``for x, t in DataLoader(train_set, batch_size=30):`` gives stacked ndarrays; one pass is one
epoch, after which the loader reshuffles and can be iterated again.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from plugrad.datasets import Dataset
from plugrad.typing import Array


class SizedDataset(Protocol):
    """What a loader reads: ``dataset[i]`` is ``(x, t)`` and ``len(dataset)`` the count.

    Every ``Dataset`` is one; so is any class with these two methods.  A batch stacks the
    examples with ``numpy.array``, so they are arrays or numbers of one shape.
    """

    def __getitem__(self, index: int, /) -> tuple[object, object]: ...

    def __len__(self) -> int: ...


class DataLoader:
    """Mini-batches of ``batch_size`` examples, reshuffled each epoch when ``shuffle``.

    The order comes from NumPy's global generator (``np.random.seed`` fixes it, as in DeZero)
    unless a ``numpy.random.Generator`` is passed as ``rng``.
    """

    def __init__(
        self,
        dataset: SizedDataset,
        batch_size: int,
        shuffle: bool = True,
        gpu: bool = False,
        *,
        rng: np.random.Generator | None = None,
    ) -> None:
        size: object = batch_size  # checked at run time
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(
                f"{type(self).__name__}: batch_size must be a positive int, got {batch_size!r}"
            )
        if gpu:
            raise RuntimeError("plugrad runs on NumPy only; DataLoader(gpu=True) is not supported")
        given: object = dataset  # checked at run time: an array or a number is a common mistake
        if not (hasattr(given, "__getitem__") and hasattr(given, "__len__")):
            raise TypeError(
                f"{type(self).__name__} takes a data set (dataset[i] and len(dataset)), got "
                f"{type(given).__name__}; wrap arrays in a Dataset"
            )
        self.dataset: SizedDataset = dataset
        self.batch_size: int = batch_size
        self.shuffle: bool = shuffle
        self.rng: np.random.Generator | None = rng
        self.data_size: int = len(dataset)
        self.max_iter: int = math.ceil(self.data_size / batch_size)
        self.gpu: bool = gpu
        self.iteration: int = 0
        self.index: Array = np.arange(self.data_size)
        self.reset()

    def reset(self) -> None:
        """Start a new epoch (with a new order when shuffling)."""
        self.iteration = 0
        if not self.shuffle:
            self.index = np.arange(self.data_size)
        elif self.rng is not None:
            self.index = self.rng.permutation(self.data_size)
        else:
            self.index = np.random.permutation(self.data_size)

    def __iter__(self) -> DataLoader:
        return self

    def __next__(self) -> tuple[Array, Array]:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        start = self.iteration * self.batch_size
        batch_index = self.index[start : start + self.batch_size]
        self.iteration += 1
        return _gather(self.dataset, batch_index)

    def next(self) -> tuple[Array, Array]:
        """DeZero's name for ``next(loader)``."""
        return self.__next__()

    def to_cpu(self) -> None:
        """Kept for DeZero compatibility: batches are NumPy arrays already."""

    def to_gpu(self) -> None:
        raise RuntimeError("plugrad runs on NumPy only; there is no GPU backend (to_gpu)")


class SeqDataLoader(DataLoader):
    """Batches for sequence models: ``batch_size`` cursors spaced evenly through the data, all
    advancing by one example per batch (so each row of a batch continues the previous one)."""

    iteration: int

    def __init__(self, dataset: SizedDataset, batch_size: int, gpu: bool = False) -> None:
        super().__init__(dataset=dataset, batch_size=batch_size, shuffle=False, gpu=gpu)
        if batch_size > self.data_size:  # every cursor would start at 0: identical rows
            raise ValueError(
                f"SeqDataLoader: batch_size {batch_size} is more than the data set's "
                f"{self.data_size} examples; each row of a batch needs its own stretch of data"
            )

    def __next__(self) -> tuple[Array, Array]:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        jump = self.data_size // self.batch_size
        batch_index = np.array(
            [(i * jump + self.iteration) % self.data_size for i in range(self.batch_size)]
        )
        self.iteration += 1
        return _gather(self.dataset, batch_index)


def _gather(dataset: SizedDataset, batch_index: Array) -> tuple[Array, Array]:
    arrays = _plain_arrays(dataset)
    if arrays is None:
        return _stack([dataset[int(i)] for i in batch_index])
    # No transforms to run: one fancy index instead of a Python loop over examples.
    data, label = arrays
    x: Array = data[batch_index]
    t: Array = label[batch_index] if label is not None else _nones(len(batch_index))
    return x, t


def _plain_arrays(dataset: SizedDataset) -> tuple[Array, Array | None] | None:
    """``data`` and ``label`` of a ``Dataset`` whose examples are their rows, as they are."""
    if isinstance(dataset, Dataset) and dataset.has_plain_arrays():
        data: Array = dataset.data
        label: Array | None = dataset.label
        return data, label
    return None


def _stack(batch: list[tuple[object, object]]) -> tuple[Array, Array]:
    x = np.array([example[0] for example in batch])
    t = np.array([example[1] for example in batch])
    return x, t


def _nones(count: int) -> Array:
    return np.array([None] * count)


__all__ = ["DataLoader", "SeqDataLoader", "SizedDataset"]
