"""``Variable``: an ndarray with a place in the graph, and ``Parameter``, a trainable one."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, overload

import numpy as np

from plugrad._typing_extensions import deprecated
from plugrad.core.operators import operators
from plugrad.typing import AnyFunction, Array, Axes, IndexKey, Integer, Number, Operand, Shape

if TYPE_CHECKING:
    from collections.abc import Callable

# Array kinds a Variable refuses: object, bytes, str, void (records), datetime and timedelta,
# and complex numbers (plugrad differentiates real functions; a complex gradient would lose
# its imaginary part silently).
_REFUSED_KINDS: Final = frozenset("OSUVMmc")


def check_array(data: object, what: str = "Variable") -> None:
    """Raise ``TypeError`` naming the type unless ``data`` is a plain, real, numeric ndarray.

    ndarray subclasses that change arithmetic are refused too: ``numpy.matrix`` turns ``*`` into
    a matrix product and masked arrays drop their mask in gradients, so either would give
    silently wrong results.
    """
    if type(data) is not np.ndarray:
        _check_array_kind(data, what)
    if data.dtype.kind in _REFUSED_KINDS:  # type: ignore[attr-defined]  # an ndarray by now
        raise _refused_dtype(data.dtype, what)  # type: ignore[attr-defined]  # as above


def _refused_dtype(dtype: np.dtype[Any], what: str) -> TypeError:
    """The error of ``check_array`` for an array of a refused kind (``_REFUSED_KINDS``)."""
    hint = (
        "take .real (or split real and imaginary parts into two Variables)"
        if dtype.kind == "c"
        else "convert it with .astype(numpy.float64)"
    )
    return TypeError(
        f"{what} takes a real numeric ndarray, got an array of dtype {dtype} "
        f"({dtype.kind!r} kind); {hint}"
    )


def _check_array_kind(data: object, what: str) -> None:
    """The slow path of ``check_array``: not exactly an ndarray."""
    cls = type(data)  # of the unnarrowed ``data``: pyright types the narrowed one matrix[Unknown]
    if isinstance(data, np.matrix | np.ma.MaskedArray):
        raise TypeError(
            f"{what} takes a plain numpy.ndarray, got {cls.__module__}.{cls.__name__}, "
            "whose arithmetic differs from ndarray's; convert it with "
            "numpy.asarray(...) (a masked array: fill or drop the masked entries first)"
        )
    if not isinstance(data, np.ndarray):
        raise TypeError(
            f"{what} takes a numpy.ndarray, got {cls.__name__}; "
            "wrap numbers and lists with numpy.array(...) first"
        )


class Variable:
    """A node of the graph: ``data`` (an ndarray) and, after ``backward``, its ``grad``.

    ``creator`` is the ``Function`` that produced it (``None`` for leaves) and ``generation``
    orders the backward walk.  A creator holds no reference to its outputs, so a graph frees
    itself as soon as its last output is dropped.
    """

    __slots__ = (
        "__weakref__",
        "_constant",
        "_grad",
        "_index",
        "creator",
        "data",
        "generation",
        "name",
    )

    # ndarray (and NumPy scalar) operators defer to ours: ``ndarray + Variable`` is a Variable.
    __array_ufunc__ = None

    data: Array
    name: str | None
    _grad: Variable | None  # behind the ``grad`` property, which checks what is assigned
    creator: AnyFunction | None
    generation: int
    _constant: bool
    # Which output of its creator this is (0 for leaves and one-output ops): with the creator,
    # the backward walk's key for the value's gradient.
    _index: int

    def __init__(self, data: Array | None, name: str | None = None) -> None:
        if data is not None:
            check_array(data)
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f"Variable's name is a str or None, got {type(name).__name__} {name!r}; "
                "the second argument of Variable(data, name) is its name"
            )
        self.data = data  # type: ignore[assignment]  # DeZero allows Variable(None) as a placeholder
        self.name = name
        self._grad = None
        self.creator = None
        self.generation = 0
        self._constant = False
        self._index = 0

    @classmethod
    def _wrap(cls, data: Array, constant: bool = False) -> Variable:
        """Build a Variable from data the framework already validated (the hot path)."""
        v = object.__new__(Variable)
        v.data = data
        v.name = None
        v._grad = None
        v.creator = None
        v.generation = 0
        v._constant = constant
        v._index = 0
        return v

    @property
    def grad(self) -> Variable | None:
        """The gradient after ``backward`` (a Variable of this shape), or ``None``."""
        return self._grad

    @grad.setter
    def grad(self, value: Variable | None) -> None:
        # Checked here, where a mistake is made, not later inside backward.
        if value is not None:
            if not isinstance(value, Variable):
                raise TypeError(
                    f"Variable.grad takes a Variable or None, got {type(value).__name__}; "
                    "wrap an array as Variable(array)"
                )
            mine: object = self.data  # None for DeZero's placeholder Variable(None)
            theirs: object = value.data
            if mine is not None and theirs is not None and value.shape != self.data.shape:
                raise ValueError(
                    f"Variable.grad of shape {value.shape} does not fit a Variable of shape "
                    f"{self.data.shape}; a gradient has the shape of its variable"
                )
        self._grad = value

    # -- array-like properties -------------------------------------------------------------

    # ``try``, not an ``is None`` test: free in Python 3.11 unless it raises, and these are read
    # inside derivative rules.  A placeholder's attribute error says what it is.

    @property
    def shape(self) -> Shape:
        try:
            return self.data.shape
        except AttributeError:
            raise _no_data("shape") from None

    @property
    def ndim(self) -> int:
        try:
            return int(self.data.ndim)
        except AttributeError:
            raise _no_data("ndim") from None

    @property
    def size(self) -> int:
        try:
            return int(self.data.size)
        except AttributeError:
            raise _no_data("size") from None

    @property
    def dtype(self) -> np.dtype[Any]:
        try:
            return self.data.dtype
        except AttributeError:
            raise _no_data("dtype") from None

    def __len__(self) -> int:
        data: object = self.data  # None for a placeholder Variable(None)
        if data is None or self.data.ndim == 0:
            what = "Variable(None)" if data is None else "a 0-d Variable"
            raise TypeError(f"len() of {what}: it has no first axis (see .shape and .size)")
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
        self._index = 0

    def cleargrad(self) -> None:
        """Forget the gradient (before the next ``backward``)."""
        self._grad = None

    def backward(self, retain_grad: bool = False, create_graph: bool = False) -> None:
        """Compute the gradient of this variable with respect to every variable it depends on.

        Gradients accumulate into ``grad`` of the leaves (and, with ``retain_grad``, of every
        variable on the way).  With ``create_graph`` the backward pass is itself recorded, so
        the gradients can be differentiated again.
        """
        from plugrad.core.engine import run_backward

        run_backward(self, retain_grad=retain_grad, create_graph=create_graph)

    def unchain(self) -> None:
        """Cut the link to the creator: this variable becomes a leaf (which gets a gradient)."""
        self.creator = None
        self._constant = False

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

    def reshape(self, *shape: Integer | Sequence[Integer]) -> Variable:
        """``x.reshape(2, 3)``, ``x.reshape((2, 3))`` or ``x.reshape([2, 3])``."""
        return operators.reshape(self, _one_tuple(shape, "reshape"))

    def transpose(self, *axes: Integer | Sequence[Integer] | None) -> Variable:
        """``x.transpose()``, ``x.transpose(1, 0)`` or ``x.transpose((1, 0))``."""
        if len(axes) == 0 or (len(axes) == 1 and axes[0] is None):
            return operators.transpose(self)
        return operators.transpose(self, _one_tuple(axes, "transpose"))

    @property
    def T(self) -> Variable:  # noqa: N802  # NumPy's and DeZero's name
        return operators.transpose(self)

    def sum(self, axis: Axes | None = None, keepdims: bool = False) -> Variable:
        return operators.sum(self, axis, keepdims)

    def max(self, axis: Axes | None = None, keepdims: bool = False) -> Variable:
        return operators.max(self, axis, keepdims)

    def min(self, axis: Axes | None = None, keepdims: bool = False) -> Variable:
        return operators.min(self, axis, keepdims)

    def matmul(self, other: Operand) -> Variable:
        """``x.matmul(W)``, the same as ``x @ W`` (DeZero's method name)."""
        return operators.matmul(self, other)

    def dot(self, other: Operand) -> Variable:
        """``x.dot(W)``, the same as ``x @ W`` (DeZero's method name)."""
        return operators.matmul(self, other)

    def __getitem__(self, slices: IndexKey) -> Variable:
        """``x[1]``, ``x[:, 0]``, ``x[[0, 2]]``, ``x[mask]``: differentiable indexing."""
        return operators.get_item(self, slices)

    # -- operators ---------------------------------------------------------------------------
    # ``bool`` is an ``int`` to the type system, so ``x + True`` matches ``Operand``; the run
    # time refuses it (a mask is not a number).  Each operator's first overload marks that
    # call ``deprecated`` (PEP 702), which pyright and mypy (error code ``deprecated``) report.

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __add__(self, other: bool) -> Variable: ...
    @overload
    def __add__(self, other: Operand) -> Variable: ...
    def __add__(self, other: Operand) -> Variable:
        return operators.add(self, other)

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __radd__(self, other: bool) -> Variable: ...
    @overload
    def __radd__(self, other: Operand) -> Variable: ...
    def __radd__(self, other: Operand) -> Variable:
        return operators.add(self, other)

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __sub__(self, other: bool) -> Variable: ...
    @overload
    def __sub__(self, other: Operand) -> Variable: ...
    def __sub__(self, other: Operand) -> Variable:
        return operators.sub(self, other)

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __rsub__(self, other: bool) -> Variable: ...
    @overload
    def __rsub__(self, other: Operand) -> Variable: ...
    def __rsub__(self, other: Operand) -> Variable:
        return operators.rsub(self, other)

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __mul__(self, other: bool) -> Variable: ...
    @overload
    def __mul__(self, other: Operand) -> Variable: ...
    def __mul__(self, other: Operand) -> Variable:
        return operators.mul(self, other)

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __rmul__(self, other: bool) -> Variable: ...
    @overload
    def __rmul__(self, other: Operand) -> Variable: ...
    def __rmul__(self, other: Operand) -> Variable:
        return operators.mul(self, other)

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __truediv__(self, other: bool) -> Variable: ...
    @overload
    def __truediv__(self, other: Operand) -> Variable: ...
    def __truediv__(self, other: Operand) -> Variable:
        return operators.div(self, other)

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __rtruediv__(self, other: bool) -> Variable: ...
    @overload
    def __rtruediv__(self, other: Operand) -> Variable: ...
    def __rtruediv__(self, other: Operand) -> Variable:
        return operators.rdiv(self, other)

    def __neg__(self) -> Variable:
        return operators.neg(self)

    def __pos__(self) -> Variable:
        return self

    @overload
    @deprecated("plugrad refuses bool operands with a TypeError: write 1.0 or 0.0")
    def __pow__(self, c: bool) -> Variable: ...
    @overload
    def __pow__(self, c: Number) -> Variable: ...
    def __pow__(self, c: Number) -> Variable:
        return operators.pow(self, c)

    def __matmul__(self, other: Operand) -> Variable:
        return operators.matmul(self, other)

    def __rmatmul__(self, other: Operand) -> Variable:
        return operators.matmul(other, self)


class Parameter(Variable):
    """A Variable that a ``Layer`` collects as trainable."""

    __slots__ = ()


def _no_data(attribute: str) -> AttributeError:
    return AttributeError(
        f"Variable(None) has no {attribute}: its data is None (DeZero's placeholder); give it "
        "an array first (x.data = numpy.array(...))"
    )


def _one_tuple(args: tuple[Integer | Sequence[Integer] | None, ...], method: str) -> Shape:
    """``(2, 3)`` from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``, as NumPy's methods take."""
    items: Sequence[object] = args
    first: object = args[0] if len(args) == 1 else None
    if isinstance(first, Sequence) and not isinstance(first, str):
        items = first
    numbers: list[int] = []
    for a in items:
        if not isinstance(a, int | np.integer) or isinstance(a, bool):
            raise TypeError(
                f"Variable.{method} takes ints or one sequence of ints, got {args!r} "
                f"(holding {type(a).__name__} {a!r})"
            )
        numbers.append(int(a))
    return tuple(numbers)


def as_array(x: object, array_module: ModuleType = np) -> Array:
    """DeZero's ``as_array``: NumPy scalars and Python numbers become 0-d arrays.

    ``array_module`` is accepted for DeZero compatibility; plugrad always uses NumPy.
    """
    if isinstance(x, np.ndarray):
        return x  # pyright: ignore[reportUnknownVariableType]  # isinstance: ndarray[Unknown, Unknown]
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


class StandIn(Variable):
    """A Variable with another value's place in the graph, shape and dtype, but no data.

    A function that reads only its inputs' shapes holds one of these instead of a large
    intermediate input (see ``Function.retains_inputs``).  Its ``data`` is a read-only
    zero-stride view of one zero, so shape-only code works unchanged; gradients that reach it
    are the original's (the walk keys both by creator and output index), and ``original``
    reaches the value itself while the program still holds it.
    """

    __slots__ = ("original",)

    original: Callable[[], Variable | None]

    @classmethod
    def of(cls, x: Variable) -> StandIn:
        s: StandIn = object.__new__(cls)
        s.data = np.broadcast_to(np.zeros((), dtype=x.data.dtype), x.data.shape)
        s.name = x.name
        s._grad = None
        s.creator = x.creator
        s.generation = x.generation
        s._constant = x._constant
        s._index = x._index
        s.original = x.original if isinstance(x, StandIn) else weakref.ref(x)
        return s


def data_of(x: Variable | Array) -> Array:
    """The ndarray behind ``x``: a Variable's data, or ``x`` itself (for derivative rules)."""
    return x.data if isinstance(x, Variable) else x
