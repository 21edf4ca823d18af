"""Special functions as plugrad ops: each a class declared once, with its one derivative rule,
then its typed wrapper; the hook at the end registers them all.

Ops are registered under the ``special.`` namespace (``special.erf``), so they never clash
with plugrad's own ops or another plugin's.  Derivatives (for x in each function's domain):

    erf'     = 2/sqrt(pi) exp(-x^2)        erfc' = -erf'
    gammaln' = digamma                     digamma' = polygamma(1, .)
    polygamma(n, .)' = polygamma(n + 1, .)
    expit'   = expit (1 - expit)           softplus' = expit
    logsumexp' = exp(x - logsumexp(x))     (softmax along the reduced axes)

Each rule calls ops (this plugin's, or plugrad's ``Exp``) through ``Op(...).of(x)``: on arrays
that is the op's forward, under ``backward(create_graph=True)`` a recorded call, so every
derivative can be differentiated again (gammaln's chain goes on through polygamma).  Rules
name their result (``gx: V = ...``) because NumPy's stubs type ``ndarray * ndarray`` as Any.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Final

import numpy as np

from plugrad import Function, Variable
from plugrad.cuda import get_array_module
from plugrad.functions import Exp
from plugrad.plugin import Array, Operand, Registrar, Sample, SampleFactory, V, hookimpl
from plugrad.registry import resolve
from plugrad_special import _scipy

Axis = int | tuple[int, ...] | None

_TWO_OVER_SQRT_PI: Final = 2.0 / math.sqrt(math.pi)

# -- samples for plugrad's test kit (used by the class statements below) -----------------------

_SHAPES: Final = ((), (3,), (2, 3))


def _elementwise(f: Callable[[float], float]) -> Callable[[Array], Array]:
    """A forward reference from Python's math module, independent of SciPy."""

    def reference(x: Array) -> Array:
        y: Array = np.vectorize(f, otypes=[np.float64])(x)
        return y

    return reference


def _uniform(
    low: float, high: float, reference: Callable[[Array], Array] | None = None
) -> SampleFactory:
    """Inputs in [low, high), inside the function's domain, in a few shapes."""

    def samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample(
                (rng.uniform(low, high, size=shape),),
                reference=reference,
                label=f"shape {shape}",
            )
            for shape in _SHAPES
        ]

    return samples


# -- error functions ---------------------------------------------------------------------------


class Erf(Function[Array], name="special.erf", samples=_uniform(-2.0, 2.0, _elementwise(math.erf))):
    """y = erf(x);  dy/dx = 2/sqrt(pi) exp(-x^2)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.erf(x)

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (_TWO_OVER_SQRT_PI * Exp().of(-(x * x)))
        return gx


def erf(x: Operand) -> Variable:
    """The error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x."""
    return resolve(Erf)()(x)


class Erfc(
    Function[Array], name="special.erfc", samples=_uniform(-2.0, 2.0, _elementwise(math.erfc))
):
    """y = erfc(x) = 1 - erf(x);  dy/dx = -2/sqrt(pi) exp(-x^2)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.erfc(x)

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (-_TWO_OVER_SQRT_PI * Exp().of(-(x * x)))
        return gx


def erfc(x: Operand) -> Variable:
    """The complementary error function, 1 - erf(x), accurate for large x."""
    return resolve(Erfc)()(x)


# -- the gamma family --------------------------------------------------------------------------


class GammaLn(
    Function[Array],
    name="special.gammaln",
    samples=_uniform(0.5, 4.0, _elementwise(math.lgamma)),
):
    """y = log|Gamma(x)|;  dy/dx = digamma(x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.gammaln(x)

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * Digamma().of(x)
        return gx


def gammaln(x: Operand) -> Variable:
    """The log of the absolute value of the gamma function."""
    return resolve(GammaLn)()(x)


class Digamma(Function[Array], name="special.digamma", samples=_uniform(0.5, 4.0)):
    """y = digamma(x) = d/dx log Gamma(x);  dy/dx = polygamma(1, x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.digamma(x)

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * Polygamma(1).of(x)
        return gx


def digamma(x: Operand) -> Variable:
    """The digamma function, the derivative of gammaln."""
    return resolve(Digamma)()(x)


class Polygamma(
    Function[Array], name="special.polygamma", samples=lambda rng: _polygamma_samples(rng)
):
    """y = polygamma(n, x), the (n+1)-th derivative of log Gamma;  dy/dx = polygamma(n+1, x)"""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        given: object = n  # untyped callers exist too
        if isinstance(given, bool) or not isinstance(given, int) or given < 0:
            raise ValueError(
                f"special.polygamma: n must be an int >= 0, got {n!r}; pass the order "
                "first and the input second, polygamma(n, x)"
            )
        self.n = n

    def forward(self, x: Array) -> Array:
        return _scipy.polygamma(self.n, x)

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * Polygamma(self.n + 1).of(x)
        return gx


def polygamma(n: int, x: Operand) -> Variable:
    """The n-th derivative of digamma (n = 0 is digamma itself)."""
    return resolve(Polygamma)(n)(x)


def _polygamma_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((rng.uniform(0.5, 3.0, size=(2, 3)),), make=partial(Polygamma, n), label=f"n={n}")
        for n in (0, 1, 2)
    ]


# -- logistic functions ------------------------------------------------------------------------


class Expit(
    Function[Array],
    name="special.expit",
    samples=_uniform(-3.0, 3.0, lambda x: 1.0 / (1.0 + np.exp(-x))),
):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y)"""

    __slots__ = ()
    retains_inputs = False  # the rule reads the output, not the input
    retains_outputs = True

    def forward(self, x: Array) -> Array:
        return _scipy.expit(x)

    def vjp(self, x: V, y: V, gy: V) -> V:
        gx: V = gy * (y * (1.0 - y))
        return gx


def expit(x: Operand) -> Variable:
    """The logistic sigmoid, computed without overflow."""
    return resolve(Expit)()(x)


class Softplus(
    Function[Array],
    name="special.softplus",
    samples=_uniform(-3.0, 3.0, lambda x: np.log1p(np.exp(x))),
):
    """y = log(1 + exp(x));  dy/dx = expit(x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        # log(e^0 + e^x) without overflow; the zero has x's dtype so float32 stays float32.
        y: Array = get_array_module(x).logaddexp(x.dtype.type(0), x)
        return y

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * Expit().of(x)
        return gx


def softplus(x: Operand) -> Variable:
    """log(1 + exp(x)), a smooth relu."""
    return resolve(Softplus)()(x)


# -- reductions --------------------------------------------------------------------------------


class LogSumExp(
    Function[Array], name="special.logsumexp", samples=lambda rng: _logsumexp_samples(rng)
):
    """y = log(sum(exp(x), axis));  dy/dx = exp(x - y), y broadcast back over ``axis``"""

    __slots__ = ("axis", "keepdims")
    retains_outputs = True  # the softmax in the rule is exp(x - y)

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x: Array) -> Array:
        return _scipy.logsumexp(x, self.axis, self.keepdims)

    def vjp(self, x: V, y: V, gy: V) -> V:
        # y and gy have the reduced shape; with the reduced axes kept as 1 they broadcast
        # against x (and the graph sums them back under create_graph).
        kept = _kept_shape(x.shape, self.axis)
        gx: V = gy.reshape(kept) * Exp().of(x - y.reshape(kept))
        return gx


def logsumexp(x: Operand, axis: Axis = None, keepdims: bool = False) -> Variable:
    """log(sum(exp(x))) over ``axis`` (all axes by default), without overflow."""
    return resolve(LogSumExp)(axis, keepdims)(x)


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (where the result broadcasts back)."""
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    reduced = {a % len(shape) for a in axes}
    return tuple(1 if i in reduced else n for i, n in enumerate(shape))


def _logsumexp_samples(rng: np.random.Generator) -> list[Sample]:
    settings: Sequence[tuple[Axis, bool]] = [(None, False), (1, False), ((0, 2), True), (-1, True)]
    x = rng.uniform(-2.0, 2.0, size=(2, 3, 4))
    return [
        Sample(
            (x,),
            make=partial(LogSumExp, axis, keepdims),
            reference=partial(_logsumexp_reference, axis=axis, keepdims=keepdims),
            label=f"axis={axis}, keepdims={keepdims}",
        )
        for axis, keepdims in settings
    ]


def _logsumexp_reference(x: Array, axis: Axis, keepdims: bool) -> Array:
    """The naive formula, fine for samples in [-2, 2)."""
    y: Array = np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    return y


# -- registration ------------------------------------------------------------------------------


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    """Register the special functions with plugrad (called once, at discovery)."""
    registrar.register_module(__name__)
