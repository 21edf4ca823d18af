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

_new_variable: Final = object.__new__  # Variable without __init__'s checks, on the hot path

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

    # What the op's backward reads, declared by the op (Chainer's retain_inputs and
    # retain_outputs).  An op whose backward needs only its inputs' shapes and dtypes sets
    # ``retains_inputs = False``; one that never reads ``self.outputs`` sets
    # ``retains_outputs = False``.  When a large intermediate value goes from an op that does
    # not retain its outputs to one that does not retain its inputs, the graph holds a
    # stand-in of the right shape and no data, so the value's memory is freed as soon as the
    # program drops it (as hand-written NumPy would).  Both default to True, which is always
    # correct; the test kit checks that an op declaring False reads nothing it should not.
    retains_inputs: ClassVar[bool] = True
    retains_outputs: ClassVar[bool] = True

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
        # The hot path of every op, so written for speed: no per-call comprehensions for the
        # common one-output case, and the graph is linked only when grad mode is on.
        variables = inputs
        for x in inputs:
            if not isinstance(x, Variable):
                variables = _with_constants(self, inputs)
                break
        if len(variables) == 1:
            ys = self.forward(variables[0].data)  # type: ignore[arg-type, union-attr]
        else:
            ys = self.forward(*[v.data for v in variables])  # type: ignore[arg-type, union-attr]
        if type(ys) is tuple:
            outputs = self._wrap_outputs(variables, ys)  # type: ignore[arg-type]
            return outputs[0] if len(outputs) == 1 else outputs
        if type(ys) is not np.ndarray:
            # 0-d arithmetic gives NumPy scalars; keep ndarrays throughout
            ys = np.asarray(ys) if isinstance(ys, np.generic) else _checked_output(self, ys)
        y = _new_variable(Variable)
        y.data = ys
        y.name = y.grad = y.creator = None
        y._constant = False
        if _enable_backprop.get():
            generation = _generation_of(variables)  # type: ignore[arg-type]
            self.generation = generation
            if not self.retains_inputs and (
                len(variables) > 1 or variables[0].data.nbytes >= STAND_IN_MIN_BYTES  # type: ignore[union-attr]
            ):
                variables = _stand_ins_for_large(variables)  # type: ignore[arg-type]
            self.inputs = variables  # type: ignore[assignment]  # all Variables by now
            y.creator = self
            y.generation = generation + 1
            y._ref = ref = weakref.ref(y)
            self.outputs = (ref,)
        else:
            y.generation = 0
            y._ref = None
        return y

    def apply(self, *inputs: Operand) -> tuple[Variable, ...]:
        """Run the op and return its outputs as a tuple, whatever their number."""
        # Any arity goes through the runtime path; the declared type is what it can return.
        outputs: Variable | tuple[Variable, ...] = self(*inputs)  # type: ignore[misc]
        return outputs if isinstance(outputs, tuple) else (outputs,)

    def _wrap_outputs(
        self, inputs: tuple[Variable, ...], ys: tuple[object, ...]
    ) -> tuple[Variable, ...]:
        """The several-outputs case of ``__call__``: check, wrap and link every output."""
        outputs = tuple([Variable._wrap(_checked_output(self, y)) for y in ys])
        if _enable_backprop.get():
            generation = _generation_of(inputs)
            self.generation = generation
            self.inputs = inputs if self.retains_inputs else _stand_ins_for_large(inputs)
            for y in outputs:
                y.creator = self
                y.generation = generation + 1
                y._ref = weakref.ref(y)
            self.outputs = tuple([y._ref for y in outputs])  # type: ignore[misc]  # set above
            self._output_specs = tuple([(y.data.shape, y.data.dtype) for y in outputs])
        return outputs

    def output_spec(self, index: int) -> tuple[tuple[int, ...], np.dtype[Any]]:
        """Shape and dtype of output ``index`` (used to fill in gradients of unused outputs)."""
        if len(self.outputs) == 1:
            raise IndexError("output_spec is recorded for multi-output ops only")
        return self._output_specs[index]


# Below this size a value is cheaper to keep than to replace by a stand-in.
STAND_IN_MIN_BYTES: Final = 1 << 16


def _stand_ins_for_large(inputs: tuple[Variable, ...]) -> tuple[Variable, ...]:
    """``inputs`` with each large intermediate value whose creator does not read it replaced by
    a data-free stand-in (see ``Function.retains_inputs``)."""
    replaced = None
    for index, x in enumerate(inputs):
        creator = x.creator
        if (
            creator is not None
            and not creator.retains_outputs
            and x._ref is not None
            and x.data.nbytes >= STAND_IN_MIN_BYTES
        ):
            if replaced is None:
                replaced = list(inputs)
            replaced[index] = stand_in(x)
    return inputs if replaced is None else tuple(replaced)


def stand_in(x: Variable) -> Variable:
    """A Variable with ``x``'s place in the graph, shape and dtype, but no data of its own.

    Its ``data`` is a read-only zero-stride view of one zero, so shape-only backward code
    works unchanged.  It shares ``x``'s key in the backward walk (the creator's weak reference
    to ``x``), whose hash is taken now, while ``x`` is alive, for use after ``x`` is gone.
    """
    ref = x._ref
    if ref is None:
        raise ValueError("stand_in() needs a value with a creator")
    hash(ref)
    s: Variable = _new_variable(Variable)
    s.data = np.broadcast_to(np.zeros((), dtype=x.data.dtype), x.data.shape)
    s.name = x.name
    s.grad = None
    s.creator = x.creator
    s.generation = x.generation
    s._constant = x._constant
    s._ref = ref
    return s


def _generation_of(inputs: tuple[Variable, ...]) -> int:
    """The newest generation among the inputs (the op's own generation)."""
    if len(inputs) == 1:
        return inputs[0].generation
    if len(inputs) == 2:
        g0, g1 = inputs[0].generation, inputs[1].generation
        return g0 if g0 > g1 else g1
    return max([x.generation for x in inputs]) if inputs else 0


def _with_constants(func: AnyFunction, inputs: tuple[object, ...]) -> tuple[Variable, ...]:
    return tuple([x if isinstance(x, Variable) else _constant(func, x, inputs) for x in inputs])


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
