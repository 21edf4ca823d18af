"""Special functions as plugrad ops: each a class with both backward forms, a typed wrapper,
and a registration with sample inputs for plugrad's test kit.

Ops are registered under the ``special.`` namespace (``special.erf``), so they never clash
with plugrad's own ops or another plugin's.  Derivatives (for x in each function's domain):

    erf'     = 2/sqrt(pi) exp(-x^2)        erfc' = -erf'
    gammaln' = digamma                     digamma' = polygamma(1, .)
    polygamma(n, .)' = polygamma(n + 1, .)
    expit'   = expit (1 - expit)           softplus' = expit
    logsumexp' = exp(x - logsumexp(x))     (softmax along the reduced axes)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Final

import numpy as np

from plugrad import Function, Variable
from plugrad.functions import broadcast_to, exp, reshape
from plugrad.plugin import Array, Operand, Registrar, Sample, SampleFactory, hookimpl
from plugrad.registry import resolve
from plugrad_special import _scipy

Axis = int | tuple[int, ...] | None

_TWO_OVER_SQRT_PI: Final = 2.0 / math.sqrt(math.pi)


def _output(func: Function[Array]) -> Variable:
    """The op's output; backward runs while the graph still holds it."""
    y = func.outputs[0]()
    if y is None:
        raise RuntimeError(f"{type(func).__name__}.backward: its output was already freed")
    return y


# -- error functions ---------------------------------------------------------------------------


class Erf(Function[Array]):
    """y = erf(x);  dy/dx = 2/sqrt(pi) exp(-x^2)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.erf(x)

    def backward_array(self, gy: Array) -> Array:
        x = self.inputs[0].data
        gx: Array = gy * (_TWO_OVER_SQRT_PI * np.exp(-(x * x)))
        return gx

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * (_TWO_OVER_SQRT_PI * exp(-(x * x)))


def erf(x: Operand) -> Variable:
    """The error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x."""
    return resolve("special.erf", Erf)()(x)


class Erfc(Function[Array]):
    """y = erfc(x) = 1 - erf(x);  dy/dx = -2/sqrt(pi) exp(-x^2)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.erfc(x)

    def backward_array(self, gy: Array) -> Array:
        x = self.inputs[0].data
        gx: Array = gy * (-_TWO_OVER_SQRT_PI * np.exp(-(x * x)))
        return gx

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * (-_TWO_OVER_SQRT_PI * exp(-(x * x)))


def erfc(x: Operand) -> Variable:
    """The complementary error function, 1 - erf(x), accurate for large x."""
    return resolve("special.erfc", Erfc)()(x)


# -- the gamma family --------------------------------------------------------------------------


class GammaLn(Function[Array]):
    """y = log|Gamma(x)|;  dy/dx = digamma(x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.gammaln(x)

    def backward_array(self, gy: Array) -> Array:
        return gy * _scipy.digamma(self.inputs[0].data)

    def backward(self, gy: Variable) -> Variable:
        return gy * digamma(self.inputs[0])


def gammaln(x: Operand) -> Variable:
    """The log of the absolute value of the gamma function."""
    return resolve("special.gammaln", GammaLn)()(x)


class Digamma(Function[Array]):
    """y = digamma(x) = d/dx log Gamma(x);  dy/dx = polygamma(1, x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.digamma(x)

    def backward_array(self, gy: Array) -> Array:
        return gy * _scipy.polygamma(1, self.inputs[0].data)

    def backward(self, gy: Variable) -> Variable:
        return gy * polygamma(1, self.inputs[0])


def digamma(x: Operand) -> Variable:
    """The digamma function, the derivative of gammaln."""
    return resolve("special.digamma", Digamma)()(x)


class Polygamma(Function[Array]):
    """y = polygamma(n, x), the (n+1)-th derivative of log Gamma;  dy/dx = polygamma(n+1, x)"""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        given: object = n  # untyped callers exist too
        if isinstance(given, bool) or not isinstance(given, int) or given < 0:
            raise ValueError(f"special.polygamma: n must be an int >= 0, got {n!r}")
        self.n = n

    def forward(self, x: Array) -> Array:
        return _scipy.polygamma(self.n, x)

    def backward_array(self, gy: Array) -> Array:
        return gy * _scipy.polygamma(self.n + 1, self.inputs[0].data)

    def backward(self, gy: Variable) -> Variable:
        return gy * polygamma(self.n + 1, self.inputs[0])


def polygamma(n: int, x: Operand) -> Variable:
    """The n-th derivative of digamma (n = 0 is digamma itself)."""
    return resolve("special.polygamma", Polygamma)(n)(x)


# -- logistic functions ------------------------------------------------------------------------


class Expit(Function[Array]):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return _scipy.expit(x)

    def backward_array(self, gy: Array) -> Array:
        y = _output(self).data
        return gy * (y * (1.0 - y))

    def backward(self, gy: Variable) -> Variable:
        y = _output(self)
        return gy * (y * (1.0 - y))


def expit(x: Operand) -> Variable:
    """The logistic sigmoid, computed without overflow."""
    return resolve("special.expit", Expit)()(x)


class Softplus(Function[Array]):
    """y = log(1 + exp(x));  dy/dx = expit(x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        y: Array = np.logaddexp(x.dtype.type(0), x)  # log(e^0 + e^x), without overflow
        return y

    def backward_array(self, gy: Array) -> Array:
        return gy * _scipy.expit(self.inputs[0].data)

    def backward(self, gy: Variable) -> Variable:
        return gy * expit(self.inputs[0])


def softplus(x: Operand) -> Variable:
    """log(1 + exp(x)), a smooth relu."""
    return resolve("special.softplus", Softplus)()(x)


# -- reductions --------------------------------------------------------------------------------


class LogSumExp(Function[Array]):
    """y = log(sum(exp(x), axis));  dy/dx = exp(x - y), y broadcast back over ``axis``"""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x: Array) -> Array:
        return _scipy.logsumexp(x, self.axis, self.keepdims)

    def _kept_shape(self) -> tuple[int, ...]:
        """The input's shape with the reduced axes set to 1 (where y broadcasts back)."""
        shape = self.inputs[0].data.shape
        if self.axis is None:
            return (1,) * len(shape)
        axes = (self.axis,) if isinstance(self.axis, int) else self.axis
        reduced = {a % len(shape) for a in axes}
        return tuple(1 if i in reduced else n for i, n in enumerate(shape))

    def backward_array(self, gy: Array) -> Array:
        kept = self._kept_shape()
        x = self.inputs[0].data
        y = _output(self).data.reshape(kept)
        gx: Array = gy.reshape(kept) * np.exp(x - y)
        return gx

    def backward(self, gy: Variable) -> Variable:
        kept = self._kept_shape()
        (x,) = self.inputs
        shape = x.shape
        y = broadcast_to(reshape(_output(self), kept), shape)
        return broadcast_to(reshape(gy, kept), shape) * exp(x - y)


def logsumexp(x: Operand, axis: Axis = None, keepdims: bool = False) -> Variable:
    """log(sum(exp(x))) over ``axis`` (all axes by default), without overflow."""
    return resolve("special.logsumexp", LogSumExp)(axis, keepdims)(x)


# -- registration ------------------------------------------------------------------------------

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


def _polygamma_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((rng.uniform(0.5, 3.0, size=(2, 3)),), make=partial(Polygamma, n), label=f"n={n}")
        for n in (0, 1, 2)
    ]


def _logsumexp_samples(rng: np.random.Generator) -> list[Sample]:
    settings: Sequence[tuple[Axis, bool]] = [(None, False), (1, False), ((0, 2), True), (-1, True)]
    x = rng.uniform(-2.0, 2.0, size=(2, 3, 4))
    return [
        Sample(
            (x,),
            make=partial(LogSumExp, axis, keep),
            reference=partial(_logsumexp_reference, axis=axis, keepdims=keep),
            label=f"axis={axis}, keepdims={keep}",
        )
        for axis, keep in settings
    ]


def _logsumexp_reference(x: Array, axis: Axis, keepdims: bool) -> Array:
    """The naive formula, fine for samples in [-2, 2)."""
    y: Array = np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    return y


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    """Register the special functions with plugrad (called once, at discovery)."""
    registrar.register(
        "special.erf",
        Erf,
        arity=1,
        description="erf(x)",
        samples=_uniform(-2.0, 2.0, _elementwise(math.erf)),
    )
    registrar.register(
        "special.erfc",
        Erfc,
        arity=1,
        description="1 - erf(x)",
        samples=_uniform(-2.0, 2.0, _elementwise(math.erfc)),
    )
    registrar.register(
        "special.gammaln",
        GammaLn,
        arity=1,
        description="log|Gamma(x)|",
        samples=_uniform(0.5, 4.0, _elementwise(math.lgamma)),
    )
    registrar.register(
        "special.digamma",
        Digamma,
        arity=1,
        description="d/dx log Gamma(x)",
        samples=_uniform(0.5, 4.0),
    )
    registrar.register(
        "special.polygamma",
        Polygamma,
        arity=1,
        description="polygamma(n, x), the n-th derivative of digamma",
        samples=_polygamma_samples,
    )
    registrar.register(
        "special.expit",
        Expit,
        arity=1,
        description="1 / (1 + exp(-x))",
        samples=_uniform(-3.0, 3.0, lambda x: 1.0 / (1.0 + np.exp(-x))),
    )
    registrar.register(
        "special.softplus",
        Softplus,
        arity=1,
        description="log(1 + exp(x))",
        samples=_uniform(-3.0, 3.0, lambda x: np.log1p(np.exp(x))),
    )
    registrar.register(
        "special.logsumexp",
        LogSumExp,
        arity=1,
        description="log(sum(exp(x), axis))",
        samples=_logsumexp_samples,
    )
