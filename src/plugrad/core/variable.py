"""``Variable``: an ndarray with a place in the graph, and ``Parameter``, a trainable one."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from plugrad._typing import Array, Operand, Shape

if TYPE_CHECKING:
    from plugrad.core.function import AnyFunction

# Array kinds a Variable refuses: object, bytes, str, void (records), datetime and timedelta.
_REFUSED_KINDS: Final = frozenset("OSUVMm")


def check_array(data: object, what: str = "Variable") -> None:
    """Raise ``TypeError`` naming the type unless ``data`` is a numeric ndarray."""
    if not isinstance(data, np.ndarray):
        raise TypeError(
            f"{what} takes a numpy.ndarray, got {type(data).__name__}; "
            "wrap numbers and lists with numpy.array(...) first"
        )
    if data.dtype.kind in _REFUSED_KINDS:
        raise TypeError(
            f"{what} takes a numeric ndarray, got an array of dtype {data.dtype} "
            f"({data.dtype.kind!r} kind); convert it with .astype(numpy.float64)"
        )


class Variable:
    """A node of the graph: ``data`` (an ndarray) and, after ``backward``, its ``grad``.

    ``creator`` is the ``Function`` that produced it (``None`` for leaves) and ``generation``
    orders the backward walk.  Outputs are held by their creator only weakly, so a graph frees
    itself as soon as its last output is dropped.
    """

    __slots__ = (
        "__weakref__",
        "_constant",
        "_ref",
        "creator",
        "data",
        "generation",
        "grad",
        "name",
    )

    # ndarray (and NumPy scalar) operators defer to ours: ``ndarray + Variable`` is a Variable.
    __array_ufunc__ = None

    data: Array
    name: str | None
    grad: Variable | None
    creator: AnyFunction | None
    generation: int
    _constant: bool
    # The creator's weak reference to this value (None for leaves): the backward walk's key
    # for the value, shared with any stand-in that a consumer holds instead (see Function).
    _ref: weakref.ref[Variable] | None

    def __init__(self, data: Array | None, name: str | None = None) -> None:
        if data is not None:
            check_array(data)
        self.data = data  # type: ignore[assignment]  # DeZero allows Variable(None) as a placeholder
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0
        self._constant = False
        self._ref = None

    @classmethod
    def _wrap(cls, data: Array, constant: bool = False) -> Variable:
        """Build a Variable from data the framework already validated (the hot path)."""
        v = object.__new__(Variable)
        v.data = data
        v.name = None
        v.grad = None
        v.creator = None
        v.generation = 0
        v._constant = constant
        v._ref = None
        return v

    # -- array-like properties -------------------------------------------------------------

    @property
    def shape(self) -> Shape:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return int(self.data.ndim)

    @property
    def size(self) -> int:
        return int(self.data.size)

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        data: object = self.data  # None for a placeholder Variable(None)
        if data is None:
            return "variable(None)"
        body = str(data).replace("\n", "\n" + " " * 9)
        return f"variable({body})"

    # -- graph ------------------------------------------------------------------------------

    def set_creator(self, func: AnyFunction) -> None:
        """Record ``func`` as this variable's creator (DeZero's API; ``Function`` does this)."""
        self.creator = func
        self.generation = func.generation + 1

    def cleargrad(self) -> None:
        """Forget the gradient (before the next ``backward``)."""
        self.grad = None

    def backward(self, retain_grad: bool = False, create_graph: bool = False) -> None:
        """Compute the gradient of this variable with respect to every variable it depends on.

        Gradients accumulate into ``grad`` of the leaves (and, with ``retain_grad``, of every
        variable on the way).  With ``create_graph`` the backward pass is itself recorded, so
        the gradients can be differentiated again.
        """
        from plugrad.core.engine import run_backward

        run_backward(self, retain_grad=retain_grad, create_graph=create_graph)

    def unchain(self) -> None:
        """Cut the link to the creator: this variable becomes a leaf."""
        self.creator = None
        self._ref = None

    def unchain_backward(self) -> None:
        """Cut every link behind this variable (truncated backpropagation through time)."""
        from plugrad.core.engine import unchain_graph

        unchain_graph(self)

    def to_cpu(self) -> None:
        """Kept for DeZero compatibility: plugrad keeps data on the CPU already."""

    def to_gpu(self) -> None:
        """DeZero moves data to CuPy here; plugrad runs on NumPy only."""
        raise RuntimeError("plugrad runs on NumPy only; there is no GPU backend (to_gpu)")

    # -- tensor methods (DeZero's Variable API) ---------------------------------------------

    def reshape(self, *shape: int | Sequence[int]) -> Variable:
        """``x.reshape(2, 3)``, ``x.reshape((2, 3))`` or ``x.reshape([2, 3])``."""
        return _shape.reshape(self, _one_tuple(shape))

    def transpose(self, *axes: int | Sequence[int] | None) -> Variable:
        """``x.transpose()``, ``x.transpose(1, 0)`` or ``x.transpose((1, 0))``."""
        if len(axes) == 0 or (len(axes) == 1 and axes[0] is None):
            return _shape.transpose(self)
        return _shape.transpose(self, _one_tuple(axes))

    @property
    def T(self) -> Variable:  # noqa: N802  # NumPy's and DeZero's name
        return _shape.transpose(self)

    def sum(self, axis: int | Shape | None = None, keepdims: bool = False) -> Variable:
        return _reduction.sum(self, axis, keepdims)

    def max(self, axis: int | Shape | None = None, keepdims: bool = False) -> Variable:
        return _reduction.max(self, axis, keepdims)

    def min(self, axis: int | Shape | None = None, keepdims: bool = False) -> Variable:
        return _reduction.min(self, axis, keepdims)

    def matmul(self, other: Operand) -> Variable:
        """``x.matmul(W)``, the same as ``x @ W`` (DeZero's method name)."""
        return _linalg.matmul(self, other)

    def dot(self, other: Operand) -> Variable:
        """``x.dot(W)``, the same as ``x @ W`` (DeZero's method name)."""
        return _linalg.matmul(self, other)

    def __getitem__(self, slices: object) -> Variable:
        """``x[1]``, ``x[:, 0]``, ``x[[0, 2]]``, ``x[mask]``: differentiable indexing."""
        return _indexing.get_item(self, slices)

    # -- operators ---------------------------------------------------------------------------

    def __add__(self, other: Operand) -> Variable:
        return _arith.add(self, other)

    def __radd__(self, other: Operand) -> Variable:
        return _arith.add(self, other)

    def __sub__(self, other: Operand) -> Variable:
        return _arith.sub(self, other)

    def __rsub__(self, other: Operand) -> Variable:
        return _arith.rsub(self, other)

    def __mul__(self, other: Operand) -> Variable:
        return _arith.mul(self, other)

    def __rmul__(self, other: Operand) -> Variable:
        return _arith.mul(self, other)

    def __truediv__(self, other: Operand) -> Variable:
        return _arith.div(self, other)

    def __rtruediv__(self, other: Operand) -> Variable:
        return _arith.rdiv(self, other)

    def __neg__(self) -> Variable:
        return _arith.neg(self)

    def __pos__(self) -> Variable:
        return self

    def __pow__(self, c: float) -> Variable:
        return _arith.pow(self, c)

    def __matmul__(self, other: Operand) -> Variable:
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other: Operand) -> Variable:
        return _linalg.matmul(other, self)


class Parameter(Variable):
    """A Variable that a ``Layer`` collects as trainable."""

    __slots__ = ()


def _one_tuple(args: tuple[int | Sequence[int] | None, ...]) -> Shape:
    """``(2, 3)`` from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``, as NumPy's methods take."""
    if len(args) == 1 and isinstance(args[0], Sequence):
        return tuple(int(a) for a in args[0])
    numbers: list[int] = []
    for a in args:
        if not isinstance(a, int):
            raise TypeError(f"expected ints or one sequence of ints, got {args!r}")
        numbers.append(int(a))
    return tuple(numbers)


def as_array(x: object, array_module: ModuleType = np) -> Array:
    """DeZero's ``as_array``: NumPy scalars and Python numbers become 0-d arrays.

    ``array_module`` is accepted for DeZero compatibility; plugrad always uses NumPy.
    """
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, bool | int | float | np.number | np.bool_):
        return np.asarray(x)
    raise TypeError(
        f"plugrad takes a Variable, a numpy.ndarray or a number, got {type(x).__name__}"
    )


def as_variable(obj: object) -> Variable:
    """Return ``obj`` if it is a Variable, else wrap it (ndarrays and numbers) in one."""
    if isinstance(obj, Variable):
        return obj
    data = as_array(obj)
    check_array(data)
    return Variable(data)


# The operator methods above call the op wrappers, and the op modules build on Variable: import
# them last so that each side finds the other complete.
from plugrad.ops import arithmetic as _arith  # noqa: E402
from plugrad.ops import indexing as _indexing  # noqa: E402
from plugrad.ops import linalg as _linalg  # noqa: E402
from plugrad.ops import reduction as _reduction  # noqa: E402
from plugrad.ops import shape as _shape  # noqa: E402
