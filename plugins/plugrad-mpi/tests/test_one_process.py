"""What can be checked inside the pytest process, a job of one process: argument checks, the
shard arithmetic, the packing of gradients, and the one-process behaviour of every function."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import plugrad_mpi
import pytest
from plugrad_mpi import (
    CheckpointError,
    Communicator,
    broadcast_parameters,
    create_communicator,
    create_multi_node_optimizer,
    evaluate,
    global_mean,
    install_abort_hook,
    load_weights,
    save_weights,
    scatter_dataset,
    shard_indices,
)
from plugrad_mpi._packing import Layout

from plugrad import Parameter, Variable
from plugrad.dataloaders import DataLoader
from plugrad.datasets import Dataset
from plugrad.functions import accuracy, softmax_cross_entropy
from plugrad.layers import Linear
from plugrad.models import MLP
from plugrad.optimizers import SGD, Adam, WeightDecay


@pytest.fixture
def comm() -> Communicator:
    return create_communicator()


@pytest.fixture(autouse=True)
def _restore_global_generator() -> Iterator[None]:
    state = np.random.get_state()
    yield
    np.random.set_state(state)


# -- the communicator ---------------------------------------------------------------------------


def test_a_job_without_mpiexec_is_one_process(comm: Communicator) -> None:
    assert (comm.rank, comm.size) == (0, 1)
    assert repr(comm) == "Communicator(rank=0, size=1)"
    comm.barrier()


def test_collectives_of_one_process(comm: Communicator) -> None:
    x = np.arange(6.0).reshape(2, 3)[:, ::2]  # not contiguous
    total = comm.allreduce(x)
    assert np.array_equal(total, x)
    assert total is not x
    assert np.array_equal(comm.allreduce(np.arange(3), op="max"), np.arange(3))
    copy = comm.bcast(x)
    assert np.array_equal(copy, x)
    assert copy is not x
    assert type(comm.allreduce(3)) is int
    assert comm.allreduce(2.5, op="min") == 2.5
    assert comm.bcast(7) == 7
    assert comm.bcast_object({"a": 1}) == {"a": 1}
    assert comm.allgather_object("x") == ["x"]


def test_collectives_reject_what_mpi_cannot_do(comm: Communicator) -> None:
    with pytest.raises(ValueError, match=r"op must be one of \['max', 'min', 'sum'\], got 'mean'"):
        comm.allreduce(1.0, op="mean")  # type: ignore[call-overload]  # the run-time check
    with pytest.raises(TypeError, match="got dtype bool; convert it first"):
        comm.allreduce(np.array([True]))
    with pytest.raises(TypeError, match=r"takes a numpy\.ndarray, an int or a float, got str"):
        comm.allreduce("1")  # type: ignore[call-overload]  # the run-time check
    with pytest.raises(ValueError, match=r"root must be a rank in 0\.\.0, got 1"):
        comm.bcast(1.0, root=1)


def test_the_abort_hook_is_installed_once() -> None:
    before = sys.excepthook
    try:
        install_abort_hook()
        installed = sys.excepthook
        assert installed is not before
        install_abort_hook()
        assert sys.excepthook is installed
    finally:
        sys.excepthook = before


def test_one_process_installs_no_abort_hook() -> None:
    before = sys.excepthook
    create_communicator()
    assert sys.excepthook is before


# -- shards -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("length", [1, 2, 3, 10, 11, 12, 100])
def test_shard_indices_split_the_order(length: int, size: int) -> None:
    order = np.random.default_rng(length).permutation(length)
    exact = [shard_indices(order, size, rank, force_equal_length=False) for rank in range(size)]
    assert sorted(np.concatenate(exact).tolist()) == list(range(length))
    assert max(map(len, exact)) - min(map(len, exact)) <= 1
    equal = [shard_indices(order, size, rank, force_equal_length=True) for rank in range(size)]
    per_rank = -(-length // size)
    assert [len(shard) for shard in equal] == [per_rank] * size
    joined = np.concatenate(equal)
    assert set(joined.tolist()) == set(range(length))
    # Rank r holds positions r, r + size, ... of the order padded with its own first
    # examples (fewer than `size` of them; cycling again only when it is shorter than `size`).
    padded = np.resize(order, per_rank * size)
    assert np.array_equal(np.stack(equal, axis=1).ravel(), padded)


def test_shards_interleave_so_batches_line_up() -> None:
    # Batch k of every rank together is batch k of one process with `size` times the batch.
    order = np.arange(24)
    shards = [shard_indices(order, 3, rank, force_equal_length=True) for rank in range(3)]
    first_batches = np.concatenate([shard[:2] for shard in shards])
    assert sorted(first_batches.tolist()) == list(range(6))


class Points(Dataset):
    def prepare(self) -> None:
        self.data = np.arange(20.0).reshape(10, 2)
        self.label = np.arange(10) % 3


def test_scatter_dataset_of_one_process(comm: Communicator) -> None:
    dataset = Points()
    shard = scatter_dataset(dataset, comm)
    assert len(shard) == 10
    assert shard.has_plain_arrays()  # copied rows: the DataLoader slices batches
    assert np.array_equal(shard.data, dataset.data)
    shuffled = scatter_dataset(dataset, comm, shuffle=True, seed=3)
    again = scatter_dataset(dataset, comm, shuffle=True, seed=3)
    assert np.array_equal(shuffled.indices, again.indices)
    assert not np.array_equal(shuffled.indices, np.arange(10))
    x, t = shuffled[0]
    assert np.array_equal(x, dataset.data[shuffled.indices[0]])
    assert t == dataset.label[shuffled.indices[0]]
    batch_x, _ = next(iter(DataLoader(shuffled, 4, shuffle=False)))
    assert np.array_equal(batch_x, dataset.data[shuffled.indices[:4]])


def test_scatter_dataset_of_any_sized_dataset(comm: Communicator) -> None:
    pairs = [(np.full(2, i), i) for i in range(5)]
    shard = scatter_dataset(pairs, comm, shuffle=True)  # rank 0 picks the seed
    assert sorted(int(shard[i][1]) for i in range(len(shard))) == list(range(5))
    assert not shard.has_plain_arrays()
    x, t = next(iter(DataLoader(shard, 5, shuffle=False)))
    assert x.shape == (5, 2)
    assert sorted(t.tolist()) == list(range(5))


def test_scatter_dataset_keeps_transforms(comm: Communicator) -> None:
    dataset = Points()
    dataset.transform = lambda x: x * 10
    shard = scatter_dataset(dataset, comm)
    assert np.array_equal(shard[1][0], dataset.data[1] * 10)


class Doubled(Points):
    def __getitem__(self, index: int) -> tuple[Any, Any]:
        x, t = super().__getitem__(index)
        return 2 * x, t


def test_scatter_dataset_reads_a_dataset_that_makes_its_examples(comm: Communicator) -> None:
    shard = scatter_dataset(Doubled(), comm)
    assert not shard.has_plain_arrays()
    x, _ = next(iter(DataLoader(shard, 10, shuffle=False)))
    assert np.array_equal(x, 2 * Points().data)


def test_scatter_dataset_refuses_an_empty_set(comm: Communicator) -> None:
    with pytest.raises(ValueError, match="the data set is empty"):
        scatter_dataset([], comm)


# -- packing ------------------------------------------------------------------------------------


def _params(*arrays: np.ndarray) -> list[tuple[str, Parameter]]:
    return [(f"p{i}", Parameter(a)) for i, a in enumerate(arrays)]


def test_layout_buckets_by_dtype_in_model_order() -> None:
    named = _params(np.ones(2, np.float32), np.ones((2, 3)), np.ones(4, np.float32))
    layout = Layout(named, control=1)
    assert [b.dtype for b in layout.buckets] == [np.dtype(np.float32), np.dtype(np.float64)]
    assert [s.name for s in layout.buckets[0].slots] == ["p0", "p2"]
    # values, one count per parameter, then the control slot in the first bucket only
    assert layout.buckets[0].buffer.size == 2 + 4 + 2 + 1
    assert layout.buckets[1].buffer.size == 6 + 1
    assert layout.control.size == 1
    assert layout.matches(named)
    named[1][1].data = np.ones((3, 2))
    assert not layout.matches(named)
    assert not layout.matches(named[:2])


def test_layout_without_parameters_still_has_its_control_slot() -> None:
    layout = Layout([], control=1)
    assert [b.dtype for b in layout.buckets] == [np.dtype(np.float64)]
    assert layout.control.size == 1


def test_packing_gradients_scales_counts_and_hands_back_views() -> None:
    named = _params(np.zeros(3), np.zeros((2, 2)), np.zeros(1))
    (_, a), (_, b), (_, c) = named
    a.grad = Variable(np.array([2.0, 4.0, 6.0]))
    b.grad = Variable(np.ones((2, 2)))
    bucket = Layout(named).buckets[0]
    bucket.pack_grads(0.5)
    assert bucket.buffer.tolist() == [1.0, 2.0, 3.0, 0.5, 0.5, 0.5, 0.5, 0.0, 1.0, 1.0, 0.0]
    bucket.unpack_grads()
    assert c.grad is None
    assert a.grad is not None
    assert a.grad.data.tolist() == [1.0, 2.0, 3.0]
    assert b.grad is not None
    assert b.grad.shape == (2, 2)
    assert np.shares_memory(a.grad.data, bucket.buffer)


def test_a_gradient_still_held_is_never_overwritten() -> None:
    named = _params(np.zeros(2))
    (_, param) = named[0]
    bucket = Layout(named).buckets[0]
    param.grad = Variable(np.array([1.0, 2.0]))
    bucket.pack_grads(1.0)
    bucket.unpack_grads()
    assert param.grad is not None
    kept = param.grad.data  # a program keeps last step's gradient
    first_buffer = id(bucket.buffer)  # ids, not references: a reference would count as a holder
    param.grad = Variable(np.array([5.0, 5.0]))
    bucket.pack_grads(1.0)
    assert kept.tolist() == [1.0, 2.0]  # packing went to a fresh buffer
    assert id(bucket.buffer) != first_buffer
    del kept
    param.grad = None
    second_buffer = id(bucket.buffer)
    bucket.pack_grads(1.0)  # nothing holds a view now: the buffer is reused
    assert id(bucket.buffer) == second_buffer


def test_a_gradient_of_the_wrong_shape_is_named() -> None:
    named = _params(np.zeros(3))
    grad = Variable(np.zeros(3))
    named[0][1].grad = grad
    grad.data = np.zeros(1)  # a gradient's data replaced after assignment (grad= checks shapes)
    with pytest.raises(ValueError, match=r"gradient of parameter 'p0' has shape \(1,\)"):
        Layout(named).buckets[0].pack_grads(1.0)


def test_dtypes_mpi_cannot_reduce_are_refused() -> None:
    with pytest.raises(TypeError, match="parameter 'p0' has dtype float16"):
        Layout(_params(np.zeros(2, np.float16)))


def test_values_round_trip_and_report_changes() -> None:
    named = _params(np.arange(3.0))
    bucket = Layout(named).buckets[0]
    bucket.pack_values()
    assert bucket.unpack_values()  # same values: unchanged
    bucket.buffer[0] = 9.0
    assert not bucket.unpack_values()
    assert named[0][1].data.tolist() == [9.0, 1.0, 2.0]
    assert not np.shares_memory(named[0][1].data, bucket.buffer)


# -- the optimizer in a job of one process ------------------------------------------------------


def _train(optimizer_factory: bool, steps: int = 5) -> MLP:
    np.random.seed(0)
    x = np.random.rand(20, 4).astype(np.float32)
    t = np.arange(20) % 3
    model = MLP((8, 3))
    plain = Adam(0.05)
    plain.add_hook(WeightDecay(1e-2))
    comm = create_communicator()
    optimizer = create_multi_node_optimizer(plain, comm) if optimizer_factory else plain
    optimizer.setup(model)
    for _ in range(steps):
        loss = softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
    return model


def test_one_process_trains_as_the_plain_optimizer() -> None:
    wrapped, plain = _train(True), _train(False)
    for (name, p), (_, q) in zip(wrapped.named_params(), plain.named_params(), strict=True):
        assert np.array_equal(p.data, q.data), name


def test_the_wrapper_shares_hooks_and_setup(comm: Communicator) -> None:
    plain = SGD(lr=0.1)
    optimizer = create_multi_node_optimizer(plain, comm)
    assert optimizer.actual_optimizer is plain
    hook = WeightDecay(0.1)
    optimizer.add_hook(hook)
    assert plain.hooks == [hook]
    assert optimizer.hooks is plain.hooks
    model = MLP((2,))
    plain.setup(model)  # setup on the wrapped optimizer is seen by the wrapper
    model(np.ones((1, 2), np.float32))
    model.cleargrads()
    optimizer.update()  # no gradients: nothing changes, nothing fails
    assert optimizer.target is model


def test_update_before_setup_and_double_wrapping_are_errors(comm: Communicator) -> None:
    optimizer = create_multi_node_optimizer(SGD(), comm)
    with pytest.raises(RuntimeError, match=r"update\(\) before setup\(\)"):
        optimizer.update()
    with pytest.raises(TypeError, match="is a multi-node optimizer already"):
        create_multi_node_optimizer(optimizer, comm)


def test_broadcast_parameters_sizes_the_model_on_a_sample(comm: Communicator) -> None:
    model = MLP((5, 2))
    assert all(p.data is None for p in model.params() if p.name == "W")
    broadcast_parameters(model, comm, sample=np.ones((1, 3), np.float32))
    assert model.layers[0].W.shape == (3, 5)
    assert all(p.grad is None for p in model.params())  # ran under no_grad


# -- evaluation and checkpoints -----------------------------------------------------------------


def test_evaluate_matches_the_whole_set(comm: Communicator) -> None:
    np.random.seed(1)
    dataset = Points()
    model = MLP((4, 3))
    metrics = evaluate(model, dataset, comm, batch_size=3)
    y = model(dataset.data)
    assert metrics["loss"] == pytest.approx(float(softmax_cross_entropy(y, dataset.label).data))
    assert metrics["accuracy"] == pytest.approx(float(accuracy(y, dataset.label).data))


def test_global_mean_weights_and_checks(comm: Communicator) -> None:
    assert global_mean(comm, {"a": 2.0, "b": 0.5}, 4) == {"a": 2.0, "b": 0.5}
    with pytest.raises(ValueError, match="no rank has any example"):
        global_mean(comm, {"a": 1.0}, 0)
    with pytest.raises(ValueError, match="count must be >= 0, got -1"):
        global_mean(comm, {"a": 1.0}, -1)


def test_evaluate_names_a_metric_that_is_not_a_mean(comm: Communicator) -> None:
    model = MLP((3,))
    with pytest.raises(ValueError, match=r"metric 'raw' gave shape \(10, 3\)"):
        evaluate(model, Points(), comm, metrics={"raw": lambda y, t: y})


def test_checkpoint_round_trip(comm: Communicator, tmp_path: Path) -> None:
    model = Linear(3, in_size=2)
    save_weights(model, tmp_path / "w", comm)
    saved = model.W.data.copy()
    model.W.data = model.W.data + 1.0
    load_weights(model, tmp_path / "w.npz", comm)
    assert np.array_equal(model.W.data, saved)


def test_checkpoint_errors_are_raised_with_their_cause(comm: Communicator, tmp_path: Path) -> None:
    model = Linear(3, in_size=2)
    with pytest.raises(CheckpointError, match="rank 0 could not write") as saving:
        save_weights(model, tmp_path / "missing" / "w.npz", comm)
    assert isinstance(saving.value.__cause__, FileNotFoundError)
    with pytest.raises(CheckpointError, match="could not be loaded on every rank") as loading:
        load_weights(model, tmp_path / "none.npz", comm)
    assert isinstance(loading.value.__cause__, FileNotFoundError)


def test_the_public_surface_is_what_all_lists() -> None:
    assert sorted(plugrad_mpi.__all__) == sorted(
        name for name in vars(plugrad_mpi) if not name.startswith("_")
    )
