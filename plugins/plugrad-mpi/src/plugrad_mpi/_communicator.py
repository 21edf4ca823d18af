"""``Communicator``: typed collectives over an mpi4py communicator.

Arrays travel through mpi4py's buffer methods (``Bcast``, ``Allreduce``: no pickling); Python
scalars and small objects through its pickling ones.  MPI requires every rank to call the same
collectives in the same order with buffers of one shape and dtype; a call that breaks that
would deadlock or garble data, so the public array and scalar collectives first compare what
each rank passed and raise the same clear error on every rank when they disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Literal, NoReturn, TypeVar, final, overload

import numpy as np
from mpi4py import MPI

from plugrad.typing import Array
from plugrad_mpi._faults import install_abort_hook

ReduceOp = Literal["sum", "max", "min"]

T = TypeVar("T")
Scalar = int | float

_MPI_OPS: Final[dict[str, MPI.Op]] = {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}
# Reduces the ranks' scalars in rank order, so every rank computes the very same result.
_SCALAR_OPS: Final[dict[str, Callable[[list[Scalar]], Scalar]]] = {
    "sum": lambda values: sum(values),
    "max": lambda values: max(values),
    "min": lambda values: min(values),
}
# What MPI reductions accept from NumPy: integers, floats and complex numbers (not bool).
_REDUCIBLE_KINDS: Final = "iufc"


class CollectiveMismatchError(ValueError):
    """The ranks passed a collective call values that cannot be combined (raised on all)."""


@final
class Communicator:
    """A group of processes that train together: ``rank`` (0 .. ``size`` - 1) and ``size``.

    Build one with ``create_communicator()``.  Every method is collective: every rank of the
    group must call it, in the same order.
    """

    __slots__ = ("mpi_comm", "rank", "size")

    mpi_comm: MPI.Intracomm
    rank: int
    size: int

    def __init__(self, mpi_comm: MPI.Intracomm) -> None:
        self.mpi_comm = mpi_comm
        self.rank = mpi_comm.Get_rank()
        self.size = mpi_comm.Get_size()

    def __repr__(self) -> str:
        return f"Communicator(rank={self.rank}, size={self.size})"

    def barrier(self) -> None:
        """Wait until every rank has called ``barrier``."""
        self.mpi_comm.Barrier()

    # -- broadcast ----------------------------------------------------------------------------

    @overload
    def bcast(self, value: Array, root: int = 0) -> Array: ...
    @overload
    def bcast(self, value: int, root: int = 0) -> int: ...
    @overload
    def bcast(self, value: float, root: int = 0) -> float: ...

    def bcast(self, value: Array | Scalar, root: int = 0) -> Array | Scalar:
        """``root``'s value, on every rank.

        Every rank passes a value of the same kind: an array of root's shape and dtype (its
        contents are ignored off root; the argument is not changed), or a Python ``int`` or
        ``float``.
        """
        self._check_root("bcast", root)
        if isinstance(value, np.ndarray):
            self._agree_on_array("bcast", value)
            buffer = np.array(value, copy=True, order="C")
            self.mpi_comm.Bcast(buffer, root=root)
            return buffer
        values = self._gather_scalars("bcast", value)
        return values[root]

    def bcast_object(self, obj: T, root: int = 0) -> T:
        """``root``'s object (pickled), on every rank; others pass a placeholder of its type."""
        self._check_root("bcast_object", root)
        received: T = self.mpi_comm.bcast(obj, root=root)
        return received

    # -- reductions ---------------------------------------------------------------------------

    @overload
    def allreduce(self, value: Array, op: ReduceOp = "sum") -> Array: ...
    @overload
    def allreduce(self, value: int, op: ReduceOp = "sum") -> int: ...
    @overload
    def allreduce(self, value: float, op: ReduceOp = "sum") -> float: ...

    def allreduce(self, value: Array | Scalar, op: ReduceOp = "sum") -> Array | Scalar:
        """The elementwise ``op`` ("sum", "max" or "min") of every rank's value, on every rank.

        Arrays (integer, float or complex; one shape and dtype on every rank) come back as a new
        array; ``value`` is not changed.  Python scalars reduce in rank order, so every rank gets
        the very same number.
        """
        mpi_op = _MPI_OPS.get(op)
        if mpi_op is None:
            raise ValueError(f"allreduce: op must be one of {sorted(_MPI_OPS)}, got {op!r}")
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in _REDUCIBLE_KINDS:
                raise TypeError(
                    f"allreduce: MPI reduces integer, float and complex arrays, got dtype "
                    f"{value.dtype}; convert it first (e.g. a bool array with .astype(np.int64))"
                )
            self._agree_on_array("allreduce", value)
            send = np.ascontiguousarray(value)
            result = np.empty_like(send)
            self.mpi_comm.Allreduce(send, result, op=mpi_op)
            return result
        return _SCALAR_OPS[op](self._gather_scalars("allreduce", value))

    def allgather_object(self, obj: T) -> list[T]:
        """Every rank's object (pickled), in rank order, on every rank."""
        gathered: list[T] = self.mpi_comm.allgather(obj)
        return gathered

    # -- ending the job -------------------------------------------------------------------------

    def abort(self, errorcode: int = 1) -> NoReturn:
        """End every process of the job now (``MPI_Abort``), with ``errorcode`` as exit status.

        What a rank that cannot go on should do instead of ``sys.exit``: a rank that exits
        alone leaves the others waiting in their next collective forever.
        """
        MPI.COMM_WORLD.Abort(errorcode)

    # -- checks -------------------------------------------------------------------------------

    def _check_root(self, what: str, root: int) -> None:
        if not 0 <= root < self.size:
            raise ValueError(f"{what}: root must be a rank in 0..{self.size - 1}, got {root}")

    def _agree_on_array(self, what: str, value: Array) -> None:
        described = (tuple(value.shape), value.dtype.str)
        everyone = self.allgather_object(described)
        if any(other != everyone[0] for other in everyone):
            raise CollectiveMismatchError(
                f"{what}: the ranks passed arrays of different shapes or dtypes "
                f"({_by_rank(everyone, _describe_array)}); every rank must pass the same shape "
                "and dtype"
            )

    def _gather_scalars(self, what: str, value: object) -> list[Scalar]:
        if not isinstance(value, int | float):
            raise TypeError(
                f"{what}: takes a numpy.ndarray, an int or a float, got {type(value).__name__}"
            )
        everyone = self.allgather_object(value)
        kinds = [_scalar_kind(other) for other in everyone]
        if any(kind != kinds[0] for kind in kinds):
            raise CollectiveMismatchError(
                f"{what}: the ranks passed different kinds of numbers "
                f"({_by_rank(kinds, str)}); pass int on every rank or float on every rank"
            )
        return everyone


def _scalar_kind(value: Scalar) -> str:
    return "float" if isinstance(value, float) else "int"


def _describe_array(described: tuple[tuple[int, ...], str]) -> str:
    shape, dtype = described
    return f"shape {shape} dtype {np.dtype(dtype)}"


def _by_rank(values: Sequence[T], describe: Callable[[T], str]) -> str:
    return ", ".join(f"rank {rank}: {describe(value)}" for rank, value in enumerate(values))


def create_communicator(
    mpi_comm: MPI.Intracomm | None = None, *, abort_on_error: bool = True
) -> Communicator:
    """The communicator of every process of this job (``MPI.COMM_WORLD``), or of ``mpi_comm``.

    A program started without ``mpiexec`` is a job of one process (rank 0, size 1).  With
    ``abort_on_error`` (the default) and more than one process, an uncaught exception on any
    rank prints its traceback and ends the whole job (``MPI_Abort``) instead of leaving the
    other ranks waiting forever: see ``install_abort_hook``.
    """
    comm = Communicator(MPI.COMM_WORLD if mpi_comm is None else mpi_comm)
    if abort_on_error and comm.size > 1:
        install_abort_hook()
    return comm


__all__ = ["CollectiveMismatchError", "Communicator", "ReduceOp", "create_communicator"]
