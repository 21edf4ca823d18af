"""``Function``: the base of every differentiable op.

An op subclasses ``Function[Array, ...]`` (one ``Array`` per input), writes ``forward`` on
ndarrays, and gives its derivative in one or both of two forms:

* ``backward_array(*gys)`` on plain ndarrays: the fast first-order path, used by
  ``Variable.backward()``.  No Variable is made and no graph is recorded.
* ``backward(*gys)`` on Variables, built from plugrad ops: the differentiable form (DeZero's),
  used by ``backward(create_graph=True)`` and so by higher derivatives.  An op with only this
  form still works for first order (its gradients are wrapped and unwrapped around the call).

Both return one gradient per input (a bare gradient is taken as a 1-tuple), or ``None`` for an
input that needs none (see ``needs_grad``).
"""

from __future__ import annotations

import weakref
from typing import Any, ClassVar, Final, Generic, Protocol, TypeAlias, TypeVarTuple, overload

import numpy as np

from plugrad._typing import Array, Operand
from plugrad.core.config import _enable_backprop
from plugrad.core.variable import Variable, check_array

Ins = TypeVarTuple("Ins")

# Any op, whatever its inputs: what the graph, the engine and the registry hold.
AnyFunction: TypeAlias = "Function[*tuple[Any, ...]]"

# Python numbers, which adopt the dtype of the op's other inputs (so float32 stays float32).
_PY_NUMBERS: Final = (float, int)


# The shapes of ``forward`` that ``__call__`` knows.  Positional-only, so ops name their
# parameters freely; each gives callers an exact result type (``Variable`` or a tuple).
class _Forward1(Protocol):
    def forward(self, x0: Array, /) -> Array: ...


class _Forward2(Protocol):
    def forward(self, x0: Array, x1: Array, /) -> Array: ...


class _Forward3(Protocol):
    def forward(self, x0: Array, x1: Array, x2: Array, /) -> Array: ...


class _Forward4(Protocol):
    def forward(self, x0: Array, x1: Array, x2: Array, x3: Array, /) -> Array: ...


class _Forward1To2(Protocol):
    def forward(self, x0: Array, /) -> tuple[Array, Array]: ...


class _Forward2To2(Protocol):
    def forward(self, x0: Array, x1: Array, /) -> tuple[Array, Array]: ...


class _Forward1To3(Protocol):
    def forward(self, x0: Array, /) -> tuple[Array, Array, Array]: ...


class _ForwardN(Protocol):
    def forward(self, *xs: Array) -> Array: ...


class Function(Generic[*Ins]):
    """Base class of ops; see the module docstring for what a subclass writes."""

    __slots__ = ("__weakref__", "_output_specs", "generation", "inputs", "outputs")

    inputs: tuple[Variable, ...]
    outputs: tuple[weakref.ref[Variable], ...]
    generation: int

    # Set per subclass by __init_subclass__: which backward forms the op wrote.
    has_array_backward: ClassVar[bool] = False
    has_graph_backward: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.has_array_backward = cls.backward_array is not Function.backward_array
        cls.has_graph_backward = cls.backward is not Function.backward

    # -- what an op writes --------------------------------------------------------------------

    def forward(self, *xs: *Ins) -> Array | tuple[Array, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def backward_array(self, *gys: Any, **kwargs: Any) -> Array | tuple[Array | None, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define backward_array()")

    def backward(self, *gys: Any, **kwargs: Any) -> Variable | tuple[Variable | None, ...]:
        raise NotImplementedError(
            f"{type(self).__name__} has no differentiable backward(); it supports first-order "
            "gradients only, so backward(create_graph=True) cannot pass through it"
        )

    def needs_grad(self, index: int) -> bool:
        """Whether input ``index`` wants a gradient (constants, such as a data batch, do not).

        Ops whose gradient for one input is expensive skip it when this is False and return
        ``None`` in its place.
        """
        return not self.inputs[index]._constant

    # -- calling ------------------------------------------------------------------------------

    @overload
    def __call__(self: _Forward1, x0: Operand, /) -> Variable: ...
    @overload
    def __call__(self: _Forward2, x0: Operand, x1: Operand, /) -> Variable: ...
    @overload
    def __call__(self: _Forward3, x0: Operand, x1: Operand, x2: Operand, /) -> Variable: ...
    @overload
    def __call__(
        self: _Forward4, x0: Operand, x1: Operand, x2: Operand, x3: Operand, /
    ) -> Variable: ...
    @overload
    def __call__(self: _Forward1To2, x0: Operand, /) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(self: _Forward2To2, x0: Operand, x1: Operand, /) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(self: _Forward1To3, x0: Operand, /) -> tuple[Variable, Variable, Variable]: ...
    @overload
    def __call__(self: _ForwardN, *inputs: Operand) -> Variable: ...

    def __call__(self, *inputs: Operand) -> Variable | tuple[Variable, ...]:
        outputs = self.apply(*inputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def apply(self, *inputs: Operand) -> tuple[Variable, ...]:
        """Run the op and return its outputs as a tuple, whatever their number."""
        variables = tuple(
            [x if isinstance(x, Variable) else _constant(self, x, inputs) for x in inputs]
        )
        ys = self.forward(*[v.data for v in variables])  # type: ignore[arg-type]  # Ins are arrays
        if isinstance(ys, tuple):
            datas = tuple([_checked_output(self, y) for y in ys])
        else:
            datas = (_checked_output(self, ys),)
        outputs = tuple([Variable._wrap(y) for y in datas])
        if _enable_backprop.get():
            self._link(variables, outputs)
        return outputs

    def _link(self, inputs: tuple[Variable, ...], outputs: tuple[Variable, ...]) -> None:
        """Record the graph: inputs strongly, outputs weakly (so dropped graphs free)."""
        generation = inputs[0].generation if len(inputs) == 1 else _max_generation(inputs)
        self.generation = generation
        self.inputs = inputs
        for y in outputs:
            y.creator = self
            y.generation = generation + 1
        self.outputs = tuple([weakref.ref(y) for y in outputs])
        if len(outputs) > 1:
            self._output_specs = tuple([(y.data.shape, y.data.dtype) for y in outputs])

    def output_spec(self, index: int) -> tuple[tuple[int, ...], np.dtype[Any]]:
        """Shape and dtype of output ``index`` (used to fill in gradients of unused outputs)."""
        if len(self.outputs) == 1:
            raise IndexError("output_spec is recorded for multi-output ops only")
        return self._output_specs[index]


def _max_generation(inputs: tuple[Variable, ...]) -> int:
    return max([x.generation for x in inputs]) if inputs else 0


def _constant(func: AnyFunction, x: object, inputs: tuple[object, ...]) -> Variable:
    """Wrap a non-Variable input; it is a constant and gets no gradient."""
    if isinstance(x, np.ndarray):
        check_array(x, f"{type(func).__name__} input")
        return Variable._wrap(x, constant=True)
    if isinstance(x, (*_PY_NUMBERS, np.number, np.bool_)):
        return Variable._wrap(np.asarray(x, dtype=_dtype_for_number(x, inputs)), constant=True)
    raise TypeError(
        f"{type(func).__name__} takes Variables, numpy.ndarrays and numbers, got {type(x).__name__}"
    )


def _dtype_for_number(x: object, inputs: tuple[object, ...]) -> np.dtype[Any] | None:
    """A Python float joins the floating dtype of the other inputs, as NumPy's own scalars do."""
    if not isinstance(x, _PY_NUMBERS):
        return None
    for other in inputs:
        data = other.data if isinstance(other, Variable) else other
        if isinstance(data, np.ndarray) and data.dtype.kind == "f":
            dtype: np.dtype[Any] = data.dtype
            return dtype
    return None


def _checked_output(func: AnyFunction, y: object) -> Array:
    if type(y) is np.ndarray:
        return y
    if isinstance(y, np.generic):  # 0-d arithmetic gives NumPy scalars; keep ndarrays throughout
        return np.asarray(y)
    if isinstance(y, np.ndarray):
        return y
    raise TypeError(
        f"{type(func).__name__}.forward returned {type(y).__name__}; it must return a "
        "numpy.ndarray or a tuple of them"
    )
