"""``Batched``: k values of one shape that derivative rules treat as one value of that shape.

A Jacobian by reverse mode is one backward pass per output element, each seeded with a one-hot
gradient.  Run one by one, those passes cost a Python walk each (a few microseconds per op),
which for a 100 x 100 Jacobian is most of the time.  ``plugrad.func`` instead seeds a single
first-order walk with all of them at once, stacked along a leading axis and wrapped in a
``Batched``.  The ops' rules do not know: ``gy * (1 - y * y)``, ``gy @ W.T``, ``gy.reshape(s)``
or ``np.broadcast_to(gy, s)`` see a value whose ``shape`` is one seed's, and each operation is
carried out on the whole stack, the leading axis kept out of the way.  This is what JAX's and
torch.func's ``vmap`` do for their Jacobians, for just the NumPy a rule uses.

It is an optimisation that must never change a result, so it supports a short list of
operations (elementwise ufuncs with broadcasting, ``matmul``, basic indexing, reshaping,
transposing, summing, broadcasting) and raises ``Unbatchable`` for everything else: any
conversion to an ndarray (``np.asarray``, item assignment into an array), ufunc methods and
``out=`` (``np.add.at``, in-place operators on arrays), iteration, truth values, and every
NumPy function not listed.  ``run_rule``, which the walk runs each rule through, then runs that
one rule once per value (a scatter into zeros, say); anything else that fails sends the caller
back to one walk per value.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from types import EllipsisType, NoneType
from typing import Any, Final, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from plugrad.typing import Array, Axes, IndexKey, Integer, Shape, ShapeLike

# The indices ``Batched`` carries out on a stack: NumPy's basic indexing (no arrays, no bools).
_BasicIndex: TypeAlias = Integer | slice | EllipsisType | None


class Unbatchable(Exception):  # noqa: N818  # a signal to fall back, named for what it says
    """The rule did something ``Batched`` does not carry out on a stack (run one by one)."""


class Batched:
    """A stack of values (``stack[i]`` is value ``i``) seen as one value of ``stack[0]``'s shape."""

    __slots__ = ("stack",)

    def __init__(self, stack: Array) -> None:
        if stack.ndim == 0:
            raise ValueError("Batched takes a stack with a leading axis")
        self.stack = stack

    # -- what a rule reads ------------------------------------------------------------------

    @property
    def shape(self) -> Shape:
        shape: Shape = self.stack.shape[1:]
        return shape

    @property
    def ndim(self) -> int:
        return self.stack.ndim - 1

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.stack.dtype

    @property
    def T(self) -> Batched:  # noqa: N802  # NumPy's name
        return self.transpose()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"Batched({len(self.stack)} x {self.shape}, {self.dtype})"

    # -- what a value refuses: anything that would see the stack as one array --------------

    def __array__(self, dtype: object = None, copy: object = None) -> Array:
        raise Unbatchable("converted to an ndarray")

    def __iter__(self) -> Any:
        raise Unbatchable("iterated over")

    def __bool__(self) -> bool:
        raise Unbatchable("used as a truth value")

    # -- NumPy's protocols -------------------------------------------------------------------

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs or ufunc.nout != 1:
            raise Unbatchable(f"numpy.{ufunc.__name__}.{method} with {sorted(kwargs)}")
        if ufunc is np.matmul:
            return _matmul(*inputs)
        return _elementwise(ufunc, inputs)

    def __array_function__(
        self, func: Callable[..., Any], types: object, args: Any, kwargs: Any
    ) -> Any:
        handler = _FUNCTIONS.get(func)
        if handler is None:
            raise Unbatchable(f"numpy.{getattr(func, '__name__', func)}")
        return handler(*args, **kwargs)

    # -- array methods ----------------------------------------------------------------------

    def reshape(self, *shape: Any, order: str = "C") -> Batched:
        if order != "C":
            raise Unbatchable(f"reshape with order={order!r}")
        target = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return Batched(self.stack.reshape((len(self.stack), *_ints(target))))

    def transpose(self, *axes: Any) -> Batched:
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int)):
            axes = () if axes[0] is None else tuple(axes[0])
        ndim = self.ndim
        order = tuple(range(ndim))[::-1] if not axes else tuple(_axis(a, ndim) for a in axes)
        if sorted(order) != list(range(ndim)):
            raise ValueError(f"axes {axes} do not permute the axes of shape {self.shape}")
        return Batched(self.stack.transpose((0, *(a + 1 for a in order))))

    def sum(self, axis: Axes | None = None, dtype: Any = None, keepdims: bool = False) -> Batched:
        return Batched(self.stack.sum(axis=self._axes(axis), dtype=dtype, keepdims=keepdims))

    def squeeze(self, axis: Axes | None = None) -> Batched:
        if axis is None:
            axes = tuple(i for i, size in enumerate(self.shape) if size == 1)
        else:
            axes = tuple(a - 1 for a in self._axes(axis))
        return Batched(self.stack.squeeze(tuple(a + 1 for a in axes)))

    def astype(self, dtype: Any, copy: bool = True) -> Batched:
        return Batched(self.stack.astype(dtype, copy=copy))

    def copy(self) -> Batched:
        return Batched(self.stack.copy())

    def __getitem__(self, index: IndexKey) -> Batched:
        items = index if isinstance(index, tuple) else (index,)
        key: list[_BasicIndex] = [slice(None)]  # the stack's leading axis, whole
        for item in items:
            if not isinstance(item, int | np.integer | slice | NoneType | EllipsisType):
                raise Unbatchable(f"indexed with {type(item).__name__}")
            if isinstance(item, bool | np.bool_):
                raise Unbatchable("indexed with a bool")
            key.append(item)
        return Batched(self.stack[tuple(key)])

    def _axes(self, axis: Axes | None) -> tuple[int, ...]:
        """Per-value ``axis`` (None, an int or a tuple) as axes of the stack."""
        ndim = self.ndim
        if axis is None:
            return tuple(range(1, ndim + 1))
        axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
        return tuple(_axis(a, ndim) + 1 for a in axes)

    # -- operators --------------------------------------------------------------------------

    def __neg__(self) -> Batched:
        return Batched(-self.stack)

    def __pos__(self) -> Batched:
        return self

    def __abs__(self) -> Batched:
        return Batched(abs(self.stack))

    def __add__(self, other: object) -> Batched:
        return _elementwise(np.add, (self, other))

    def __radd__(self, other: object) -> Batched:
        return _elementwise(np.add, (other, self))

    def __sub__(self, other: object) -> Batched:
        return _elementwise(np.subtract, (self, other))

    def __rsub__(self, other: object) -> Batched:
        return _elementwise(np.subtract, (other, self))

    def __mul__(self, other: object) -> Batched:
        return _elementwise(np.multiply, (self, other))

    def __rmul__(self, other: object) -> Batched:
        return _elementwise(np.multiply, (other, self))

    def __truediv__(self, other: object) -> Batched:
        return _elementwise(np.true_divide, (self, other))

    def __rtruediv__(self, other: object) -> Batched:
        return _elementwise(np.true_divide, (other, self))

    def __pow__(self, other: object) -> Batched:
        return _elementwise(np.power, (self, other))

    def __rpow__(self, other: object) -> Batched:
        return _elementwise(np.power, (other, self))

    def __matmul__(self, other: object) -> Batched:
        return _matmul(self, other)

    def __rmatmul__(self, other: object) -> Batched:
        return _matmul(other, self)

    # Comparisons are elementwise, as an array's (masks in rules); so a Batched is unhashable.
    def __eq__(self, other: object) -> Batched:  # type: ignore[override]  # elementwise, as ndarray's
        return _elementwise(np.equal, (self, other))

    def __ne__(self, other: object) -> Batched:  # type: ignore[override]  # elementwise, as ndarray's
        return _elementwise(np.not_equal, (self, other))

    def __lt__(self, other: object) -> Batched:
        return _elementwise(np.less, (self, other))

    def __le__(self, other: object) -> Batched:
        return _elementwise(np.less_equal, (self, other))

    def __gt__(self, other: object) -> Batched:
        return _elementwise(np.greater, (self, other))

    def __ge__(self, other: object) -> Batched:
        return _elementwise(np.greater_equal, (self, other))

    __hash__ = None  # type: ignore[assignment]  # unhashable, as ndarray


def _ints(shape: ShapeLike) -> tuple[int, ...]:
    if isinstance(shape, int | np.integer):
        return (int(shape),)
    return tuple(operator.index(s) for s in shape)


def _axis(axis: Integer, ndim: int) -> int:
    """``axis`` of a value with ``ndim`` axes, made non-negative (NumPy's error otherwise)."""
    a = operator.index(axis)
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(a, ndim)
    return a % ndim


def run_rule(rule: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``rule(*args)``, on the stacks as they are if the rule can take them, else once per
    value, the results stacked again (the engine's ``run_rule`` hook)."""
    try:
        return rule(*args)
    except Exception:  # whatever failed on the stack, the values one by one redo exactly
        return _one_by_one(rule, args)


def _one_by_one(rule: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    count = next(len(a.stack) for a in args if isinstance(a, Batched))
    results = [
        rule(*[a.stack[i] if isinstance(a, Batched) else a for a in args]) for i in range(count)
    ]
    if not isinstance(results[0], tuple):
        return _restacked([(r,) for r in results])[0]
    return tuple(_restacked(results))


def _restacked(results: list[tuple[Any, ...]]) -> list[Batched | None]:
    """The gradients of each input, per value, as one stack (``None`` where the rule gave
    none: the same for every value, since that depends on the op's inputs alone)."""
    stacked: list[Batched | None] = []
    for per_value in zip(*results, strict=True):
        if all(g is None for g in per_value):
            stacked.append(None)
        elif any(g is None for g in per_value):
            raise Unbatchable("a rule gave a gradient for some values and None for others")
        else:
            stacked.append(Batched(np.stack([np.asarray(g) for g in per_value])))
    return stacked


# Operands below are what NumPy's protocols hand over from a rule: anything array-like (Any).


def _ndim(x: Any) -> int:
    return x.ndim if isinstance(x, Batched) else int(np.ndim(x))


def _aligned(x: ArrayLike | Batched, ndim: int) -> ArrayLike:
    """``x`` ready to broadcast as a value of ``ndim`` axes: a stack gets ones inserted after
    its leading axis (so that axis never meets another's); anything else is left as it is."""
    if not isinstance(x, Batched):
        return x
    stack = x.stack
    return stack.reshape((len(stack), *(1,) * (ndim - x.ndim), *x.shape))


def _elementwise(ufunc: np.ufunc, inputs: tuple[Any, ...]) -> Batched:
    ndim = max(_ndim(x) for x in inputs)
    return Batched(ufunc(*[_aligned(x, ndim) for x in inputs]))


def _matmul(a: Any, b: Any) -> Batched:
    """``a @ b`` for each value, NumPy's rules: 1-D operands are vectors, more are stacks."""
    a_ndim, b_ndim = _ndim(a), _ndim(b)
    if isinstance(a, Batched) and not isinstance(b, Batched) and a_ndim >= 1 and b_ndim == 2:
        # Every row of every value times one matrix: one 2-D product, which BLAS does in one
        # call (NumPy loops over a 3-D stack one small product at a time, 2-3x slower).
        rows = a.stack.reshape((-1, a.shape[-1]))
        return Batched(np.matmul(rows, b).reshape((len(a.stack), *a.shape[:-1], b.shape[-1])))
    if a_ndim >= 2 and b_ndim >= 2:
        ndim = max(a_ndim, b_ndim)
        return Batched(np.matmul(_aligned(a, ndim), _aligned(b, ndim)))
    # Rows of vectors times one matrix, or stacks of matrices times one vector.
    vector_case = (a_ndim == 1 and b_ndim == 2) or (a_ndim >= 2 and b_ndim == 1)
    if isinstance(a, Batched) and not isinstance(b, Batched) and vector_case:
        return Batched(np.matmul(a.stack, b))
    if isinstance(b, Batched) and not isinstance(a, Batched) and a_ndim == 1 and b_ndim >= 2:
        return Batched(np.matmul(a, b.stack))
    raise Unbatchable(f"matmul of {a_ndim}-D and {b_ndim}-D values")


# -- the NumPy functions carried out on stacks ------------------------------------------------


def _broadcast_to(x: Any, shape: Any, subok: bool = False) -> Batched:
    if subok or not isinstance(x, Batched):
        raise Unbatchable("broadcast_to")
    target = _ints(shape)
    if len(target) < x.ndim:
        raise ValueError(f"cannot broadcast a value of shape {x.shape} to {target}")
    return Batched(np.broadcast_to(_aligned(x, len(target)), (len(x.stack), *target)))


def _where(condition: Any, x: Any, y: Any) -> Batched:
    ndim = max(_ndim(condition), _ndim(x), _ndim(y))
    return Batched(np.where(_aligned(condition, ndim), _aligned(x, ndim), _aligned(y, ndim)))


def _result_type(*arrays_and_dtypes: Any) -> np.dtype[Any]:
    # A stack has its values' dtype and, like them, is an array (never a weak Python scalar).
    plain = [x.stack if isinstance(x, Batched) else x for x in arrays_and_dtypes]
    return np.result_type(*plain)


def _expand_dims(x: Batched, axis: Axes) -> Batched:
    ndim = x.ndim + (1 if isinstance(axis, int | np.integer) else len(axis))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    return Batched(np.expand_dims(x.stack, tuple(_axis(a, ndim) + 1 for a in axes)))


def _swapaxes(x: Batched, axis1: Any, axis2: Any) -> Batched:
    return Batched(np.swapaxes(x.stack, _axis(axis1, x.ndim) + 1, _axis(axis2, x.ndim) + 1))


def _zeros_like(x: Batched, dtype: Any = None, **kwargs: Any) -> Array:
    if kwargs:
        raise Unbatchable(f"zeros_like with {sorted(kwargs)}")
    # The same zeros for every value: a plain array, which broadcasts against stacks.
    return np.zeros(x.shape, dtype=x.dtype if dtype is None else dtype)


def _ones_like(x: Batched, dtype: Any = None, **kwargs: Any) -> Array:
    if kwargs:
        raise Unbatchable(f"ones_like with {sorted(kwargs)}")
    return np.ones(x.shape, dtype=x.dtype if dtype is None else dtype)


# NumPy functions that are array methods too: ``np.sum(x, ...)`` is ``x.sum(...)``.


def _shape(x: Batched) -> Shape:
    return x.shape


def _size(x: Batched, axis: Integer | None = None) -> int:
    return x.size if axis is None else x.shape[axis]


def _sum(
    x: Batched, axis: Axes | None = None, dtype: Any = None, keepdims: bool = False
) -> Batched:
    return x.sum(axis, dtype, keepdims)


def _reshape(x: Batched, shape: ShapeLike, order: str = "C") -> Batched:
    return x.reshape(shape, order=order)


def _transpose(x: Batched, axes: Axes | None = None) -> Batched:
    return x.transpose(axes)


def _squeeze(x: Batched, axis: Axes | None = None) -> Batched:
    return x.squeeze(axis)


_FUNCTIONS: Final[dict[Callable[..., Any], Callable[..., Any]]] = {
    np.broadcast_to: _broadcast_to,
    np.where: _where,
    np.result_type: _result_type,
    np.expand_dims: _expand_dims,
    np.swapaxes: _swapaxes,
    np.zeros_like: _zeros_like,
    np.ones_like: _ones_like,
    np.shape: _shape,
    np.ndim: _ndim,
    np.size: _size,
    np.sum: _sum,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.squeeze: _squeeze,
}
