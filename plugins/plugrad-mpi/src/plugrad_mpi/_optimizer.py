"""The multi-node optimizer: every rank's gradients averaged, then the wrapped update.

Each rank computes gradients on its own shard of the batch; before the update, one allreduce
per dtype sums them over the ranks (each rank packs ``grad / size``, so the sum is the mean).
With a loss that is a mean over equal per-rank batches, that mean is the gradient of the loss
over the whole global batch, so N processes with batch B take the steps one process takes
with batch N*B.

Every rank must start from the same parameters.  Layers that size themselves at their first
forward (``Linear`` without ``in_size``) create random weights then, on every rank its own;
two ways bring them together:

- ``broadcast_parameters(model, comm, sample)`` before training runs the model once on a sample
  batch (under ``no_grad`` and ``test_mode``), then copies rank 0's parameters to every rank;
- or nothing: the first ``update()`` (and any update after a layer created new parameters)
  copies rank 0's parameters to every rank.  If each rank already held those values the step
  goes on; otherwise its gradients were taken at different points on different ranks, so that
  one step is dropped (``skipped_updates`` counts it), as ChainerMN drops its first update.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Generic, Self, TypeVar

from mpi4py import MPI

from plugrad import Parameter, no_grad, test_mode
from plugrad.layers import Layer
from plugrad.optimizers import HasParams, Hook, Optimizer
from plugrad.typing import Operand
from plugrad_mpi._communicator import Communicator
from plugrad_mpi._packing import Layout, Signature, initialized, named_parameters, signature

OptimizerT = TypeVar("OptimizerT", bound=Optimizer)
NamedParams = Sequence[tuple[str, Parameter]]

ROOT: Final = 0  # the rank whose parameters every rank starts from


class ParameterMismatchError(ValueError):
    """The ranks' models have different parameters (raised on every rank)."""


def broadcast_parameters(model: Layer, comm: Communicator, sample: Operand | None = None) -> None:
    """Give every rank rank 0's parameter values.

    With ``sample`` (a batch, or one example with its batch axis), the model first runs on it
    under ``no_grad()`` and ``test_mode()``, so that layers that create their weights at their
    first forward do so now.  Collective: every rank calls it.
    """
    if sample is not None:
        with no_grad(), test_mode():
            model(sample)
    _synchronize(comm, initialized(named_parameters(model)))


def _synchronize(comm: Communicator, named: NamedParams) -> tuple[Layout, bool]:
    """Copy rank 0's values of ``named`` to every rank; the new layout, and whether every rank
    held those values already."""
    _agree_on_parameters(comm, named)
    layout = Layout(named, control=1)
    unchanged = True
    for bucket in layout.buckets:
        if comm.rank == ROOT:
            bucket.pack_values()
        comm.mpi_comm.Bcast(bucket.buffer, root=ROOT)
        if comm.rank != ROOT:
            unchanged = bucket.unpack_values() and unchanged
    return layout, comm.allreduce(int(unchanged), op="min") == 1


def _agree_on_parameters(comm: Communicator, named: NamedParams) -> None:
    everyone = comm.allgather_object(signature(named))
    for rank, theirs in enumerate(everyone):
        if theirs != everyone[ROOT]:
            raise ParameterMismatchError(
                "plugrad-mpi: the ranks' models have different parameters (name, shape, "
                f"dtype): {_first_difference(everyone[ROOT], theirs, rank)}.  Every rank must "
                "build the same model, and layers that size themselves must first run on the "
                "same step everywhere (broadcast_parameters(model, comm, sample) sizes them "
                "before training)"
            )


def _first_difference(root: Signature, theirs: Signature, rank: int) -> str:
    for mine, other in zip(root, theirs, strict=False):
        if mine != other:
            return f"{mine} on rank {ROOT}, {other} on rank {rank}"
    return f"{len(root)} parameters on rank {ROOT}, {len(theirs)} on rank {rank}"


class MultiNodeOptimizer(Optimizer, Generic[OptimizerT]):
    """Wraps ``actual_optimizer``: ``update()`` averages the gradients over every rank, then
    runs the wrapped update (its hooks included) on the averages.

    A parameter that has a gradient on some ranks but not on others gets the average with
    zeros from the others, on every rank; one with no gradient anywhere keeps ``None`` on
    every rank.  After ``update()`` each gradient is the averaged one.  Build it with
    ``create_multi_node_optimizer``.
    """

    actual_optimizer: OptimizerT
    comm: Communicator
    skipped_updates: int  # steps dropped because the ranks' parameters had to be re-synchronised

    def __init__(self, actual_optimizer: OptimizerT, comm: Communicator) -> None:
        super().__init__()
        if isinstance(actual_optimizer, MultiNodeOptimizer):
            raise TypeError(
                "create_multi_node_optimizer: the optimizer is a multi-node optimizer already; "
                "wrap the plain one once"
            )
        self.actual_optimizer = actual_optimizer
        self.comm = comm
        self.target = actual_optimizer.target
        # One list: a hook added to either object runs once, inside the wrapped update.
        self.hooks = actual_optimizer.hooks
        self.skipped_updates = 0
        self._layout: Layout | None = None  # None: no parameters broadcast yet
        self._scale = 1.0 / comm.size

    def setup(self, target: HasParams) -> Self:
        self.actual_optimizer.setup(target)
        self.target = target
        self._layout = None
        return self

    def add_hook(self, f: Hook) -> None:
        self.actual_optimizer.add_hook(f)

    def update(self) -> None:
        """Average the gradients over every rank, then update (collective)."""
        if self.allreduce_grads():
            self.actual_optimizer.update()

    def allreduce_grads(self) -> bool:
        """Replace every gradient by its mean over the ranks (collective).

        False when this step's gradients were dropped instead: the ranks' parameters differed
        and have just been made equal (see the module's notes).
        """
        target = self._target()
        if self.comm.size == 1:
            return True  # the mean over one process is its own gradient
        named = initialized(named_parameters(target))
        layout = self._layout
        if layout is None:  # the same on every rank: none has broadcast anything yet
            return self._synchronize_then_reduce(named)
        if self._reduce(layout, wants_sync=not layout.matches(named)) > 0:
            return self._synchronize_then_reduce(named)  # some rank has new parameters
        for bucket in layout.buckets:
            bucket.unpack_grads()
        return True

    def _reduce(self, layout: Layout, wants_sync: bool) -> float:
        """One allreduce per bucket; the number of ranks that asked for a re-synchronisation."""
        for bucket in layout.buckets:
            if wants_sync:  # this rank's parameters no longer fit the layout: send zeros
                bucket.clear()
            else:
                bucket.pack_grads(self._scale)
        layout.control[0] = 1.0 if wants_sync else 0.0
        for bucket in layout.buckets:
            self.comm.mpi_comm.Allreduce(MPI.IN_PLACE, bucket.buffer, op=MPI.SUM)
        return float(layout.control[0])

    def _synchronize_then_reduce(self, named: NamedParams) -> bool:
        layout, unchanged = _synchronize(self.comm, named)
        self._layout = layout
        if not unchanged:
            self.skipped_updates += 1
            for _, param in named:
                param.cleargrad()
            return False
        self._reduce(layout, wants_sync=False)
        for bucket in layout.buckets:
            bucket.unpack_grads()
        return True

    def _target(self) -> HasParams:
        target = self.actual_optimizer.target  # setup() may have been called on either object
        if target is None:
            raise RuntimeError(
                "multi-node optimizer: update() before setup(); call optimizer.setup(model)"
            )
        self.target = target
        return target


def create_multi_node_optimizer(
    optimizer: OptimizerT, comm: Communicator
) -> MultiNodeOptimizer[OptimizerT]:
    """Wrap any plugrad optimizer so that ``update()`` averages gradients over ``comm`` first.

    ``optimizer.setup(model)`` may come before or after (on either object); hooks keep working.
    The wrapped optimizer stays reachable as ``.actual_optimizer`` (for its ``lr``, ``t``, ...).
    """
    return MultiNodeOptimizer(optimizer, comm)


__all__ = [
    "MultiNodeOptimizer",
    "ParameterMismatchError",
    "broadcast_parameters",
    "create_multi_node_optimizer",
]
