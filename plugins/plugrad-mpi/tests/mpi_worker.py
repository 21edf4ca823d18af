"""The programs the tests run under ``mpiexec`` (and, for one-process references, in-process).

    mpiexec -n 3 python mpi_worker.py all OUT_DIR      # every scenario; results under OUT_DIR
    mpiexec -n 2 python mpi_worker.py fail OUT_DIR     # rank 1 raises in the middle of training

Each rank writes what it saw to ``OUT_DIR`` (``<case>_rank<r>.npz`` and ``.json``); the tests
compare the files.  The training cases also run in the pytest process with a one-process
communicator: that run is the reference the N-process runs must match.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI
from plugrad_mpi import (
    CheckpointError,
    CollectiveMismatchError,
    Communicator,
    ParameterMismatchError,
    broadcast_parameters,
    create_communicator,
    create_multi_node_optimizer,
    evaluate,
    load_weights,
    save_weights,
    scatter_dataset,
)

from plugrad import Parameter, Variable
from plugrad.dataloaders import DataLoader
from plugrad.datasets import Dataset, get_spiral
from plugrad.functions import sigmoid, softmax_cross_entropy
from plugrad.layers import Linear
from plugrad.models import Model, Sequential
from plugrad.optimizers import SGD, Adam, ClipGrad, MomentumSGD, Optimizer, WeightDecay

# numpy's stub reads the first keyword as ``allow_pickle``; every name here is an array.
_savez: Callable[..., None] = np.savez

SEED = 7  # rank r seeds NumPy's generator with SEED + r: only a broadcast makes models equal
DATA_SEED = 11
PER_RANK_BATCH = 10
EPOCHS = 2
EVAL_SIZE = 299  # not a multiple of 2 or 3: shards of unequal length


def _momentum_with_hooks() -> Optimizer:
    optimizer = MomentumSGD(lr=0.2)
    optimizer.add_hook(WeightDecay(1e-3))
    optimizer.add_hook(ClipGrad(1.0))
    return optimizer


OPTIMIZERS: dict[str, Callable[[], Optimizer]] = {
    "sgd": lambda: SGD(lr=0.5),
    "adam": lambda: Adam(alpha=0.02),
    "momentum+hooks": _momentum_with_hooks,
}
DTYPES = ("float32", "float64")


class SpiralAs(Dataset):
    """DeZero's spiral, in ``dtype``."""

    def __init__(self, dtype: str, train: bool = True) -> None:
        self.dtype = np.dtype(dtype)
        super().__init__(train)

    def prepare(self) -> None:
        x, t = get_spiral(self.train)
        self.data, self.label = x.astype(self.dtype), t


def build_model(dtype: str) -> Model:
    """A 2-10-3 MLP whose first layer sizes itself at its first forward, as in DeZero."""
    return Sequential(Linear(10, dtype=dtype), sigmoid, Linear(3, dtype=dtype))


def train(
    comm: Communicator,
    optimizer_name: str,
    dtype: str,
    batch_size: int,
    *,
    sync: str = "broadcast",
    skip_first_update: bool = False,
) -> tuple[Model, Optimizer]:
    """Train on this rank's shard of the spiral, ``EPOCHS`` epochs, batches in shard order.

    ``sync``: "broadcast" (broadcast_parameters on a sample, then the multi-node optimizer),
    "first-update" (only the multi-node optimizer: its first update re-synchronises), or
    "local" (broadcast, then the plain optimizer: no averaging, the tests' control).
    """
    dataset = SpiralAs(dtype)
    shard = scatter_dataset(dataset, comm, shuffle=True, seed=DATA_SEED)
    np.random.seed(SEED + comm.rank)  # after the data set: DeZero's spiral seeds it too
    model = build_model(dtype)
    if sync in ("broadcast", "local"):
        broadcast_parameters(model, comm, sample=dataset.data[:1])
    plain = OPTIMIZERS[optimizer_name]()
    optimizer = plain if sync == "local" else create_multi_node_optimizer(plain, comm)
    optimizer.setup(model)
    step = 0
    for _ in range(EPOCHS):
        for x, t in DataLoader(shard, batch_size, shuffle=False):
            loss = softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            if not (skip_first_update and step == 0):
                optimizer.update()
            step += 1
    return model, optimizer


def params_of(model: Model) -> dict[str, np.ndarray[Any, Any]]:
    return {name: param.data.copy() for name, param in model.named_params()}


# -- the scenarios ------------------------------------------------------------------------------


def run_training(comm: Communicator, out: Path) -> None:
    for name in OPTIMIZERS:
        for dtype in DTYPES:
            model, _ = train(comm, name, dtype, PER_RANK_BATCH)
            _save(out, f"train-{name}-{dtype}", comm, params_of(model))
    model, _ = train(comm, "sgd", "float64", PER_RANK_BATCH, sync="local")
    _save(out, "local-sgd-float64", comm, params_of(model))
    model, optimizer = train(comm, "sgd", "float64", PER_RANK_BATCH, sync="first-update")
    skipped = getattr(optimizer, "skipped_updates", None)
    _save(out, "first-update-sgd-float64", comm, params_of(model), {"skipped": skipped})


def run_partial_grads(comm: Communicator, out: Path) -> None:
    """Gradients present on some ranks only, absent everywhere, and a parameter added late."""
    a, b, c = (Parameter(np.full(3, 1.0), name=n) for n in "abc")
    target = _ParamList([a, b, c])
    optimizer = create_multi_node_optimizer(SGD(lr=1.0), comm).setup(target)
    if comm.rank == 0:
        a.grad = Variable(np.array([1.0, 2.0, 3.0]))
    b.grad = Variable(np.full(3, float(comm.rank + 1)))
    optimizer.update()
    seen: dict[str, Any] = {"c_grad_is_none": c.grad is None}
    late = Parameter(np.full(2, float(comm.rank)), name="late")  # differs between ranks
    target.params_list.append(late)
    late.grad = Variable(np.ones(2))
    optimizer.update()  # re-synchronises the new parameter and drops this step
    seen["skipped"] = optimizer.skipped_updates
    seen["late_grad_is_none"] = late.grad is None
    _save(out, "partial", comm, {"a": a.data, "b": b.data, "c": c.data, "late": late.data}, seen)


class _ParamList:
    def __init__(self, params: list[Parameter]) -> None:
        self.params_list = params

    def params(self) -> list[Parameter]:
        return list(self.params_list)


def run_mismatch(comm: Communicator, out: Path) -> None:
    """Models of different sizes, and collectives called with different shapes or kinds."""
    errors: dict[str, str] = {}
    model = Sequential(Linear(4 + comm.rank, in_size=2))
    try:
        broadcast_parameters(model, comm)
    except ParameterMismatchError as error:
        errors["parameters"] = str(error)
    try:
        comm.allreduce(np.zeros(2 + comm.rank))
    except CollectiveMismatchError as error:
        errors["array"] = str(error)
    value: int | float = 1.0 if comm.rank == 0 else 1
    try:
        comm.allreduce(value)
    except CollectiveMismatchError as error:
        errors["scalar"] = str(error)
    _save(out, "mismatch", comm, {}, errors)


def run_collectives(comm: Communicator, out: Path) -> None:
    root = comm.size - 1
    mine = np.arange(4.0) * (comm.rank + 1)
    seen = {
        "sum": comm.allreduce(mine).tolist(),
        "max": comm.allreduce(mine, op="max").tolist(),
        "min_int": comm.allreduce(comm.rank, op="min"),
        "sum_float": comm.allreduce(0.5 * comm.rank),
        "bcast_array": comm.bcast(np.full(2, float(comm.rank)), root=root).tolist(),
        "bcast_int": comm.bcast(comm.rank * 10, root=root),
        "bcast_float": comm.bcast(comm.rank + 0.25, root=root),
        "input_unchanged": mine.tolist() == (np.arange(4.0) * (comm.rank + 1)).tolist(),
    }
    _save(out, "collectives", comm, {}, seen)


def run_shards(comm: Communicator, out: Path) -> None:
    cases: dict[str, list[int]] = {}
    for length in (2, 10, 11, 300):
        pairs = [(i, i) for i in range(length)]
        for order, shuffle in (("ordered", False), ("shuffled", True)):
            for split, equal in (("equal", True), ("exact", False)):
                shard = scatter_dataset(pairs, comm, shuffle=shuffle, force_equal_length=equal)
                cases[f"{length}-{order}-{split}"] = shard.indices.tolist()
    _save(out, "shards", comm, {}, cases)


def run_evaluation(comm: Communicator, out: Path) -> None:
    model, _ = train(comm, "sgd", "float64", PER_RANK_BATCH)
    test_set = FirstExamples(SpiralAs("float64", train=False))
    shard = scatter_dataset(test_set, comm, force_equal_length=False)
    metrics = evaluate(model, shard, comm, batch_size=7)
    alone = create_communicator(MPI.COMM_SELF)  # this rank's shard only, for the tests' control
    local = evaluate(model, shard, alone, batch_size=7)
    _save(out, "evaluation", comm, {}, {"global": metrics, "local": local, "count": len(shard)})


class FirstExamples(Dataset):
    """The first ``EVAL_SIZE`` examples of ``base``."""

    def __init__(self, base: Dataset) -> None:
        self.base = base
        super().__init__()

    def prepare(self) -> None:
        self.data, self.label = self.base.data[:EVAL_SIZE], self.base.label[:EVAL_SIZE]


def run_checkpoint(comm: Communicator, out: Path) -> None:
    model, _ = train(comm, "sgd", "float64", PER_RANK_BATCH)
    saved = params_of(model)
    path = out / "checkpoint.npz"
    save_weights(model, path, comm)
    seen: dict[str, Any] = {"exists_after_save": path.exists()}
    for param in model.params():
        param.data = param.data + 1.0
    load_weights(model, path, comm)
    seen["restored"] = all(np.array_equal(saved[n], p.data) for n, p in model.named_params())
    try:
        save_weights(model, out / "missing-folder" / "w.npz", comm)
    except CheckpointError as error:
        seen["save_error"] = str(error)
    try:
        load_weights(model, out / "no-such-file.npz", comm)
    except CheckpointError as error:
        seen["load_error"] = str(error)
    _save(out, "checkpoint", comm, {}, seen)


def run_failure(comm: Communicator, out: Path) -> None:
    """Rank 1 raises at its third step while the others go on into the gradient allreduce."""
    dataset = SpiralAs("float64")
    shard = scatter_dataset(dataset, comm)
    np.random.seed(SEED)
    model = build_model("float64")
    broadcast_parameters(model, comm, sample=dataset.data[:1])
    optimizer = create_multi_node_optimizer(SGD(), comm).setup(model)
    for step, (x, t) in enumerate(DataLoader(shard, PER_RANK_BATCH, shuffle=False)):
        if step == 2 and comm.rank == 1:
            raise RuntimeError("rank 1 failed on purpose at step 2")
        loss = softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
    (out / "finished").write_text("the job was not ended")


def _save(
    out: Path,
    case: str,
    comm: Communicator,
    arrays: dict[str, np.ndarray[Any, Any]],
    info: dict[str, Any] | None = None,
) -> None:
    _savez(out / f"{case}_rank{comm.rank}.npz", **arrays)
    (out / f"{case}_rank{comm.rank}.json").write_text(json.dumps(info or {}))


SCENARIOS: dict[str, Callable[[Communicator, Path], None]] = {
    "training": run_training,
    "partial": run_partial_grads,
    "mismatch": run_mismatch,
    "collectives": run_collectives,
    "shards": run_shards,
    "evaluation": run_evaluation,
    "checkpoint": run_checkpoint,
}


def main(argv: list[str]) -> int:
    scenario, out = argv[0], Path(argv[1])
    comm = create_communicator()
    if scenario == "fail":
        run_failure(comm, out)
    else:
        for name, run in SCENARIOS.items():
            if scenario in ("all", name):
                run(comm, out)
    (out / f"done_rank{comm.rank}").write_text("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
