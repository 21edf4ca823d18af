"""DeZero's ``dezero.utils``: gradient checking, array helpers and small shape utilities."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from plugrad._arrays import kept_dims_shape
from plugrad._arrays import logsumexp_array as logsumexp
from plugrad._arrays import sum_to_array as sum_to
from plugrad._dot import _dot_func as _dot_func
from plugrad._dot import _dot_var as _dot_var
from plugrad._dot import get_dot_graph as get_dot_graph
from plugrad._dot import plot_dot_graph as plot_dot_graph
from plugrad._download import cache_dir as cache_dir
from plugrad._download import get_file as get_file
from plugrad.core.variable import Variable, as_variable
from plugrad.ops._window import get_conv_outsize as get_conv_outsize
from plugrad.ops._window import get_deconv_outsize as get_deconv_outsize
from plugrad.ops._window import pair as pair
from plugrad.testing._numeric import numerical_gradient
from plugrad.typing import Array, Operand, Shape


class GradientCheckError(AssertionError):
    """Analytic and numerical gradients disagree; the message holds both."""


# -- gradient checking ----------------------------------------------------------------------


_EPS = 1e-4  # central-difference step (DeZero's)


def numerical_grad(
    f: Callable[..., Variable], x: Operand, *args: object, **kwargs: object
) -> Array:
    """Central differences of ``sum(f(x, *args, **kwargs))`` with respect to each element of ``x``.

    ``f`` receives float64 ndarrays the shape of ``x``; the result is float64.
    """
    data = x.data if isinstance(x, Variable) else np.asarray(x, dtype=np.float64)

    def total(probe: Array) -> float:
        y: object = f(probe, *args, **kwargs)  # DeZero's f may return an array too
        return float(np.sum(y.data if isinstance(y, Variable) else np.asarray(y)))

    return numerical_gradient(total, data, eps=_EPS)


def gradient_check(
    f: Callable[..., Variable],
    x: Operand,
    *args: object,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    **kwargs: object,
) -> bool:
    """Compare backprop's gradient of ``sum(f(x, *args))`` with central differences.

    Runs in float64.  Returns True when they agree; raises ``GradientCheckError`` with both
    values when they do not (DeZero printed them and returned False).
    """
    variable = as_variable(x)
    variable = Variable(variable.data.astype(np.float64))
    numerical = numerical_grad(f, variable.data, *args, **kwargs)
    y = f(variable, *args, **kwargs)
    y.backward()
    if variable.grad is None:
        raise GradientCheckError(
            "gradient_check: backward produced no gradient for x; does f use its input?"
        )
    analytic = variable.grad.data
    if analytic.shape != numerical.shape:
        raise GradientCheckError(
            f"gradient_check: gradient shape {analytic.shape} differs from the input's "
            f"shape {numerical.shape}"
        )
    if not array_allclose(analytic, numerical, rtol=rtol, atol=atol):
        worst = float(np.max(np.abs(analytic - numerical)))
        raise GradientCheckError(
            f"gradient_check failed (largest difference {worst:.3g}, rtol={rtol}, "
            f"atol={atol})\nbackprop:\n{analytic}\nnumerical:\n{numerical}"
        )
    return True


def array_equal(a: Operand, b: Operand) -> bool:
    """``numpy.array_equal`` on the data of Variables or arrays."""
    return bool(np.array_equal(_data(a), _data(b)))


def array_allclose(a: Operand, b: Operand, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """``numpy.allclose`` on the data of Variables or arrays."""
    return bool(np.allclose(_data(a), _data(b), rtol=rtol, atol=atol))


def _data(x: Operand) -> Array:
    return x.data if isinstance(x, Variable) else np.asarray(x)


# -- shape helpers ------------------------------------------------------------------------------


def reshape_sum_backward(
    gy: Variable, x_shape: Shape, axis: int | Shape | None, keepdims: bool
) -> Variable:
    """Reshape the gradient of a sum so it broadcasts back over ``x_shape`` (DeZero's helper)."""
    from plugrad.ops.shape import reshape

    if keepdims:
        return gy
    return reshape(gy, kept_dims_shape(x_shape, axis))


def max_backward_shape(x: Variable | Array, axis: int | Shape | None) -> Shape:
    """The shape a max/min gradient is reshaped to before broadcasting back (DeZero's helper)."""
    return kept_dims_shape(tuple(x.shape), axis)


__all__ = [
    "GradientCheckError",
    "array_allclose",
    "array_equal",
    "cache_dir",
    "get_dot_graph",
    "get_file",
    "plot_dot_graph",
    "get_conv_outsize",
    "get_deconv_outsize",
    "gradient_check",
    "logsumexp",
    "max_backward_shape",
    "numerical_grad",
    "pair",
    "reshape_sum_backward",
    "sum_to",
]
