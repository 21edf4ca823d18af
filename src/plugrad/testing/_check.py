"""``check_op``: everything the kit checks about one op, sample by sample.

For each sample, in float64: the forward against the sample's reference; inputs (and the
output gradients handed to backward) are not mutated; backward returns one gradient per input
with the input's shape and dtype, in both forms, and the two forms agree; the gradient matches
central differences along random directions (and element by element for small inputs); and,
where the op declares ``double_backward``, the gradient of <backward(w), u> matches central
differences of the first-order gradient.  An op that declares it does not read its inputs'
(or outputs') values in backward (``retains_inputs`` / ``retains_outputs`` False) must give
the same gradients with its inputs replaced by NaN-filled stand-ins (and its outputs dropped).
Then in float32: outputs and gradients stay float32.
Inputs that are not floating (labels, indices) go in as constants and are not differentiated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from plugrad._typing import Array
from plugrad.core.config import no_grad, using_config
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.plugin import Sample, SampleFactory
from plugrad.registry import OpRecord, Registry, active_registry
from plugrad.testing import _numeric
from plugrad.testing._errors import OpCheckError

if TYPE_CHECKING:
    from plugrad.core.function import AnyFunction

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

    ``samples`` defaults to the ones the op was registered with; ``double_backward`` to what
    it declared (True for an unregistered class that has a differentiable ``backward``).
    Raises ``OpCheckError`` (an ``AssertionError``) naming the op, the check and the values.
    """
    target, registered = _target(op, registry or active_registry(), double_backward)
    rng = np.random.default_rng(seed)
    chosen = samples if samples is not None else registered
    if chosen is None:
        raise OpCheckError(
            target.label,
            "samples",
            "",
            "no samples: register the op with samples=... or pass samples to check_op",
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
    declared = cls.has_graph_backward if double_backward is None else double_backward
    return Target(f"op {cls.__name__} (unregistered)", cls, -1, declared), None


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
        # Floating inputs are checked in float64 whatever the sample gave.
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
        func, outputs = self.call(self.xs)
        ys = tuple(y.data for y in outputs)
        self.check_output_dtypes(ys, np.dtype(np.float64))
        self.check_reference(ys)
        self.check_unchanged(self.xs, "forward")
        ws = tuple(self.random_like(y) for y in ys)
        gxs = self.first_order(func, ws)
        self.check_gradient(ws, gxs)
        self.check_retention(ws, gxs)
        if self.target.double_backward:
            self.check_double_backward(ws)
        self.check_float32()
        del outputs  # the outputs stay alive until here: backward reads them

    # -- calling the op -----------------------------------------------------------------------

    def make(self) -> AnyFunction:
        func = self.sample.make() if self.sample.make is not None else self.target.cls()
        if not isinstance(func, self.target.cls):
            raise self.fail(
                "make",
                f"the sample's make() built {type(func).__name__}, not {self.target.cls.__name__}",
            )
        return func

    def call(self, xs: Sequence[Array]) -> tuple[AnyFunction, tuple[Variable, ...]]:
        """Run the op on ``xs``, floating inputs as Variables, the rest as constants."""
        func = self.make()
        inputs = [Variable(x) if f else x for x, f in zip(xs, self.floating, strict=True)]
        return func, func.apply(*inputs)

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

    # -- forward ------------------------------------------------------------------------------

    def check_arity(self) -> None:
        arity = self.target.arity
        if arity != -1 and len(self.xs) != arity:
            raise self.fail(
                "arity",
                f"the op is registered with arity={arity}, the sample has {len(self.xs)} input(s)",
            )

    def check_output_dtypes(self, ys: Sequence[Array], expected: np.dtype[np.floating]) -> None:
        for index, y in enumerate(ys):
            if _numeric.is_floating(y) and y.dtype != expected:
                raise self.fail(
                    "dtype",
                    f"output {index} is {y.dtype} for {expected} inputs; a "
                    f"{expected} graph must stay {expected}",
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

    def check_unchanged(self, xs: Sequence[Array], when: str) -> None:
        for index, (x, original) in enumerate(zip(xs, self.sample.inputs, strict=True)):
            if not np.array_equal(x, np.asarray(original, dtype=x.dtype), equal_nan=True):
                raise self.fail(
                    "mutation",
                    f"{when} changed input {index} in place:\nnow {x}\nwas {np.asarray(original)}",
                )

    # -- first order --------------------------------------------------------------------------

    def first_order(self, func: AnyFunction, ws: tuple[Array, ...]) -> list[Array | None]:
        """Both backward forms, checked for arity, shape, dtype, agreement, no mutation."""
        kept = [w.copy() for w in ws]
        array_grads = graph_grads = None
        if func.has_array_backward:
            array_grads = self.gradients("backward_array", func.backward_array(*ws), self.xs)
        if func.has_graph_backward:
            with no_grad():
                raw = func.backward(*[Variable(w) for w in ws])
            graph_grads = self.gradients("backward", raw, self.xs)
        for index, (w, before) in enumerate(zip(ws, kept, strict=True)):
            if not np.array_equal(w, before, equal_nan=True):
                raise self.fail("mutation", f"backward changed output gradient {index} in place")
        self.check_unchanged(self.xs, "backward")
        if array_grads is not None and graph_grads is not None:
            self.check_forms_agree(array_grads, graph_grads)
        grads = array_grads if array_grads is not None else graph_grads
        if grads is None:
            raise self.fail("backward", "the op defines neither backward_array() nor backward()")
        return grads

    def gradients(self, form: str, raw: object, xs: Sequence[Array]) -> list[Array | None]:
        gxs = raw if isinstance(raw, tuple) else (raw,)
        if len(gxs) != len(xs):
            raise self.fail(
                "backward_arity", f"{form} returned {len(gxs)} gradient(s) for {len(xs)} input(s)"
            )
        out: list[Array | None] = []
        for index, (gx, x, floating) in enumerate(zip(gxs, xs, self.floating, strict=True)):
            if not floating:
                out.append(None)  # labels and indices are not differentiated
                continue
            data = gx.data if isinstance(gx, Variable) else gx
            if isinstance(data, np.generic):  # 0-d arithmetic gives NumPy scalars; fine
                data = np.asarray(data)
            if not isinstance(data, np.ndarray):
                raise self.fail(
                    "backward_type",
                    f"{form} returned {type(gx).__name__} for input {index}; "
                    "return an array (backward: a Variable) for every floating input",
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

    def check_forms_agree(
        self, array_grads: list[Array | None], graph_grads: list[Array | None]
    ) -> None:
        pairs = zip(array_grads, graph_grads, strict=True)
        for index, (a, g) in enumerate(pairs):
            if a is not None and g is not None and not np.allclose(a, g, rtol=1e-6, atol=1e-9):
                raise self.fail(
                    "backward_forms",
                    f"backward_array and backward disagree for input {index}:"
                    f"\nbackward_array:\n{a}\nbackward:\n{g}",
                )

    def check_retention(self, ws: tuple[Array, ...], expected: list[Array | None]) -> None:
        """What the op says its backward does not read, it must not read."""
        cls = self.target.cls
        if cls.retains_inputs and cls.retains_outputs:
            return
        func, outputs = self.call(self.xs)
        if not cls.retains_inputs:
            func.inputs = tuple(_nan_stand_in(x) for x in func.inputs)
        if not cls.retains_outputs:
            del outputs  # dropped: backward must manage without them
        declared = f"retains_inputs={cls.retains_inputs}, retains_outputs={cls.retains_outputs}"
        try:
            forms: list[tuple[str, object]] = []
            if func.has_array_backward:
                forms.append(("backward_array", func.backward_array(*ws)))
            if func.has_graph_backward:
                with no_grad():
                    forms.append(("backward", func.backward(*[Variable(w) for w in ws])))
        except Exception as exc:
            raise self.fail(
                "retention", f"declares {declared}, but backward fails without them: {exc!r}"
            ) from exc
        for form, raw in forms:
            got = self.gradients(form, raw, self.xs)
            for index, (g, e) in enumerate(zip(got, expected, strict=True)):
                if g is not None and e is not None and not np.allclose(g, e, rtol=1e-6):
                    raise self.fail(
                        "retention",
                        f"declares {declared}, but {form} reads them: input {index} gets"
                        f"\n{g}\ninstead of\n{e}",
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
        if not self.target.cls.has_graph_backward:
            raise self.fail(
                "double_backward",
                "registered with double_backward=True, but the op has no "
                "differentiable backward(); write it, or register double_backward=False",
            )
        us = [
            self.random_like(x) if f else None for x, f in zip(self.xs, self.floating, strict=True)
        ]
        analytic_grads = self.second_order_grads(ws, us)

        def psi(xs: Sequence[Array]) -> float:
            grads = self.first_order_arrays(xs, ws)
            return sum(
                _numeric.dot(g, u)
                for g, u in zip(grads, us, strict=True)
                if g is not None and u is not None
            )

        self.check_directions(psi, analytic_grads, "double_backward")

    def second_order_grads(
        self, ws: tuple[Array, ...], us: Sequence[Array | None]
    ) -> list[Array | None]:
        """d/dx <backward(w), u>, through the graph ``backward`` records."""
        from plugrad.ops.arithmetic import Add, Mul
        from plugrad.ops.reduction import Sum

        func, outputs = self.call(self.xs)
        raw = func.backward(*[Variable(w) for w in ws])
        gxs = raw if isinstance(raw, tuple) else (raw,)
        total: Variable | None = None
        for gx, u in zip(gxs, us, strict=True):
            if u is None or gx is None:
                continue
            given: object = gx  # a plugin may hand back an array where a Variable belongs
            g = given if isinstance(given, Variable) else Variable(np.asarray(given))
            term = Sum()(Mul()(g, u))
            total = term if total is None else Add()(total, term)
        if total is None:
            return [None] * len(self.xs)
        total.backward()
        grads: list[Array | None] = []
        for x, f in zip(func.inputs, self.floating, strict=True):
            if not f:
                grads.append(None)
            else:  # no path from x to the gradient: its second derivative is zero
                grads.append(x.grad.data if x.grad is not None else np.zeros_like(x.data))
        del outputs
        return grads

    def first_order_arrays(self, xs: Sequence[Array], ws: tuple[Array, ...]) -> list[Array | None]:
        func, outputs = self.call(xs)
        if func.has_array_backward:
            raw: object = func.backward_array(*ws)
        else:
            with no_grad():
                raw = func.backward(*[Variable(w) for w in ws])
        grads = self.gradients("backward", raw, xs)
        del outputs
        return grads

    # -- float32 ------------------------------------------------------------------------------

    def check_float32(self) -> None:
        if not any(self.floating):
            return
        xs32 = [
            x.astype(np.float32) if f else x for x, f in zip(self.xs, self.floating, strict=True)
        ]
        func, outputs = self.call(xs32)
        ys = [y.data for y in outputs]
        self.check_output_dtypes(ys, np.dtype(np.float32))
        ws = tuple(self.random_like(y) for y in ys)
        if func.has_array_backward:
            self.gradients("backward_array", func.backward_array(*ws), xs32)
        if func.has_graph_backward:
            with no_grad():
                raw = func.backward(*[Variable(w) for w in ws])
            self.gradients("backward", raw, xs32)
        del outputs


def _nan_stand_in(x: Variable) -> Variable:
    """``x`` with its data replaced by NaNs (a zero-stride view), its graph place kept."""
    fill = np.nan if x.data.dtype.kind == "f" else 0
    stand_in = Variable(np.broadcast_to(np.full((), fill, dtype=x.data.dtype), x.data.shape))
    stand_in.creator, stand_in.generation = x.creator, x.generation
    stand_in._constant = x._constant
    return stand_in


def samples_of(record: OpRecord, seed: int = 0) -> list[Sample]:
    """The samples an op was registered with (empty if none)."""
    factory: Callable[[np.random.Generator], Sequence[Sample]] | None = record.spec.samples
    return [] if factory is None else list(factory(np.random.default_rng(seed)))
