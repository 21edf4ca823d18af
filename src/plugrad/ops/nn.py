"""Neural-network ops with a train and a test behaviour: dropout and batch_norm.

Both read the train switch (``plugrad.core.config.is_train``, set by ``test_mode()`` or DeZero's
``using_config("train", False)``) when they run forward.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plugrad._arrays import get_array_module
from plugrad.core.config import is_grad_enabled, is_train
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable, as_variable
from plugrad.ops import _samples
from plugrad.ops._checks import is_array, real_number
from plugrad.registry import resolve
from plugrad.typing import Array, Operand, Shape, V


class Dropout(Function[Array], name="dropout", samples=lambda rng: _dropout_samples(rng)):
    """y = x * mask;  gx = gy * mask  (mask: 0 or 1 / (1 - ratio), drawn once per call)"""

    __slots__ = ("mask",)
    retains_inputs = False  # the rule reads nothing of the input

    def __init__(self, mask: Array) -> None:
        self.mask: Array = mask

    def forward(self, x: Array) -> Array:
        if x.shape != self.mask.shape:
            raise ValueError(f"dropout: mask of shape {self.mask.shape} for x of shape {x.shape}")
        if x.dtype.kind == "f" and self.mask.dtype != x.dtype:  # keep float32 float32
            self.mask = self.mask.astype(x.dtype)
        y: Array = x * self.mask
        return y

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * self.mask
        return gx


def dropout(x: Operand, dropout_ratio: float = 0.5) -> Variable:
    """In training, zero each entry with probability ``dropout_ratio`` and scale the rest by
    1 / (1 - dropout_ratio); in test mode, x unchanged.  Draws from ``numpy.random`` (as DeZero),
    so ``numpy.random.seed`` makes it repeatable.
    """
    ratio = real_number("dropout", "dropout_ratio", dropout_ratio)
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"dropout: dropout_ratio must lie in [0, 1), got {dropout_ratio}")
    x = as_variable(x)
    if not is_train():
        return x
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    keep = np.random.rand(*x.shape) > dropout_ratio
    mask = keep.astype(dtype) * (1.0 / (1.0 - dropout_ratio))
    return resolve(Dropout)(mask)(x)


def _layout(shape: Shape) -> tuple[Shape, Shape]:
    """The axes batch norm averages over, and the shape its per-channel arrays broadcast as."""
    if len(shape) == 2:  # (N, C)
        return (0,), (1, shape[1])
    if len(shape) == 4:  # (N, C, H, W): one statistic per channel C
        return (0, 2, 3), (1, shape[1], 1, 1)
    raise ValueError(f"batch_norm: x must have shape (N, C) or (N, C, H, W), got shape {shape}")


def _check_channels(x: Array, **arrays: Array) -> None:
    channels = x.shape[1]
    for name, a in arrays.items():
        if a.shape != (channels,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({channels},) for x of shape {x.shape} "
                f"(one value per channel), got shape {a.shape}"
            )


class BatchNorm(
    Function[Array, Array, Array], name="batch_norm", samples=lambda rng: _batch_norm_samples(rng)
):
    """y = gamma * xhat + beta, xhat = (x - mean) / sqrt(var + eps), per channel

    Training uses the batch's statistics (and updates the running ones in place, a side effect
    of forward); test mode the running ones.  The rule:
    gx = gamma / std * (gy - mean(gy) - xhat * mean(gy * xhat)) in training, gamma / std * gy
    in test mode;  ggamma = sum(gy * xhat), gbeta = sum(gy).
    """

    __slots__ = ("avg_mean", "avg_var", "decay", "eps", "inv_std", "shift", "train", "xhat")

    decay: float
    eps: float

    def __init__(self, mean: Array, var: Array, decay: float = 0.9, eps: float = 2e-5) -> None:
        self.decay, self.eps = check_batch_norm_settings(decay, eps)
        _check_running("mean", mean)
        _check_running("var", var)
        self.avg_mean: Array = mean
        self.avg_var: Array = var

    def forward(self, x: Array, gamma: Array, beta: Array) -> Array:
        axes, param_shape = _layout(x.shape)
        _check_channels(x, gamma=gamma, beta=beta, mean=self.avg_mean, var=self.avg_var)
        self.train: bool = is_train()
        xp = get_array_module(x)
        dtype = xp.result_type(x, gamma, beta)
        gamma, beta = gamma.reshape(param_shape), beta.reshape(param_shape)
        if not self.train:
            return self._forward_test(x, gamma, beta, param_shape, dtype)
        # Two x-sized buffers: the centred (then normalized) values, and y (which holds the
        # squares for the variance first).  Same arithmetic as x.mean and x.var.
        mean: Array = x.mean(axis=axes, keepdims=True)
        xhat: Array = x - mean
        y: Array = xp.square(xhat, out=xp.empty(x.shape, dtype=dtype))
        var: Array = y.mean(axis=axes, keepdims=True, dtype=xhat.dtype)
        self._update_running(x.size // x.shape[1], mean, var)
        self.shift: Array = mean
        self.inv_std: Array = 1.0 / xp.sqrt(var + self.eps)
        xhat *= self.inv_std
        if is_grad_enabled():  # backward reuses it; inference keeps nothing
            self.xhat: Array = xhat
        xp.multiply(xhat, gamma, out=y)
        y += beta
        return y

    def _forward_test(
        self, x: Array, gamma: Array, beta: Array, param_shape: Shape, dtype: np.dtype[Any]
    ) -> Array:
        """y = (x - mean) * (gamma / std) + beta with the running statistics: one x-sized
        buffer, three passes, nothing x-sized kept (backward rebuilds xhat from x if asked)."""
        if not (self.avg_var >= 0).all():  # its square root would be NaN: say so instead
            raise ValueError(
                "batch_norm: the running variance var holds negative or NaN values "
                f"(smallest {self.avg_var.min()}); it must be >= 0, as training keeps it"
            )
        xp = get_array_module(x)
        self.shift = self.avg_mean.reshape(param_shape).astype(x.dtype)
        self.inv_std = 1.0 / xp.sqrt(self.avg_var.reshape(param_shape).astype(x.dtype) + self.eps)
        y: Array = xp.subtract(x, self.shift, dtype=dtype)
        y *= gamma * self.inv_std
        y += beta
        return y

    def _update_running(self, m: int, mean: Array, var: Array) -> None:
        unbiased = m / max(m - 1, 1)  # running var estimates the population (DeZero's rule)
        self.avg_mean *= self.decay
        self.avg_mean += (1.0 - self.decay) * mean.reshape(-1)
        self.avg_var *= self.decay
        self.avg_var += (1.0 - self.decay) * unbiased * var.reshape(-1)

    def vjp(self, x: V, gamma: V, beta: V, gy: V) -> tuple[V, V, V]:
        xhat, inv_std = self._normalized(x)
        return self._gradients(x, gamma, gy, xhat, inv_std)

    def vjp_array(
        self, x: Array, gamma: Array, beta: Array, gy: Array
    ) -> tuple[Array, Array, Array]:
        """``vjp`` for first order, with the xhat and 1 / std that forward kept instead of
        rebuilding them from x: backward 1.6-1.8x faster, forward + backward 22-26% faster
        (train mode, float32, beside a 200k-object heap, min of 15 interleaved runs; backward
        of (32, 64, 16, 16) 1.27 -> 0.73 ms, (64, 128, 8, 8) 1.78 -> 0.99 ms, (256, 512)
        0.26 -> 0.16 ms, (100, 100) 0.048 -> 0.030 ms), for one x-sized array held while the
        graph lives (as plugrad 0.1 held it).  The formula is ``_gradients``, shared with
        ``vjp``; the test kit checks that the two forms agree.
        """
        xhat = self.xhat if self.train else (x - self.shift) * self.inv_std
        return self._gradients(x, gamma, gy, xhat, self.inv_std)

    def _normalized(self, x: V) -> tuple[V, V | NDArray[np.floating[Any]]]:
        """xhat and 1 / std as functions of x, for ``vjp``.

        In training both depend on x through the batch statistics, so they are rebuilt from x:
        under create_graph that records the dependence, and the second derivative sees it.  In
        test mode the statistics are constants.
        """
        if not self.train:
            return (x - self.shift) * self.inv_std, self.inv_std
        axes, _ = _layout(x.shape)
        per_channel: float = 1.0 / (x.size // x.shape[1])  # 1 / the number of values in a channel
        centered: V = x - x.sum(axis=axes, keepdims=True) * per_channel  # pyright: ignore[reportAssignmentType]  # NumPy types ndarray.sum as Any
        variance: V = (centered * centered).sum(axis=axes, keepdims=True) * per_channel  # pyright: ignore[reportAssignmentType]  # NumPy types ndarray.sum as Any
        inv_std = (variance + self.eps) ** -0.5
        return centered * inv_std, inv_std

    def _gradients(
        self, x: V, gamma: V, gy: V, xhat: V, inv_std: V | NDArray[np.floating[Any]]
    ) -> tuple[V, V, V]:
        """The rule, given xhat and 1 / std in the kind of the other arguments."""
        axes, param_shape = _layout(x.shape)
        gbeta: V = gy.sum(axis=axes, keepdims=True)  # pyright: ignore[reportAssignmentType]  # NumPy types ndarray.sum as Any
        ggamma: V = (gy * xhat).sum(axis=axes, keepdims=True)  # pyright: ignore[reportAssignmentType]  # NumPy types ndarray.sum as Any
        scale = gamma.reshape(param_shape) * inv_std
        if self.train:  # x moves the batch mean and variance too
            per_channel: float = 1.0 / (x.size // x.shape[1])
            gx = scale * (gy - gbeta * per_channel - xhat * (ggamma * per_channel))
        else:
            gx = scale * gy
        channels = (x.shape[1],)
        return gx, ggamma.reshape(channels), gbeta.reshape(channels)


def check_batch_norm_settings(decay: object, eps: object) -> tuple[float, float]:
    """``decay`` in [0, 1] and ``eps`` >= 0, as floats (a decay above 1 would drive the running
    variance negative, a negative eps could make it so)."""
    decay_value = real_number("batch_norm", "decay", decay)
    if not 0.0 <= decay_value <= 1.0:
        raise ValueError(f"batch_norm: decay must lie in [0, 1], got {decay!r}")
    eps_value = real_number("batch_norm", "eps", eps)
    if not 0.0 <= eps_value < np.inf:
        raise ValueError(f"batch_norm: eps must be a finite number >= 0, got {eps!r}")
    return decay_value, eps_value


def _check_running(name: str, value: object) -> None:
    """The running statistics are updated in place: writable floating-point arrays."""
    if not is_array(value) or value.dtype.kind != "f":
        kind = value.dtype if is_array(value) else type(value).__name__
        raise TypeError(
            f"batch_norm: {name} (a running statistic, updated in place) must be a "
            f"floating-point ndarray, got {kind}"
        )
    if not value.flags.writeable:
        raise ValueError(
            f"batch_norm: {name} is read-only, but training updates it in place; pass an "
            f"array of its own ({name}.copy())"
        )


def batch_norm(
    x: Operand,
    gamma: Operand,
    beta: Operand,
    mean: Array | Variable,
    var: Array | Variable,
    decay: float = 0.9,
    eps: float = 2e-5,
) -> Variable:
    """Batch normalization of x, (N, C) or (N, C, H, W), per channel (DeZero's signature).

    ``mean`` and ``var`` are the running statistics, shape (C,): updated in place in training
    (``running = decay * running + (1 - decay) * batch``, var unbiased) and used in test mode.
    """
    mean_data = mean.data if isinstance(mean, Variable) else mean
    var_data = var.data if isinstance(var, Variable) else var
    return resolve(BatchNorm)(mean_data, var_data, decay, eps)(x, gamma, beta)


# DeZero spells it this way in dezero.functions (and its BatchNorm layer calls that name).
batch_nrom = batch_norm


def _masked(x: Array, mask: Array) -> Array:
    y: Array = x * mask
    return y


def _dropout_samples(rng: np.random.Generator) -> list[Sample]:
    samples: list[Sample] = []
    for shape in [(3, 4), (2, 3, 2)]:
        mask = (rng.random(shape) > 0.4) * (1.0 / 0.6)
        x = _samples.uniform(rng, shape, -2.0, 2.0)
        samples.append(
            Sample(
                (x,),
                make=partial(Dropout, mask),
                reference=partial(_masked, mask=mask),
                label=f"{shape}",
            )
        )
    return samples


def _batch_norm_samples(rng: np.random.Generator) -> list[Sample]:
    samples: list[Sample] = []
    for shape in [(5, 3), (3, 2, 2, 2)]:
        channels = shape[1]
        x = _samples.uniform(rng, shape, -2.0, 2.0)
        gamma = _samples.uniform(rng, (channels,), 0.5, 1.5)
        beta = _samples.uniform(rng, (channels,), -1.0, 1.0)
        samples.append(
            Sample(
                (x, gamma, beta),
                make=lambda c=channels: BatchNorm(np.zeros(c), np.ones(c)),  # type: ignore[misc]  # fresh running arrays per make
                label=f"{shape} train mode",
            )
        )
    return samples
