"""Metrics over every rank's shard: means weighted by how many examples each rank holds.

The mean of the ranks' means is wrong when shards differ in length (an exact split of 355 test
images over 2 ranks is 178 + 177); the right global mean is the sum of every rank's
``count * mean`` over the sum of the counts, which one allreduce of ``[count, count * m1, ...]``
gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from plugrad import Variable, no_grad, test_mode
from plugrad.dataloaders import DataLoader, SizedDataset
from plugrad.functions import accuracy, softmax_cross_entropy
from plugrad.typing import Array
from plugrad_mpi._communicator import Communicator

Metric = Callable[[Variable, Array], Variable]
Model = Callable[[Array], Variable]

DEFAULT_METRICS: Mapping[str, Metric] = {"loss": softmax_cross_entropy, "accuracy": accuracy}


def global_mean(comm: Communicator, values: Mapping[str, float], count: int) -> dict[str, float]:
    """Each of ``values`` (this rank's means over its ``count`` examples) averaged over every
    rank's examples (collective; every rank passes the same names)."""
    names = list(values)
    agreed = comm.allgather_object(names)
    if any(other != names for other in agreed):
        raise ValueError(
            "global_mean: the ranks passed different metric names ("
            + ", ".join(f"rank {rank}: {other}" for rank, other in enumerate(agreed))
            + "); pass the same names everywhere"
        )
    if count < 0:
        raise ValueError(f"global_mean: count must be >= 0, got {count}")
    local = np.array([count, *(count * float(values[name]) for name in names)], dtype=np.float64)
    total = comm.allreduce(local)
    if total[0] == 0:
        raise ValueError("global_mean: no rank has any example (every count is 0)")
    return {name: float(total[i + 1] / total[0]) for i, name in enumerate(names)}


def evaluate(
    model: Model,
    dataset: SizedDataset,
    comm: Communicator,
    *,
    batch_size: int = 100,
    metrics: Mapping[str, Metric] = DEFAULT_METRICS,
) -> dict[str, float]:
    """``metrics`` of ``model`` over the union of every rank's ``dataset`` shard (collective).

    Each metric takes the model's output and the labels and gives a mean over the batch (as
    ``softmax_cross_entropy`` and ``accuracy``, the defaults, do).  Runs under ``no_grad()``
    and ``test_mode()``.  Split the evaluation set with
    ``scatter_dataset(test_set, comm, force_equal_length=False)``, so no example counts twice.
    """
    sums = dict.fromkeys(metrics, 0.0)
    count = 0
    with no_grad(), test_mode():
        for x, t in DataLoader(dataset, batch_size, shuffle=False):
            y = model(x)
            for name, metric in metrics.items():
                sums[name] += len(t) * _scalar(metric(y, t), name)
            count += len(t)
    means = {name: total / count if count else 0.0 for name, total in sums.items()}
    return global_mean(comm, means, count)


def _scalar(value: Any, name: str) -> float:
    data = value.data if isinstance(value, Variable) else np.asarray(value)
    if data.size != 1:
        raise ValueError(
            f"evaluate: metric {name!r} gave shape {data.shape}; a metric gives one number, "
            "the mean over the batch"
        )
    return float(data.reshape(()))


__all__ = ["DEFAULT_METRICS", "Metric", "evaluate", "global_mean"]
