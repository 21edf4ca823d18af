"""``check_op``: everything the kit checks about one op, sample by sample.

For each sample, in float64: forward leaves its inputs alone and matches the sample's reference
(computed from a pristine copy of the inputs); the derivative rule, called as the engine calls
it for first order, leaves the gradients it is handed (and any retained outputs) alone and
returns one gradient per input with the input's shape and dtype; the one rule gives the same
first-order gradients on the array path (``y.backward()``) and on the Variable path
(``y.backward(create_graph=True)``); those match central differences along random directions
(and element by element for small inputs); and, where the op declares ``double_backward``,
the gradient of <grad(w), u> matches central differences of the first-order gradient.  An op
that declares ``retains_inputs = False`` must give the same gradients when its rule is handed
NaN-filled inputs (an op that does not retain its outputs is never handed them, so there is
nothing to check).  An op that declares ``takes_scalars`` must compute the same from NumPy
scalars as from 0-d arrays.  Then in float32: outputs and gradients, on both paths, stay float32.
Inputs that are not floating (labels, indices) go in as constants and are not differentiated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from plugrad.core.config import no_grad, using_config
from plugrad.core.function import Function
from plugrad.core.spec import VARIADIC, forward_arity
from plugrad.core.variable import Variable
from plugrad.plugin import Sample, SampleFactory
from plugrad.registry import OpRecord, Registry, active_registry
from plugrad.testing import _numeric
from plugrad.testing._errors import OpCheckError
from plugrad.typing import Array, V

if TYPE_CHECKING:
    from plugrad.typing import AnyFunction

# Inputs up to this many elements in all also get an element-by-element gradient check.
_ELEMENTWISE_LIMIT = 32


@dataclass(frozen=True)
class Tolerances:
    """How closely analytic and numerical values must agree (``|a - n| <= atol + rtol*max``)."""

    rtol: float = 1e-4
    atol: float = 1e-6
    eps: float = 1e-6  # central-difference step
    forward_rtol: float = 1e-6  # forward vs the sample's reference
    forward_atol: float = 1e-9
    paths_rtol: float = 1e-6  # the array path vs the Variable path (the same arithmetic)
    paths_atol: float = 1e-9


@dataclass(frozen=True)
class Target:
    """The op under test and what the kit needs to know about it."""

    label: str  # for messages: name, class and plugin
    cls: type[AnyFunction]
    arity: int
    double_backward: bool


def check_op(
    op: str | type[AnyFunction] | OpRecord,
    samples: Sequence[Sample] | SampleFactory | None = None,
    *,
    double_backward: bool | None = None,
    seed: int = 0,
    directions: int = 2,
    tolerances: Tolerances | None = None,
    registry: Registry | None = None,
) -> None:
    """Run every check on ``op`` (a registered name, an op class, or a registry record).

    ``samples`` defaults to the ones the op declared; ``double_backward`` to what it declared
    (for a class without a name: True if it has a rule the engine can differentiate).
    Raises ``OpCheckError`` (an ``AssertionError``) naming the op, the check and the values.
    """
    target, declared = _target(op, registry or active_registry(), double_backward)
    rng = np.random.default_rng(seed)
    chosen = samples if samples is not None else declared
    if chosen is None:
        raise OpCheckError(
            target.label,
            "samples",
            "",
            "no samples: declare the op with samples=... or pass samples to check_op",
        )
    drawn = list(chosen(rng) if callable(chosen) else chosen)
    if not drawn:
        raise OpCheckError(target.label, "samples", "", "the sample factory returned no samples")
    with using_config("enable_backprop", True):
        for sample in drawn:
            _SampleCheck(target, sample, rng, tolerances or Tolerances(), directions).run()


def _target(
    op: str | type[AnyFunction] | OpRecord, registry: Registry, double_backward: bool | None
) -> tuple[Target, SampleFactory | None]:
    record: OpRecord | None
    if isinstance(op, OpRecord):
        record = op
    elif isinstance(op, str):
        record = registry.record(op)
    else:
        record = next((r for r in registry.ops() if r.spec.function is op), None)
    if record is not None:
        spec = record.spec
        label = f"op {spec.name!r} ({spec.function.__name__}) from {record.origin}"
        declared = spec.double_backward if double_backward is None else double_backward
        return Target(label, spec.function, spec.arity, declared), spec.samples
    cls: object = op
    if not (isinstance(cls, type) and issubclass(cls, Function)):
        raise TypeError(
            f"check_op takes an op name, a Function subclass or an OpRecord, got {op!r}"
        )
    if cls.op_name is not None:  # declared, but not in this registry
        spec = cls.spec()
        declared = spec.double_backward if double_backward is None else double_backward
        label = f"op {spec.name!r} ({cls.__name__}, unregistered)"
        return Target(label, cls, spec.arity, declared), spec.samples
    if double_backward is None:
        double_backward = _has_variable_rule(cls)
    return Target(
        f"op {cls.__name__} (unregistered)", cls, forward_arity(cls), double_backward
    ), None


def _has_variable_rule(cls: type[AnyFunction]) -> bool:
    """Whether the engine can run the op's derivative on Variables (create_graph=True)."""
    return cls.has_vjp or cls.has_backward


@dataclass(frozen=True)
class _Run:
    """One call of the op: what it was handed and what it gave."""

    func: AnyFunction
    given: tuple[Array, ...]  # the inputs asked for, never handed to the op
    arrays: tuple[Array, ...]  # the copies of them that the op got
    leaves: tuple[Variable | None, ...]  # the Variable made of each floating input
    outputs: tuple[Variable, ...]

    @property
    def ys(self) -> tuple[Array, ...]:
        return tuple(y.data for y in self.outputs)


class _SampleCheck:
    """The checks for one sample; each method raises ``OpCheckError`` on the first problem."""

    def __init__(
        self,
        target: Target,
        sample: Sample,
        rng: np.random.Generator,
        tol: Tolerances,
        directions: int,
    ) -> None:
        self.target = target
        self.sample = sample
        self.rng = rng
        self.tol = tol
        self.directions = directions
        # Floating inputs are checked in float64 whatever the sample gave.  These arrays are
        # never handed to the op (``call`` copies them), so they stay pristine.
        self.xs = tuple(
            x.astype(np.float64) if _numeric.is_floating(x) else x.copy()
            for x in (np.asarray(x) for x in sample.inputs)
        )
        self.floating = tuple(_numeric.is_floating(x) for x in self.xs)

    def fail(self, check: str, details: str) -> OpCheckError:
        return OpCheckError(self.target.label, check, self.sample.label, details)

    def run(self) -> None:
        try:
            self.run_checks()
        except OpCheckError:
            raise
        except Exception as exc:  # the op itself raised: name it, keep the traceback
            raise self.fail("exception", f"{type(exc).__name__}: {exc}") from exc

    def run_checks(self) -> None:
        self.check_arity()
        self.check_scalars()
        run = self.call(self.xs)
        self.check_unchanged(run, "forward")
        self.check_output_dtypes(run.ys, np.dtype(np.float64))
        self.check_reference(run.ys)
        ws = tuple(self.random_like(y) for y in run.ys)
        gxs = self.rule_gradients(run, ws)
        self.check_paths(ws)
        self.check_gradient(ws, gxs)
        self.check_retention(ws, gxs)
        if self.target.double_backward:
            self.check_double_backward(ws)
        self.check_float32()

    # -- calling the op -----------------------------------------------------------------------

    def make(self) -> AnyFunction:
        func = self.sample.make() if self.sample.make is not None else self.target.cls()
        if not isinstance(func, self.target.cls):
            raise self.fail(
                "make",
                f"the sample's make() built {type(func).__name__}, not {self.target.cls.__name__}",
            )
        return func

    def call(self, xs: Sequence[Array]) -> _Run:
        """Run the op on copies of ``xs``, floating inputs as Variables, the rest as constants."""
        given = tuple(xs)
        arrays = tuple(x.copy() for x in given)
        leaves = tuple(
            Variable(x) if f else None for x, f in zip(arrays, self.floating, strict=True)
        )
        inputs = [x if v is None else v for x, v in zip(arrays, leaves, strict=True)]
        func = self.make()
        return _Run(func, given, arrays, leaves, func.apply(*inputs))

    def forward_arrays(self, xs: Sequence[Array]) -> tuple[Array, ...]:
        ys = self.make().forward(*xs)
        return tuple(np.asarray(y) for y in ys) if isinstance(ys, tuple) else (np.asarray(ys),)

    def random_like(self, y: Array) -> Array:
        if not _numeric.is_floating(y):
            return np.zeros_like(y)
        return np.asarray(self.rng.standard_normal(y.shape), dtype=y.dtype)

    def random_directions(self) -> list[Array | None]:
        return [
            np.asarray(self.rng.standard_normal(x.shape)) if f else None
            for x, f in zip(self.xs, self.floating, strict=True)
        ]

    def backprop(
        self, xs: Sequence[Array], ws: Sequence[Array], *, create_graph: bool
    ) -> tuple[_Run, list[Variable | None]]:
        """The engine's gradients of <w, op(xs)>: ``backward()`` or with ``create_graph``."""
        run = self.call(xs)
        weights = [w if _numeric.is_floating(w) else None for w in ws]
        _Projection(weights)(*run.outputs).backward(create_graph=create_graph)
        return run, [None if v is None else v.grad for v in run.leaves]

    # -- forward ------------------------------------------------------------------------------

    def check_arity(self) -> None:
        arity = self.target.arity
        if arity != VARIADIC and len(self.xs) != arity:
            raise self.fail(
                "arity",
                f"the op's forward takes {arity} input(s), the sample has {len(self.xs)}",
            )

    def check_output_dtypes(self, ys: Sequence[Array], expected: np.dtype[np.floating]) -> None:
        for index, y in enumerate(ys):
            if _numeric.is_floating(y) and y.dtype != expected:
                raise self.fail(
                    "dtype",
                    f"output {index} is {y.dtype} for {expected} inputs; a "
                    f"{expected} graph must stay {expected}",
                )

    def check_scalars(self) -> None:
        """An op declaring ``takes_scalars`` computes the same from NumPy scalars as from 0-d
        arrays: the engine hands it scalars for 0-d values."""
        if not self.target.cls.takes_scalars or any(x.ndim != 0 for x in self.xs):
            return
        from_arrays = self.forward_arrays([x.copy() for x in self.xs])
        try:
            from_scalars = self.forward_arrays([x[()] for x in self.xs])
        except Exception as exc:
            raise self.fail(
                "scalars",
                f"declares takes_scalars = True, but forward fails on NumPy scalars: "
                f"{type(exc).__name__}: {exc}",
            ) from exc
        for index, (y, z) in enumerate(zip(from_arrays, from_scalars, strict=True)):
            if not np.allclose(y, z, rtol=1e-12, atol=0.0, equal_nan=True):
                raise self.fail(
                    "scalars",
                    f"output {index}: {z!r} from NumPy scalars, {y!r} from 0-d arrays",
                )

    def check_reference(self, ys: Sequence[Array]) -> None:
        reference = self.sample.reference
        if reference is None:
            return
        expected = reference(*[x.copy() for x in self.xs])
        wanted = expected if isinstance(expected, tuple) else (expected,)
        if len(wanted) != len(ys):
            raise self.fail(
                "output_count", f"forward gave {len(ys)} output(s), the reference {len(wanted)}"
            )
        for index, (y, want) in enumerate(zip(ys, wanted, strict=True)):
            want = np.asarray(want)
            if y.shape != want.shape:
                raise self.fail(
                    "forward_shape",
                    f"output {index} has shape {y.shape}, the reference {want.shape}",
                )
            if not np.allclose(y, want, rtol=self.tol.forward_rtol, atol=self.tol.forward_atol):
                raise self.fail("forward", f"output {index}:\n{y}\nreference:\n{want}")

    def check_unchanged(self, run: _Run, when: str) -> None:
        for index, (x, original) in enumerate(zip(run.arrays, run.given, strict=True)):
            if x.dtype != original.dtype or not np.array_equal(x, original, equal_nan=True):
                raise self.fail(
                    "mutation", f"{when} changed input {index} in place:\nnow {x}\nwas {original}"
                )

    # -- first order --------------------------------------------------------------------------

    def rule_gradients(self, run: _Run, ws: tuple[Array, ...]) -> list[Array | None]:
        """The rule called as the engine's array path calls it, checked for arity, type, shape
        and dtype; neither the gradients it is handed nor the inputs and retained outputs it
        reads may change."""
        func = run.func
        kept_ws = [w.copy() for w in ws]
        kept_ys = [y.copy() for y in run.ys]
        form, raw = _array_rule(func, [x.data for x in func.inputs], run.ys, ws)
        for index, (w, before) in enumerate(zip(ws, kept_ws, strict=True)):
            if not np.array_equal(w, before, equal_nan=True):
                raise self.fail("mutation", f"{form} changed output gradient {index} in place")
        self.check_unchanged(run, form)
        if func.retains_outputs:
            for index, (y, before) in enumerate(zip(run.ys, kept_ys, strict=True)):
                if not np.array_equal(y, before, equal_nan=True):
                    raise self.fail("mutation", f"{form} changed output {index} in place")
        return self.gradients(form, raw, run.arrays)

    def gradients(self, form: str, raw: object, xs: Sequence[Array]) -> list[Array | None]:
        gxs = cast("tuple[object, ...]", raw) if isinstance(raw, tuple) else (raw,)
        if len(gxs) != len(xs):
            raise self.fail(
                "backward_arity", f"{form} returned {len(gxs)} gradient(s) for {len(xs)} input(s)"
            )
        out: list[Array | None] = []
        for index, (gx, x, floating) in enumerate(zip(gxs, xs, self.floating, strict=True)):
            if not floating:
                out.append(None)  # labels and indices are not differentiated
                continue
            data = _gradient_array(gx)
            if data is None:
                raise self.fail(
                    "backward_type",
                    f"{form} returned {type(gx).__name__} for input {index}; "
                    "return an array (a Variable on the Variable path) for every floating input",
                )
            if data.shape != x.shape:
                raise self.fail(
                    "backward_shape",
                    f"{form} returned shape {data.shape} for input {index}, "
                    f"whose shape is {x.shape}",
                )
            if data.dtype != x.dtype:
                raise self.fail(
                    "dtype", f"{form} returned a {data.dtype} gradient for {x.dtype} input {index}"
                )
            out.append(data)
        return out

    def check_paths(self, ws: tuple[Array, ...]) -> None:
        """``backward()`` (rule on arrays) and ``backward(create_graph=True)`` (on Variables)
        must agree: they are one rule, run on two kinds of values."""
        if not _has_variable_rule(self.target.cls):
            return  # only an array form: create_graph cannot pass through the op at all
        _, on_arrays = self.backprop(self.xs, ws, create_graph=False)
        _, on_variables = self.backprop(self.xs, ws, create_graph=True)
        pairs = zip(self.xs, on_arrays, on_variables, strict=True)
        for index, (x, a, v) in enumerate(pairs):
            got_a = _data_or_zeros(a, x)
            got_v = _data_or_zeros(v, x)
            if not np.allclose(got_a, got_v, rtol=self.tol.paths_rtol, atol=self.tol.paths_atol):
                raise self.fail(
                    "backward_paths",
                    f"input {index} gets different gradients from backward() (the rule on "
                    f"arrays) and backward(create_graph=True) (the rule on Variables); write "
                    f"the rule once, with operations that mean the same on both:\n"
                    f"backward():\n{got_a}\nbackward(create_graph=True):\n{got_v}",
                )

    def check_retention(self, ws: tuple[Array, ...], expected: list[Array | None]) -> None:
        """An op that says its rule reads only its inputs' shapes and dtypes must not read more.

        The engine may hand such a rule data-free stand-ins; the kit hands it NaNs (zeros for
        integer inputs), read-only.  Retained outputs are real: they are what the op keeps.
        """
        cls = self.target.cls
        if cls.retains_inputs:
            return
        run = self.call(self.xs)
        func = run.func
        nans = [_nan_like(x.data) for x in func.inputs]
        ys = run.ys if func.retains_outputs else ()
        attempts: list[tuple[str, Callable[[], object]]] = []
        if func.has_vjp_array:
            attempts.append(("vjp_array", lambda: func.vjp_array(*nans, *ys, *ws)))
        if func.has_vjp:
            attempts.append(("vjp on arrays", lambda: func.vjp(*nans, *ys, *ws)))
            attempts.append(
                (
                    "vjp on Variables",
                    lambda: func.vjp(*_variables(nans), *_variables(ys), *_variables(ws)),
                )
            )
        elif func.has_backward:  # DeZero's form reads self.inputs: replace them
            func.inputs = tuple(_stand_in(x, nan) for x, nan in zip(func.inputs, nans, strict=True))
            attempts.append(("backward", lambda: func.backward(*_variables(ws))))
        declared = "retains_inputs=False (its rule reads only the inputs' shapes and dtypes)"
        for form, attempt in attempts:
            try:
                raw = attempt()
            except Exception as exc:
                raise self.fail(
                    "retention",
                    f"declares {declared}, but {form} fails on NaN-filled inputs: {exc!r}",
                ) from exc
            got = self.gradients(form, raw, run.arrays)
            for index, (g, e) in enumerate(zip(got, expected, strict=True)):
                if g is not None and e is not None and not np.allclose(g, e, rtol=1e-6):
                    raise self.fail(
                        "retention",
                        f"declares {declared}, but {form} reads their values: input {index} "
                        f"gets\n{g}\non NaN-filled inputs instead of\n{e}",
                    )

    def check_gradient(self, ws: tuple[Array, ...], gxs: list[Array | None]) -> None:
        def phi(xs: Sequence[Array]) -> float:
            return sum(_numeric.dot(w, y) for w, y in zip(ws, self.forward_arrays(xs), strict=True))

        self.check_directions(phi, gxs, "gradient")
        size = sum(x.size for x, f in zip(self.xs, self.floating, strict=True) if f)
        if size <= _ELEMENTWISE_LIMIT:
            self.check_elementwise(phi, gxs, "gradient")

    def check_directions(
        self, phi: _numeric.Scalar, gxs: Sequence[Array | None], check: str
    ) -> None:
        for _ in range(self.directions):
            vs = self.random_directions()
            analytic = sum(
                _numeric.dot(g, v)
                for g, v in zip(gxs, vs, strict=True)
                if g is not None and v is not None
            )
            numerical = _numeric.directional(phi, self.xs, vs, self.tol.eps)
            if not _numeric.close(analytic, numerical, self.tol.rtol, self.tol.atol):
                raise self.fail(
                    check,
                    f"directional derivative along a random direction: analytic "
                    f"{analytic!r}, numerical {numerical!r} (rtol={self.tol.rtol}, "
                    f"atol={self.tol.atol})",
                )

    def check_elementwise(
        self, phi: _numeric.Scalar, gxs: Sequence[Array | None], check: str
    ) -> None:
        for index, g in enumerate(gxs):
            if g is None:
                continue
            numerical = _numeric.elementwise(phi, self.xs, index, self.tol.eps)
            if not np.allclose(g, numerical, rtol=self.tol.rtol, atol=self.tol.atol):
                worst = np.unravel_index(np.argmax(np.abs(g - numerical)), g.shape)
                raise self.fail(
                    check,
                    f"input {index}, element {tuple(map(int, worst))}: analytic "
                    f"{g[worst]!r}, numerical {numerical[worst]!r}\nanalytic:\n{g}\n"
                    f"numerical:\n{numerical}",
                )

    # -- second order -------------------------------------------------------------------------

    def check_double_backward(self, ws: tuple[Array, ...]) -> None:
        if not _has_variable_rule(self.target.cls):
            raise self.fail(
                "double_backward",
                "declared with double_backward=True, but the op has no rule that runs on "
                "Variables (only vjp_array); write vjp, or declare double_backward=False",
            )
        us = [
            self.random_like(x) if f else None for x, f in zip(self.xs, self.floating, strict=True)
        ]
        analytic = self.second_order_grads(ws, us)

        def psi(xs: Sequence[Array]) -> float:
            _, grads = self.backprop(xs, ws, create_graph=False)
            return sum(
                _numeric.dot(g.data, u)
                for g, u in zip(grads, us, strict=True)
                if g is not None and u is not None
            )

        self.check_directions(psi, analytic, "double_backward")

    def second_order_grads(
        self, ws: tuple[Array, ...], us: Sequence[Array | None]
    ) -> list[Array | None]:
        """d/dx <grad(w), u>, through the graph ``backward(create_graph=True)`` records."""
        run, firsts = self.backprop(self.xs, ws, create_graph=True)
        pairs = [(g, u) for g, u in zip(firsts, us, strict=True) if g is not None and u is not None]
        for leaf in run.leaves:
            if leaf is not None:
                leaf.cleargrad()
        if pairs:
            _Projection([u for _, u in pairs])(*[g for g, _ in pairs]).backward()
        # No path from x to the gradient: its second derivative is zero.
        return [None if v is None else _data_or_zeros(v.grad, v.data) for v in run.leaves]

    # -- float32 ------------------------------------------------------------------------------

    def check_float32(self) -> None:
        if not any(self.floating):
            return
        xs32 = [
            x.astype(np.float32) if f else x for x, f in zip(self.xs, self.floating, strict=True)
        ]
        run = self.call(xs32)
        self.check_output_dtypes(run.ys, np.dtype(np.float32))
        ws = tuple(self.random_like(y) for y in run.ys)
        self.rule_gradients(run, ws)
        if not _has_variable_rule(self.target.cls):
            return
        _, grads = self.backprop(xs32, ws, create_graph=True)
        for index, g in enumerate(grads):
            if g is not None and g.dtype != np.float32:
                raise self.fail(
                    "dtype",
                    f"backward(create_graph=True) gave a {g.dtype} gradient for float32 input "
                    f"{index}: the rule on Variables must keep a float32 graph float32",
                )


class _Projection(Function[*tuple[Array, ...]]):
    """y = sum_i <w_i, x_i>;  dy/dx_i = w_i  (the kit's scalar of an op's outputs)"""

    __slots__ = ("weights",)
    retains_inputs = False  # the rule reads the weights only

    def __init__(self, weights: Sequence[Array | None]) -> None:
        self.weights = tuple(weights)

    def forward(self, *xs: Array) -> Array:
        total = sum(
            _numeric.dot(w, x) for w, x in zip(self.weights, xs, strict=True) if w is not None
        )
        dtypes = [w.dtype for w in self.weights if w is not None]
        return np.asarray(total, dtype=dtypes[0] if dtypes else np.float64)

    def vjp(self, *args: V) -> tuple[V | None, ...]:
        gy = args[-1]
        return tuple(None if w is None else _scaled(gy, w) for w in self.weights)


def _scaled(g: V, w: Array) -> V:
    """g * w for a 0-d ``g``, an ndarray (not a NumPy scalar) on the array path."""
    if isinstance(g, Variable):
        return g * w
    return np.asarray(g * w)


def _array_rule(
    func: AnyFunction, xs: Sequence[Array], ys: Sequence[Array], gys: Sequence[Array]
) -> tuple[str, object]:
    """Call the derivative as the engine's first-order path does: (form's name, result)."""
    outputs = ys if func.retains_outputs else ()
    if func.has_vjp_array:
        return "vjp_array", func.vjp_array(*xs, *outputs, *gys)
    if func.has_vjp:
        return "vjp", func.vjp(*xs, *outputs, *gys)
    if func.has_backward:  # DeZero's form, on Variables, reading self.inputs
        with no_grad():
            return "backward", func.backward(*_variables(gys))
    raise NotImplementedError(
        f"{type(func).__name__} defines no derivative: write vjp (see plugrad.core.function)"
    )


def _variables(arrays: Sequence[Array]) -> list[Variable]:
    return [Variable(a) for a in arrays]


def _data_or_zeros(g: Variable | None, like: Array) -> Array:
    return np.zeros_like(like) if g is None else g.data


def _nan_like(x: Array) -> Array:
    """A read-only array of ``x``'s shape and dtype, all NaN (zero if not floating)."""
    fill = np.nan if _numeric.is_floating(x) else 0
    return np.broadcast_to(np.full((), fill, dtype=x.dtype), x.shape)


def _stand_in(x: Variable, data: Array) -> Variable:
    """``x`` with ``data`` in place of its values, its place in the graph kept."""
    stand_in = Variable(data)
    stand_in.creator, stand_in.generation = x.creator, x.generation
    stand_in._constant = x._constant
    return stand_in


def _gradient_array(gx: object) -> Array | None:
    """A gradient a rule returned, as an ndarray (0-d arithmetic gives NumPy scalars, which is
    fine); None if it is neither an array nor a Variable of one."""
    value = gx.data if isinstance(gx, Variable) else gx
    if isinstance(value, np.ndarray | np.generic):
        return np.asarray(cast("Array | np.generic[Any]", value))
    return None
