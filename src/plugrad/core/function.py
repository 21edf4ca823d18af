"""``Function``: the base of every differentiable op.

An op subclasses ``Function[Array, ...]`` (one ``Array`` per input), writes ``forward`` on
ndarrays, and writes its derivative once, as ``vjp``.  The rule's arguments are the op's inputs,
then its outputs if the op declares ``retains_outputs = True``, then one gradient per output;
it returns one gradient per input (a bare value for a one-input op), or ``None`` for an input
that needs none (see ``needs_grad``)::

    class Sin(Function[Array], name="sin"):
        '''y = sin(x);  dy/dx = cos(x)'''

        def forward(self, x: Array) -> Array:
            return np.sin(x)

        def vjp(self, x: V, gy: V) -> V:
            return gy * Cos().of(x)

The engine runs that one rule two ways.  For first-order gradients it passes ndarrays: the
rule's arithmetic is NumPy's, ``Cos().of(x)`` is ``Cos().forward(x)``, no Variable is made and
nothing is recorded.  Under ``backward(create_graph=True)`` it passes Variables: the same lines
record ops, so the gradient can be differentiated again.  ``V`` (``plugrad.typing``) is a
constrained type variable, so mypy checks the rule once per kind.

Ops written DeZero's way, with ``backward(*gys)`` on Variables reading ``self.inputs`` and
``self.outputs``, keep working: the engine wraps their gradients in Variables for them.

The graph stores, per recorded op, the ``Function`` and its output ``Variable``s and nothing
else the cyclic garbage collector has to walk: a one-input op keeps its input without a tuple,
output values it retains are plain arrays, and the backward walk finds a value's gradient by
its creator (no weak references).
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Final,
    Generic,
    Protocol,
    TypeVarTuple,
    Unpack,
    overload,
)

import numpy as np

from plugrad.core.config import _enable_backprop
from plugrad.core.describe import describe
from plugrad.core.spec import OpOptions, OpSpec, check_options
from plugrad.core.variable import StandIn, Variable, check_array
from plugrad.typing import AnyFunction, Array, Operand, Shape, V

Ins = TypeVarTuple("Ins")

_new_variable: Final = object.__new__  # Variable without __init__'s checks, on the hot path
_ndarray: Final = np.ndarray
_generic: Final = np.generic
_asarray: Final = np.asarray

# Python numbers, which adopt the dtype of the op's other inputs (so float32 stays float32).
_PY_NUMBERS: Final = (float, int)


# The shapes of ``forward`` that ``__call__`` and ``of`` know: 1 to 6 inputs, 1 to 4 outputs,
# and any number of inputs to one output.  Positional-only, so ops name their parameters
# freely; each gives callers an exact result type (``Variable`` or a tuple of them).  The
# table costs nothing at run time: the protocols exist for the checkers only (creating them
# would add milliseconds to ``import plugrad``), and only the implementation below the
# overloads runs.


if TYPE_CHECKING:

    class _Forward1(Protocol):
        def forward(self, x0: Array, /) -> Array: ...

    class _Forward2(Protocol):
        def forward(self, x0: Array, x1: Array, /) -> Array: ...

    class _Forward3(Protocol):
        def forward(self, x0: Array, x1: Array, x2: Array, /) -> Array: ...

    class _Forward4(Protocol):
        def forward(self, x0: Array, x1: Array, x2: Array, x3: Array, /) -> Array: ...

    class _Forward5(Protocol):
        def forward(self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, /) -> Array: ...

    class _Forward6(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, x5: Array, /
        ) -> Array: ...

    class _Forward1To2(Protocol):
        def forward(self, x0: Array, /) -> tuple[Array, Array]: ...

    class _Forward2To2(Protocol):
        def forward(self, x0: Array, x1: Array, /) -> tuple[Array, Array]: ...

    class _Forward3To2(Protocol):
        def forward(self, x0: Array, x1: Array, x2: Array, /) -> tuple[Array, Array]: ...

    class _Forward4To2(Protocol):
        def forward(self, x0: Array, x1: Array, x2: Array, x3: Array, /) -> tuple[Array, Array]: ...

    class _Forward5To2(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, /
        ) -> tuple[Array, Array]: ...

    class _Forward6To2(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, x5: Array, /
        ) -> tuple[Array, Array]: ...

    class _Forward1To3(Protocol):
        def forward(self, x0: Array, /) -> tuple[Array, Array, Array]: ...

    class _Forward2To3(Protocol):
        def forward(self, x0: Array, x1: Array, /) -> tuple[Array, Array, Array]: ...

    class _Forward3To3(Protocol):
        def forward(self, x0: Array, x1: Array, x2: Array, /) -> tuple[Array, Array, Array]: ...

    class _Forward4To3(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, /
        ) -> tuple[Array, Array, Array]: ...

    class _Forward5To3(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, /
        ) -> tuple[Array, Array, Array]: ...

    class _Forward6To3(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, x5: Array, /
        ) -> tuple[Array, Array, Array]: ...

    class _Forward1To4(Protocol):
        def forward(self, x0: Array, /) -> tuple[Array, Array, Array, Array]: ...

    class _Forward2To4(Protocol):
        def forward(self, x0: Array, x1: Array, /) -> tuple[Array, Array, Array, Array]: ...

    class _Forward3To4(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, /
        ) -> tuple[Array, Array, Array, Array]: ...

    class _Forward4To4(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, /
        ) -> tuple[Array, Array, Array, Array]: ...

    class _Forward5To4(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, /
        ) -> tuple[Array, Array, Array, Array]: ...

    class _Forward6To4(Protocol):
        def forward(
            self, x0: Array, x1: Array, x2: Array, x3: Array, x4: Array, x5: Array, /
        ) -> tuple[Array, Array, Array, Array]: ...

    class _ForwardN(Protocol):
        def forward(self, *xs: Array) -> Array: ...


class Function(Generic[*Ins]):
    """Base class of ops; see the module docstring for what a subclass writes."""

    # _inputs: the input Variable of a one-input op, else the tuple of inputs.
    # _y: the output array (a tuple of them for several outputs) when the op retains its
    #     outputs; for several outputs that it does not retain, their (shape, dtype) pairs.
    __slots__ = ("__weakref__", "_inputs", "_y", "generation")

    _inputs: Variable | tuple[Variable, ...]
    _y: Array | tuple[Array, ...] | tuple[tuple[Shape, np.dtype[Any]], ...] | None
    generation: int

    # What the op's rule reads, declared by the op (Chainer's retain_inputs and
    # retain_outputs).  ``retains_outputs = True`` keeps the output values and hands them to
    # ``vjp`` after the inputs.  ``retains_inputs = False`` says the rule reads only its
    # inputs' shapes and dtypes: a large intermediate input is then held as a data-free
    # stand-in, so its memory goes as soon as the program drops it (as hand-written NumPy's
    # would).  The test kit checks both declarations.
    retains_inputs: ClassVar[bool] = True
    retains_outputs: ClassVar[bool] = False

    # ``takes_scalars = True`` lets ``forward`` and the array rule receive 0-d values as NumPy
    # scalars (``np.float64``) rather than 0-d arrays: NumPy computes scalar arithmetic 5-10x
    # faster, which is most of an op's cost on scalar graphs.  For ops whose code uses only
    # arithmetic and ufuncs (no item assignment, no ``out=``); outputs are ndarrays either way.
    # The test kit checks that scalars and 0-d arrays give the same results.
    takes_scalars: ClassVar[bool] = False

    # Which derivative forms the class wrote (set by __init_subclass__).
    has_vjp: ClassVar[bool] = False  # the one rule, ``vjp``
    has_vjp_array: ClassVar[bool] = False  # an array-only first-order form, where it pays
    has_backward: ClassVar[bool] = False  # DeZero's Variable-level ``backward``
    # The first-order rule the engine calls on ndarrays: ``vjp_array`` if written, else ``vjp``.
    has_array_rule: ClassVar[bool] = False

    # What the class declared (``class Add(Function[...], name="add", samples=...)``).
    op_name: ClassVar[str | None] = None
    _options: ClassVar[OpOptions | None] = None
    _spec: ClassVar[OpSpec | None] = None

    def __init_subclass__(cls, **options: Unpack[OpOptions]) -> None:
        super().__init_subclass__()
        base: type[AnyFunction] = Function  # a bare ``Function`` is ``Function[Unknown]``
        cls.has_vjp = cls.vjp is not base.vjp
        cls.has_vjp_array = cls.vjp_array is not base.vjp_array
        cls.has_backward = cls.backward is not base.backward
        cls.has_array_rule = cls.has_vjp or cls.has_vjp_array
        if cls.has_vjp_array:
            cls.array_rule = cls.vjp_array  # type: ignore[method-assign]  # chosen once per class
        elif cls.has_vjp:
            cls.array_rule = cls.vjp  # type: ignore[method-assign]  # chosen once per class
        if not cls.has_vjp and cls.has_backward and "retains_outputs" not in vars(cls):
            # DeZero-style ops read ``self.outputs`` whenever they like: keep the values.
            cls.retains_outputs = True
        # A declaration belongs to the class that states it, not to its subclasses.
        cls._spec = None
        cls._options = None
        cls.op_name = None
        if options:
            check_options(cls, options)
            cls._options = options
            cls.op_name = options.get("name")

    @classmethod
    def spec(cls) -> OpSpec:
        """The op's declaration with its arity and description (for the registry and kit)."""
        if cls._spec is None:
            if cls._options is None:
                raise TypeError(
                    f"{cls.__qualname__} declares no op name; write "
                    f"class {cls.__name__}(Function[...], name='...') to register it"
                )
            cls._spec = OpSpec.of(cls, cls._options)
        return cls._spec

    # -- what an op writes --------------------------------------------------------------------

    def forward(self, *xs: *Ins) -> Array | tuple[Array, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def vjp(self, *args: Any, **kwargs: Any) -> Any:
        """The derivative rule: inputs, retained outputs, output gradients -> input gradients."""
        raise NotImplementedError(f"{type(self).__name__} does not define vjp()")

    def vjp_array(self, *args: Any, **kwargs: Any) -> Any:
        """Optional: ``vjp`` hand-written for ndarrays only, used for first order when a
        benchmark shows it pays (the op's docstring names the measured gain)."""
        raise NotImplementedError(f"{type(self).__name__} does not define vjp_array()")

    def backward(self, *gys: Any, **kwargs: Any) -> Any:
        """DeZero's form: gradients as Variables, inputs read from ``self.inputs``."""
        raise NotImplementedError(f"{type(self).__name__} does not define backward()")

    def array_rule(self, *args: Any, **kwargs: Any) -> Any:
        """The rule for first order on ndarrays (set per class: ``vjp_array`` or ``vjp``)."""
        raise NotImplementedError(f"{type(self).__name__} defines no vjp")

    def needs_grad(self, index: int) -> bool:
        """Whether input ``index`` wants a gradient (constants, such as a data batch, do not).

        Ops whose gradient for one input is expensive skip it when this is False and return
        ``None`` in its place.
        """
        inputs = self._inputs
        x = inputs[index] if type(inputs) is tuple else inputs
        return not x._constant  # type: ignore[union-attr]  # a Variable either way

    # -- the graph (DeZero's attributes) ------------------------------------------------------

    @property
    def inputs(self) -> tuple[Variable, ...]:
        """The input Variables (stand-ins for large values the op does not read)."""
        inputs = self._inputs
        return inputs if type(inputs) is tuple else (inputs,)  # type: ignore[return-value]  # one input is held bare

    @inputs.setter
    def inputs(self, value: tuple[Variable, ...] | list[Variable]) -> None:
        self._inputs = value[0] if len(value) == 1 else tuple(value)

    @property
    def outputs(self) -> tuple[OutputRef, ...]:
        """One callable per output, as DeZero's weak references are: ``self.outputs[0]()``.

        Calling one gives a Variable with the output's value and place in the graph (its
        creator is this function), or ``None`` if the op does not retain its outputs.
        """
        return tuple([OutputRef(self, i) for i in range(self.output_count())])

    def output_count(self) -> int:
        y = self._y
        return len(y) if type(y) is tuple else 1

    def output_spec(self, index: int) -> tuple[tuple[int, ...], np.dtype[Any]]:
        """Shape and dtype of output ``index`` (to give an unused output a zero gradient)."""
        y = self._y
        if type(y) is not tuple:
            raise IndexError("output_spec is recorded for multi-output ops only")
        item = y[index]
        if isinstance(item, tuple):  # not retained: the (shape, dtype) recorded
            return item
        return item.shape, item.dtype

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
    def __call__(
        self: _Forward5, x0: Operand, x1: Operand, x2: Operand, x3: Operand, x4: Operand, /
    ) -> Variable: ...
    @overload
    def __call__(
        self: _Forward6,
        x0: Operand,
        x1: Operand,
        x2: Operand,
        x3: Operand,
        x4: Operand,
        x5: Operand,
        /,
    ) -> Variable: ...
    @overload
    def __call__(self: _Forward1To2, x0: Operand, /) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(self: _Forward2To2, x0: Operand, x1: Operand, /) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward3To2, x0: Operand, x1: Operand, x2: Operand, /
    ) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward4To2, x0: Operand, x1: Operand, x2: Operand, x3: Operand, /
    ) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward5To2, x0: Operand, x1: Operand, x2: Operand, x3: Operand, x4: Operand, /
    ) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward6To2,
        x0: Operand,
        x1: Operand,
        x2: Operand,
        x3: Operand,
        x4: Operand,
        x5: Operand,
        /,
    ) -> tuple[Variable, Variable]: ...
    @overload
    def __call__(self: _Forward1To3, x0: Operand, /) -> tuple[Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward2To3, x0: Operand, x1: Operand, /
    ) -> tuple[Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward3To3, x0: Operand, x1: Operand, x2: Operand, /
    ) -> tuple[Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward4To3, x0: Operand, x1: Operand, x2: Operand, x3: Operand, /
    ) -> tuple[Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward5To3, x0: Operand, x1: Operand, x2: Operand, x3: Operand, x4: Operand, /
    ) -> tuple[Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward6To3,
        x0: Operand,
        x1: Operand,
        x2: Operand,
        x3: Operand,
        x4: Operand,
        x5: Operand,
        /,
    ) -> tuple[Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward1To4, x0: Operand, /
    ) -> tuple[Variable, Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward2To4, x0: Operand, x1: Operand, /
    ) -> tuple[Variable, Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward3To4, x0: Operand, x1: Operand, x2: Operand, /
    ) -> tuple[Variable, Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward4To4, x0: Operand, x1: Operand, x2: Operand, x3: Operand, /
    ) -> tuple[Variable, Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward5To4, x0: Operand, x1: Operand, x2: Operand, x3: Operand, x4: Operand, /
    ) -> tuple[Variable, Variable, Variable, Variable]: ...
    @overload
    def __call__(
        self: _Forward6To4,
        x0: Operand,
        x1: Operand,
        x2: Operand,
        x3: Operand,
        x4: Operand,
        x5: Operand,
        /,
    ) -> tuple[Variable, Variable, Variable, Variable]: ...
    @overload
    def __call__(self: _ForwardN, *inputs: Operand) -> Variable: ...

    def __call__(self, *inputs: Operand) -> Variable | tuple[Variable, ...]:
        # The hot path of every op, so written for speed: the one-input, one-output case has
        # its own lines, and the graph is linked only when grad mode is on.
        if len(inputs) != 1:
            return self._call_many(inputs)
        x = inputs[0]
        if not isinstance(x, Variable):
            x = _constant(self, x, inputs)
        data = x.data
        if data is None:  # DeZero's placeholder Variable(None): one comparison, ~5 ns
            raise _no_data_error(self, 0)
        if self.takes_scalars and data.ndim == 0:
            data = data[()]
        ys = self.forward(data)  # type: ignore[arg-type]  # Ins is one array here
        if type(ys) is not _ndarray:
            if isinstance(ys, _generic):  # 0-d arithmetic gives NumPy scalars; keep ndarrays
                ys = _asarray(ys)
            elif type(ys) is tuple:
                return self._link_outputs((x,), ys)
            else:
                ys = _checked_output(self, ys)
        y = _new_variable(Variable)
        y.data = ys
        y.name = y._grad = None
        y._index = 0
        if _enable_backprop.get():
            # Made from constants only, it is a constant: the walk never goes behind it.
            y._constant = x._constant
            generation = x.generation
            self.generation = generation
            if (
                not self.retains_inputs
                and x.creator is not None
                and x.data.nbytes >= STAND_IN_MIN_BYTES
                and not x.creator.retains_outputs
            ):
                x = StandIn.of(x)
            self._inputs = x
            self._y = ys if self.retains_outputs else None
            y.creator = self
            y.generation = generation + 1
        else:
            y._constant = False
            y.creator = None
            y.generation = 0
        return y

    def _call_many(self, inputs: tuple[Operand, ...]) -> Variable | tuple[Variable, ...]:
        """``__call__`` for ops of several inputs (or none)."""
        variables: tuple[Variable, ...] = inputs  # type: ignore[assignment]  # checked next
        for x in inputs:
            if not isinstance(x, Variable):
                variables = _with_constants(self, inputs)
                break
        if len(variables) == 2:
            x0, x1 = variables
            d0, d1 = x0.data, x1.data
            if d0 is None or d1 is None:  # type: ignore[redundant-expr]  # Variable(None): ~10 ns
                raise _no_data_error(self, 0 if d0 is None else 1)
            if self.takes_scalars and d0.ndim == 0 and d1.ndim == 0:
                ys = self.forward(d0[()], d1[()])  # type: ignore[call-arg]  # Ins is two arrays here
            else:
                ys = self.forward(d0, d1)  # type: ignore[call-arg]  # Ins is two arrays here
        else:
            arrays: list[Array | None] = [v.data for v in variables]
            for index, array in enumerate(arrays):
                if array is None:
                    raise _no_data_error(self, index)
            ys = self.forward(*arrays)  # type: ignore[arg-type]  # arity checked at run time
        if type(ys) is not _ndarray:
            if isinstance(ys, _generic):
                ys = _asarray(ys)
            elif type(ys) is tuple:
                return self._link_outputs(variables, ys)
            else:
                ys = _checked_output(self, ys)
        y = _new_variable(Variable)
        y.data = ys
        y.name = y._grad = None
        y._index = 0
        if _enable_backprop.get():
            if len(variables) == 2:
                g0, g1 = x0.generation, x1.generation  # pyright: ignore[reportPossiblyUnboundVariable]  # bound above
                generation = g0 if g0 > g1 else g1
                y._constant = x0._constant and x1._constant  # pyright: ignore[reportPossiblyUnboundVariable]  # bound above
                if not self.retains_inputs and (
                    x0.data.nbytes >= STAND_IN_MIN_BYTES or x1.data.nbytes >= STAND_IN_MIN_BYTES  # pyright: ignore[reportPossiblyUnboundVariable]  # bound above
                ):
                    variables = _stand_ins_for_large(variables)
            else:
                generation = _generation_of(variables)
                y._constant = _all_constant(variables)
                if not self.retains_inputs:
                    variables = _stand_ins_for_large(variables)
            self.generation = generation
            self._inputs = variables if len(variables) != 1 else variables[0]
            self._y = ys if self.retains_outputs else None
            y.creator = self
            y.generation = generation + 1
        else:
            y._constant = False
            y.creator = None
            y.generation = 0
        return y

    def _link_outputs(
        self, inputs: tuple[Variable, ...], ys: tuple[object, ...]
    ) -> Variable | tuple[Variable, ...]:
        """The several-outputs case of ``__call__``: check, wrap and link every output."""
        arrays = tuple([_checked_output(self, y) for y in ys])
        outputs = tuple([Variable._wrap(y) for y in arrays])
        if _enable_backprop.get():
            generation = _generation_of(inputs)
            self.generation = generation
            if not self.retains_inputs:
                inputs = _stand_ins_for_large(inputs)
            self._inputs = inputs if len(inputs) != 1 else inputs[0]
            if len(arrays) == 1:
                self._y = arrays[0] if self.retains_outputs else None
            elif self.retains_outputs:
                self._y = arrays
            else:
                self._y = tuple([(y.shape, y.dtype) for y in arrays])
            constant = _all_constant(inputs)
            for index, y in enumerate(outputs):
                y._constant = constant
                y.creator = self
                y.generation = generation + 1
                y._index = index
        return outputs[0] if len(outputs) == 1 else outputs

    def apply(self, *inputs: Operand) -> tuple[Variable, ...]:
        """Run the op and return its outputs as a tuple, whatever their number."""
        # Any arity goes through the runtime path; the declared type is what it can return.
        outputs: Variable | tuple[Variable, ...] = self(*inputs)  # type: ignore[misc]
        return outputs if isinstance(outputs, tuple) else (outputs,)  # pyright: ignore[reportUnknownVariableType]  # the call is Unknown to pyright

    # -- inside derivative rules --------------------------------------------------------------

    @overload
    def of(self: _Forward1, x0: V, /) -> V: ...
    @overload
    def of(self: _Forward2, x0: V, x1: V, /) -> V: ...
    @overload
    def of(self: _Forward3, x0: V, x1: V, x2: V, /) -> V: ...
    @overload
    def of(self: _Forward4, x0: V, x1: V, x2: V, x3: V, /) -> V: ...
    @overload
    def of(self: _Forward5, x0: V, x1: V, x2: V, x3: V, x4: V, /) -> V: ...
    @overload
    def of(self: _Forward6, x0: V, x1: V, x2: V, x3: V, x4: V, x5: V, /) -> V: ...
    @overload
    def of(self: _Forward1To2, x0: V, /) -> tuple[V, V]: ...
    @overload
    def of(self: _Forward2To2, x0: V, x1: V, /) -> tuple[V, V]: ...
    @overload
    def of(self: _Forward3To2, x0: V, x1: V, x2: V, /) -> tuple[V, V]: ...
    @overload
    def of(self: _Forward4To2, x0: V, x1: V, x2: V, x3: V, /) -> tuple[V, V]: ...
    @overload
    def of(self: _Forward5To2, x0: V, x1: V, x2: V, x3: V, x4: V, /) -> tuple[V, V]: ...
    @overload
    def of(self: _Forward6To2, x0: V, x1: V, x2: V, x3: V, x4: V, x5: V, /) -> tuple[V, V]: ...
    @overload
    def of(self: _Forward1To3, x0: V, /) -> tuple[V, V, V]: ...
    @overload
    def of(self: _Forward2To3, x0: V, x1: V, /) -> tuple[V, V, V]: ...
    @overload
    def of(self: _Forward3To3, x0: V, x1: V, x2: V, /) -> tuple[V, V, V]: ...
    @overload
    def of(self: _Forward4To3, x0: V, x1: V, x2: V, x3: V, /) -> tuple[V, V, V]: ...
    @overload
    def of(self: _Forward5To3, x0: V, x1: V, x2: V, x3: V, x4: V, /) -> tuple[V, V, V]: ...
    @overload
    def of(self: _Forward6To3, x0: V, x1: V, x2: V, x3: V, x4: V, x5: V, /) -> tuple[V, V, V]: ...
    @overload
    def of(self: _Forward1To4, x0: V, /) -> tuple[V, V, V, V]: ...
    @overload
    def of(self: _Forward2To4, x0: V, x1: V, /) -> tuple[V, V, V, V]: ...
    @overload
    def of(self: _Forward3To4, x0: V, x1: V, x2: V, /) -> tuple[V, V, V, V]: ...
    @overload
    def of(self: _Forward4To4, x0: V, x1: V, x2: V, x3: V, /) -> tuple[V, V, V, V]: ...
    @overload
    def of(self: _Forward5To4, x0: V, x1: V, x2: V, x3: V, x4: V, /) -> tuple[V, V, V, V]: ...
    @overload
    def of(
        self: _Forward6To4, x0: V, x1: V, x2: V, x3: V, x4: V, x5: V, /
    ) -> tuple[V, V, V, V]: ...
    @overload
    def of(self: _ForwardN, *xs: V) -> V: ...

    def of(self, *xs: Any) -> Any:
        """The op applied to ``xs`` in the kind they come in, for use inside ``vjp`` rules.

        On ndarrays it is ``forward`` (an ndarray, no graph); if any input is a Variable it is
        a recorded call, as ``op(*xs)`` (a Variable).
        """
        for x in xs:
            if isinstance(x, Variable):
                return self(*xs)  # type: ignore[misc]  # any arity: checked at run time
        return self.forward(*xs)  # pyright: ignore[reportArgumentType]  # any arity, as above


class OutputRef:
    """``Function.outputs[i]``: called, it gives output ``i`` as a Variable (or ``None``)."""

    __slots__ = ("function", "index")

    function: AnyFunction
    index: int

    def __init__(self, function: AnyFunction, index: int) -> None:
        self.function = function
        self.index = index

    def __call__(self) -> Variable | None:
        func = self.function
        if not func.retains_outputs or not hasattr(func, "_y"):
            return None
        return output_variable(func, self.index)


def output_variable(func: AnyFunction, index: int) -> Variable:
    """Output ``index`` of ``func`` (which retains its outputs) as a Variable in the graph.

    It shares the original output's place: gradients that reach it are the output's.
    """
    y = func._y
    y_data = y[index] if type(y) is tuple else y
    v = Variable._wrap(y_data)  # type: ignore[arg-type]  # retained: arrays, not (shape, dtype)
    v.creator = func
    v.generation = func.generation + 1
    v._index = index
    return v


# Below this size a value is cheaper to keep than to replace by a stand-in.
STAND_IN_MIN_BYTES: Final = 1 << 16


def _stand_ins_for_large(inputs: tuple[Variable, ...]) -> tuple[Variable, ...]:
    """``inputs`` with each large intermediate value whose creator does not keep it replaced by
    a data-free stand-in (see ``Function.retains_inputs``)."""
    replaced = None
    for index, x in enumerate(inputs):
        if x.data.nbytes < STAND_IN_MIN_BYTES:
            continue
        creator = x.creator
        if creator is not None and not creator.retains_outputs:
            if replaced is None:
                replaced = list(inputs)
            replaced[index] = StandIn.of(x)
    return inputs if replaced is None else tuple(replaced)


def _all_constant(inputs: tuple[Variable, ...]) -> bool:
    for x in inputs:  # noqa: SIM110  # a plain loop: all() over a generator is slower here
        if not x._constant:
            return False
    return True


def _generation_of(inputs: tuple[Variable, ...]) -> int:
    """The newest generation among the inputs (the op's own generation)."""
    newest = 0
    for x in inputs:
        if x.generation > newest:
            newest = x.generation
    return newest


def _with_constants(func: AnyFunction, inputs: tuple[Operand, ...]) -> tuple[Variable, ...]:
    return tuple(
        [
            x if isinstance(x, Variable) else _constant(func, x, inputs, index)
            for index, x in enumerate(inputs)
        ]
    )


def _constant(
    func: AnyFunction, x: Operand, inputs: tuple[Operand, ...], index: int = 0
) -> Variable:
    """Wrap a non-Variable input (input ``index``); it is a constant and gets no gradient.

    ``x`` and ``inputs`` are typed as ``__call__`` declares them; untyped code passes anything,
    hence the checks.
    """
    if isinstance(x, np.ndarray):
        check_array(x, f"{_op_name(func)} input {index}")
        return Variable._wrap(x, constant=True)
    if isinstance(x, _PY_NUMBERS) and not isinstance(x, bool):
        return Variable._wrap(np.asarray(x, dtype=_dtype_for_number(x, inputs)), constant=True)
    if isinstance(x, np.number):
        data = np.asarray(x)
        check_array(data, f"{_op_name(func)} input {index}")  # refuses complex scalars
        return Variable._wrap(data, constant=True)
    raise TypeError(
        f"{_op_name(func)} takes Variables, numpy.ndarrays and numbers, {_not_an_operand(x)}"
    )


def _op_name(func: AnyFunction) -> str:
    """How input errors name the op: its registered name where it has one, else its class."""
    cls = type(func)
    return cls.op_name or cls.__name__


def _not_an_operand(x: object) -> str:
    """What was passed instead of an operand, and what to do about it."""
    if x is None:
        return "got None (a function that returned nothing, or an optional argument left out?)"
    if isinstance(x, complex):
        return f"got the complex number {x!r}; plugrad differentiates real functions only"
    name = type(x).__name__
    if isinstance(x, list | tuple):
        return f"got a {name}; wrap it with numpy.array(...) first"
    if isinstance(x, bool | np.bool_):  # an int to Python, but a mask is not a number
        return "got a bool; write 1.0 or 0.0 (or convert a mask with .astype(numpy.float64))"
    return f"got {name}"


def _no_data_error(func: AnyFunction, index: int) -> ValueError:
    return ValueError(
        f"{_op_name(func)}: input {index} is a Variable whose data is None (DeZero's "
        "placeholder Variable(None)); give it an array first (x.data = numpy.array(...))"
    )


def _dtype_for_number(x: object, inputs: tuple[Operand, ...]) -> np.dtype[Any] | None:
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
    """An output of ``forward`` that is not plainly an ndarray (or one of several outputs)."""
    array: Array  # declared: to pyright, ``isinstance`` leaves NumPy's classes generic over Unknown
    if isinstance(y, np.ndarray):
        array = y  # pyright: ignore[reportUnknownVariableType]  # ndarray[Unknown, Unknown]
    elif isinstance(y, np.generic):  # 0-d arithmetic gives NumPy scalars; keep ndarrays
        array = np.asarray(y)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]  # generic[Unknown]
    else:
        raise TypeError(
            f"{type(func).__name__}.forward returned {type(y).__name__}; it must return a "
            "numpy.ndarray or a tuple of them"
        )
    try:
        check_array(array, "an op's output")
    except TypeError as error:
        raise TypeError(
            f"{describe(func)}: forward returned an unusable output ({error})"
        ) from None
    return array
