"""The per-op table: forward + backward of every op family on large arrays, against NumPy.

    .venv/bin/python benchmarks/bench_ops.py [--repeat 9] [--passes 3] [--only NAME,...] [--quick]

Each row times one op's forward and backward (the gradient of every floating input, from a
seed of ones) three ways, taking turns so that load on a shared machine falls on all three:

- plugrad: ``y = op(Variable(a), ...); y.backward()``;
- NumPy: the same arithmetic written by hand (forward, then the gradients), the yardstick of
  what the framework adds (target: plugrad at most 1.1x).  Its gradients are arrays of their
  own, as a leaf's ``grad`` is in plugrad (a broadcast or reshaped view is copied), and it
  recomputes in backward what plugrad's ops recompute rather than keep (mean_squared_error's
  difference);
- DeZero 0.0.13 (``pip install dezero==0.0.13``, optional), where it has the op (target:
  plugrad no slower).

Shapes are those of the book's programs and of small CNNs: 1M-element float32 activations,
(1024, 1000) scores, (32, 64, 32, 32) feature maps.  The script also checks, once, that
plugrad's gradients match the NumPy ones.  One BLAS thread (set here, before NumPy loads).
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import operator  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Generator, Sequence  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any, NamedTuple  # noqa: E402

import numpy as np  # noqa: E402

import plugrad.functions as F  # noqa: E402
from plugrad import Variable, no_grad, test_mode  # noqa: E402
from plugrad.functions_conv import (  # noqa: E402
    average_pooling,
    conv2d,
    deconv2d,
    pooling,
)

Arrays = tuple[np.ndarray, ...]
Grads = list[np.ndarray]
F32 = np.float32


class Case(NamedTuple):
    family: str
    name: str
    shapes: str
    inputs: Callable[[np.random.Generator], Arrays]
    plugrad: Callable[..., Any]  # on Variables (and constants): the op's output
    numpy: Callable[..., Grads]  # on arrays: forward and backward by hand, the gradients
    dezero: Callable[[Any], Callable[..., Any]] | None  # (dezero module) -> op on Variables
    differentiable: Sequence[int] = (0,)  # the inputs that get gradients
    mode: str = "train"  # "test": inference, forward only under no_grad and test mode


def _normal(*shape: int) -> Callable[[np.random.Generator], Arrays]:
    return lambda rng: (rng.standard_normal(shape).astype(F32),)


def _pair(*shape: int) -> Callable[[np.random.Generator], Arrays]:
    return lambda rng: (
        rng.standard_normal(shape).astype(F32),
        rng.standard_normal(shape).astype(F32),
    )


ACT = (1024, 1024)  # 1M float32 activations
SCORES = (1024, 1000)
MAP = (32, 64, 32, 32)  # a feature map: 2M float32


# -- hand-written NumPy: forward, then the gradients from a seed of ones ----------------------


def np_add(a: np.ndarray, b: np.ndarray) -> Grads:
    y = a + b
    gy = np.ones_like(y)
    return [gy, gy.copy()]  # two leaves, two arrays


def np_mul(a: np.ndarray, b: np.ndarray) -> Grads:
    y = a * b
    gy = np.ones_like(y)
    return [gy * b, gy * a]


def np_exp(a: np.ndarray) -> Grads:
    y = np.exp(a)
    return [np.ones_like(y) * y]


def np_tanh(a: np.ndarray) -> Grads:
    y = np.tanh(a)
    gy = np.ones_like(y)
    g = 1.0 - y * y
    g *= gy
    return [g]


def np_sigmoid(a: np.ndarray) -> Grads:
    y = np.tanh(a * 0.5)  # float32: the tanh form, as plugrad computes it
    y *= 0.5
    y += 0.5
    gy = np.ones_like(y)
    g = 1.0 - y
    g *= y
    g *= gy
    return [g]


def np_relu(a: np.ndarray) -> Grads:
    y = np.maximum(a, 0)
    return [np.ones_like(y) * (a > 0)]


def np_leaky_relu(a: np.ndarray) -> Grads:
    y = a * 0.2
    np.maximum(a, y, out=y)
    gy = np.ones_like(y)
    factor = (a > 0).astype(a.dtype)
    factor *= 0.8
    factor += 0.2
    return [gy * factor]


def np_softmax(a: np.ndarray) -> Grads:
    y = a - a.max(axis=1, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=1, keepdims=True)
    gy = np.ones_like(y)
    y_gy = y * gy
    return [y_gy - y * y_gy.sum(axis=1, keepdims=True)]


def np_log_softmax(a: np.ndarray) -> Grads:
    y = a - a.max(axis=1, keepdims=True)
    y -= np.log(np.exp(y).sum(axis=1, keepdims=True))
    gy = np.ones_like(y)
    return [gy - np.exp(y) * gy.sum(axis=1, keepdims=True)]


def np_mse(a: np.ndarray, b: np.ndarray) -> Grads:
    diff = a - b
    _ = np.asarray((diff * diff).sum() / len(diff), dtype=diff.dtype)
    del diff  # as plugrad (and DeZero): backward recomputes the difference, nothing x-sized kept
    diff = a - b
    gy = np.ones((), dtype=a.dtype)
    return [diff * (gy * (2.0 / len(diff)))]


def np_softmax_ce(a: np.ndarray, t: np.ndarray) -> Grads:
    n = len(a)
    log_p = a - a.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    _ = np.asarray(-log_p[np.arange(n), t].sum() / n, dtype=a.dtype)
    p = a - a.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(n), t] -= 1
    p *= 1.0 / n
    return [p]


def np_sigmoid_ce(a: np.ndarray, t: np.ndarray) -> Grads:
    n = len(a)
    softplus = np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))
    _ = np.asarray((softplus - t * a).sum() / n, dtype=a.dtype)
    p = np.tanh(a * 0.5)
    p *= 0.5
    p += 0.5
    p -= t
    p *= 1.0 / n
    return [p]


def np_binary_ce(p: np.ndarray, t: np.ndarray) -> Grads:
    n = len(p)
    pc = np.clip(p, 1e-15, 0.999)
    _ = -(t * np.log(pc) + (1 - t) * np.log(1 - pc)).sum() / n
    inside = (p >= 1e-15) & (p <= 0.999)
    return [(-(t / pc) + (1 - t) / (1 - pc)) * (1.0 / n) * inside]


def _bn_stats(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return a.mean(axis=(0, 2, 3), keepdims=True), a.var(axis=(0, 2, 3), keepdims=True)


def np_batch_norm_train(a: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> Grads:
    shape = (1, a.shape[1], 1, 1)
    mean, var = _bn_stats(a)
    inv_std = 1.0 / np.sqrt(var + 2e-5)
    xhat = (a - mean) * inv_std
    y = xhat * gamma.reshape(shape) + beta.reshape(shape)
    gy = np.ones_like(y)
    m = a.size // a.shape[1]
    gbeta = gy.sum(axis=(0, 2, 3), keepdims=True)
    ggamma = (gy * xhat).sum(axis=(0, 2, 3), keepdims=True)
    gx = gamma.reshape(shape) * inv_std * (gy - gbeta / m - xhat * (ggamma / m))
    return [gx, ggamma.reshape(-1), gbeta.reshape(-1)]


def np_batch_norm_test(a: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> Grads:
    """Inference: forward only, with the running statistics."""
    shape = (1, a.shape[1], 1, 1)
    mean, var = np.zeros(shape, F32), np.ones(shape, F32)
    y = a - mean
    y *= gamma.reshape(shape) / np.sqrt(var + 2e-5)
    y += beta.reshape(shape)
    return [y]


def np_dropout(a: np.ndarray) -> Grads:
    mask = (np.random.rand(*a.shape) > 0.5).astype(a.dtype) * (1.0 / 0.5)
    y = a * mask
    return [np.ones_like(y) * mask]


def np_sum(a: np.ndarray) -> Grads:
    y = a.sum()
    return [np.broadcast_to(np.ones_like(y), a.shape).copy()]


def np_sum_axis(a: np.ndarray) -> Grads:
    y = a.sum(axis=1)
    return [np.broadcast_to(np.ones_like(y).reshape(-1, 1), a.shape).copy()]


def np_mean_axis(a: np.ndarray) -> Grads:
    y = a.sum(axis=1) * (1.0 / a.shape[1])
    g = np.ones_like(y) * (1.0 / a.shape[1])
    return [np.broadcast_to(g.reshape(-1, 1), a.shape).copy()]


def np_max_axis(a: np.ndarray) -> Grads:
    y = a.max(axis=1)
    gy = np.ones_like(y)
    return [gy.reshape(-1, 1) * (a == y.reshape(-1, 1)).astype(a.dtype)]


def np_logsumexp(a: np.ndarray) -> Grads:
    m = a.max(axis=1, keepdims=True)
    y = np.log(np.exp(a - m).sum(axis=1, keepdims=True)) + m
    gy = np.ones_like(y)
    return [gy * np.exp(a - y)]


def np_reshape(a: np.ndarray) -> Grads:
    y = a.reshape(-1, 64)
    return [np.ones_like(y).reshape(a.shape).copy()]


def np_transpose(a: np.ndarray) -> Grads:
    y = a.transpose(0, 2, 3, 1)
    return [np.ones_like(y).transpose(0, 3, 1, 2).copy()]


def np_broadcast(a: np.ndarray) -> Grads:
    y = np.broadcast_to(a, (1024, 1024))
    return [np.ones_like(y).sum(axis=0, keepdims=True)]


def np_get_item_slice(a: np.ndarray) -> Grads:
    y = a[::2]
    gx = np.zeros_like(a)
    gx[::2] = np.ones_like(y)
    return [gx]


_ROWS = np.random.default_rng(3).integers(0, ACT[0], size=512)


def np_get_item_index(a: np.ndarray) -> Grads:
    y = a[_ROWS]
    gx = np.zeros_like(a)
    np.add.at(gx, _ROWS, np.ones_like(y))
    return [gx]


def np_matmul(a: np.ndarray, w: np.ndarray) -> Grads:
    y = a @ w
    gy = np.ones_like(y)
    return [gy @ w.T, a.T @ gy]


def np_linear(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> Grads:
    y = a @ w
    y += b
    gy = np.ones_like(y)
    return [gy @ w.T, a.T @ gy, gy.sum(axis=0)]


# The textbook im2col (Deep Learning from Scratch 1, and DeZero): (N, C, KH, KW, OH, OW).


def im2col(x: np.ndarray, k: int, s: int, p: int) -> np.ndarray:
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    img = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    col = np.empty((n, c, k, k, oh, ow), dtype=x.dtype)
    for j in range(k):
        for i in range(k):
            col[:, :, j, i] = img[:, :, j : j + s * (oh - 1) + 1 : s, i : i + s * (ow - 1) + 1 : s]
    return col


def col2im(col: np.ndarray, shape: tuple[int, ...], k: int, s: int, p: int) -> np.ndarray:
    n, c, h, w = shape
    oh, ow = col.shape[4:]
    img = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=col.dtype)
    for j in range(k):
        for i in range(k):
            img[:, :, j : j + s * (oh - 1) + 1 : s, i : i + s * (ow - 1) + 1 : s] += col[:, :, j, i]
    return img[:, :, p : p + h, p : p + w]


def np_conv(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> Grads:
    oc, _, k, _ = w.shape
    col = im2col(a, k, 1, 1)
    n, c, _, _, oh, ow = col.shape
    col_m = col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)
    y = col_m @ w.reshape(oc, -1).T
    y += b
    y = y.reshape(n, oh, ow, oc).transpose(0, 3, 1, 2)
    gy = np.ones_like(y)
    gy_m = gy.transpose(0, 2, 3, 1).reshape(-1, oc)
    gb = gy_m.sum(axis=0)
    gw = (gy_m.T @ col_m).reshape(w.shape)
    gcol = (gy_m @ w.reshape(oc, -1)).reshape(n, oh, ow, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    return [col2im(gcol, a.shape, k, 1, 1), gw, gb]


def np_deconv(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> Grads:
    _c, oc, k, _ = w.shape
    n, _, h, ww = a.shape
    s, p = 2, 1
    out = (s * (h - 1) + k - 2 * p, s * (ww - 1) + k - 2 * p)
    gcol = np.tensordot(w, a, (0, 1))  # (OC, K, K, N, H, W)
    y = col2im(np.ascontiguousarray(gcol.transpose(3, 0, 1, 2, 4, 5)), (n, oc, *out), k, s, p)
    y += b.reshape(1, oc, 1, 1)
    gy = np.ones_like(y)
    col = im2col(gy, k, s, p)  # (N, OC, K, K, H, W)
    gx = np.tensordot(col, w, ((1, 2, 3), (1, 2, 3))).transpose(0, 3, 1, 2)
    gw = np.tensordot(a, col, ((0, 2, 3), (0, 4, 5)))
    return [gx, gw, gy.sum(axis=(0, 2, 3))]


def np_pooling(a: np.ndarray) -> Grads:
    n, c, h, w = a.shape
    col = im2col(a, 2, 2, 0).reshape(n, c, 4, h // 2, w // 2)
    arg = col.argmax(axis=2)
    y = np.take_along_axis(col, arg[:, :, None], axis=2)[:, :, 0]
    gy = np.ones_like(y)
    gcol = np.zeros_like(col)
    np.put_along_axis(gcol, arg[:, :, None], gy[:, :, None], axis=2)
    return [col2im(gcol.reshape(n, c, 2, 2, h // 2, w // 2), a.shape, 2, 2, 0)]


def np_average_pooling(a: np.ndarray) -> Grads:
    _n, _c, _h, _w = a.shape
    col = im2col(a, 2, 2, 0)
    y = col.mean(axis=(2, 3))
    share = np.ones_like(y) * 0.25
    gcol = np.broadcast_to(share[:, :, None, None], col.shape)
    return [col2im(gcol, a.shape, 2, 2, 0)]


# -- the table ---------------------------------------------------------------------------------


def _labels(rng: np.random.Generator) -> Arrays:
    return (rng.standard_normal(SCORES).astype(F32), rng.integers(0, SCORES[1], SCORES[0]))


def _targets(rng: np.random.Generator) -> Arrays:
    return (rng.standard_normal(ACT).astype(F32), rng.uniform(0, 1, ACT).astype(F32))


def _probabilities(rng: np.random.Generator) -> Arrays:
    return (rng.uniform(0.01, 0.99, ACT).astype(F32), rng.uniform(0, 1, ACT).astype(F32))


def _bn_inputs(rng: np.random.Generator) -> Arrays:
    c = MAP[1]
    return (
        rng.standard_normal(MAP).astype(F32),
        rng.uniform(0.5, 1.5, c).astype(F32),
        rng.uniform(-0.5, 0.5, c).astype(F32),
    )


def _bn_plugrad(x: Any, gamma: Any, beta: Any) -> Any:
    c = MAP[1]
    return F.batch_norm(x, gamma, beta, np.zeros(c, F32), np.ones(c, F32))


def _bn_dezero(dz: Any) -> Callable[..., Any]:
    c = MAP[1]

    def batch_norm(x: Any, gamma: Any, beta: Any) -> Any:
        return dz.functions.batch_nrom(x, gamma, beta, np.zeros(c, F32), np.ones(c, F32))

    return batch_norm


def _matmul_inputs(rng: np.random.Generator) -> Arrays:
    return (
        rng.standard_normal((512, 1024)).astype(F32),
        (rng.standard_normal((1024, 1024)) * 0.03).astype(F32),
    )


def _linear_inputs(rng: np.random.Generator) -> Arrays:
    return (*_matmul_inputs(rng), rng.standard_normal(1024).astype(F32))


def _conv_inputs(rng: np.random.Generator) -> Arrays:
    return (
        rng.standard_normal((32, 3, 32, 32)).astype(F32),
        (rng.standard_normal((64, 3, 3, 3)) * 0.3).astype(F32),
        rng.standard_normal(64).astype(F32),
    )


def _conv_deep_inputs(rng: np.random.Generator) -> Arrays:
    return (
        rng.standard_normal((16, 64, 14, 14)).astype(F32),
        (rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(F32),
        rng.standard_normal(64).astype(F32),
    )


def _deconv_inputs(rng: np.random.Generator) -> Arrays:
    return (
        rng.standard_normal((128, 128, 7, 7)).astype(F32),
        (rng.standard_normal((128, 64, 4, 4)) * 0.02).astype(F32),
        rng.standard_normal(64).astype(F32),
    )


# The table holds named functions and partials, no lambdas: pyright infers no parameter types
# for a lambda passed to a NamedTuple's constructor.  The DeZero column takes the dezero module.


def _dz(name: str, **kwargs: Any) -> Callable[[Any], Callable[..., Any]]:
    return lambda dz: partial(getattr(dz.functions, name), **kwargs)


def _dz_same(op: Callable[..., Any]) -> Callable[[Any], Callable[..., Any]]:
    """An op written with operators, the same on DeZero's Variables."""
    return lambda dz: op


def _dz_conv(name: str, **kwargs: Any) -> Callable[[Any], Callable[..., Any]]:
    return lambda dz: lambda *xs: getattr(dz.functions_conv, name)(*xs, **kwargs)


def _seeded_dropout(x: Any) -> Any:
    return F.dropout(x, 0.5)


def _every_other_row(x: Any) -> Any:  # on plugrad's Variables and DeZero's alike
    return x[::2]


def _some_rows(x: Any) -> Any:
    return x[_ROWS]


CASES: list[Case] = [
    Case("elementwise", "add", "2 x (1024, 1024)", _pair(*ACT), operator.add, np_add,
         _dz_same(operator.add), (0, 1)),
    Case("elementwise", "mul", "2 x (1024, 1024)", _pair(*ACT), operator.mul, np_mul,
         _dz_same(operator.mul), (0, 1)),
    Case("elementwise", "exp", "(1024, 1024)", _normal(*ACT), F.exp, np_exp, _dz("exp")),
    Case("elementwise", "tanh", "(1024, 1024)", _normal(*ACT), F.tanh, np_tanh, _dz("tanh")),
    Case("activation", "sigmoid", "(1024, 1024)", _normal(*ACT), F.sigmoid, np_sigmoid,
         _dz("sigmoid")),
    Case("activation", "relu", "(1024, 1024)", _normal(*ACT), F.relu, np_relu, _dz("relu")),
    Case("activation", "leaky_relu", "(1024, 1024)", _normal(*ACT), F.leaky_relu, np_leaky_relu,
         _dz("leaky_relu")),
    Case("activation", "softmax", "(1024, 1000)", _normal(*SCORES), F.softmax, np_softmax,
         _dz("softmax")),
    Case("activation", "log_softmax", "(1024, 1000)", _normal(*SCORES), F.log_softmax,
         np_log_softmax, _dz("log_softmax")),
    Case("loss", "mean_squared_error", "2 x (1024, 1024)", _targets, F.mean_squared_error,
         np_mse, _dz("mean_squared_error")),
    Case("loss", "softmax_cross_entropy", "(1024, 1000)", _labels, F.softmax_cross_entropy,
         np_softmax_ce, _dz("softmax_cross_entropy")),
    Case("loss", "sigmoid_cross_entropy", "2 x (1024, 1024)", _targets,
         F.sigmoid_cross_entropy, np_sigmoid_ce, _dz("sigmoid_cross_entropy")),
    Case("loss", "binary_cross_entropy", "2 x (1024, 1024)", _probabilities,
         F.binary_cross_entropy, np_binary_ce, _dz("binary_cross_entropy")),
    Case("nn", "batch_norm (train)", "(32, 64, 32, 32)", _bn_inputs, _bn_plugrad,
         np_batch_norm_train, _bn_dezero, (0, 1, 2)),
    Case("nn", "batch_norm (test, inference)", "(32, 64, 32, 32)", _bn_inputs, _bn_plugrad,
         np_batch_norm_test, _bn_dezero, (0, 1, 2), mode="test"),
    Case("nn", "dropout", "(1024, 1024)", _normal(*ACT), _seeded_dropout, np_dropout,
         _dz("dropout")),
    Case("reduction", "sum", "(1024, 1024)", _normal(*ACT), F.sum, np_sum, _dz("sum")),
    Case("reduction", "sum axis=1", "(1024, 1024)", _normal(*ACT), partial(F.sum, axis=1),
         np_sum_axis, _dz("sum", axis=1)),
    Case("reduction", "mean axis=1", "(1024, 1024)", _normal(*ACT), partial(F.mean, axis=1),
         np_mean_axis, None),
    Case("reduction", "max axis=1", "(1024, 1024)", _normal(*ACT), partial(F.max, axis=1),
         np_max_axis, _dz("max", axis=1)),
    Case("reduction", "logsumexp axis=1", "(1024, 1024)", _normal(*ACT),
         partial(F.logsumexp, axis=1), np_logsumexp, None),
    Case("shape", "reshape", "(1024, 1024)", _normal(*ACT), partial(F.reshape, shape=(-1, 64)),
         np_reshape, _dz("reshape", shape=(-1, 64))),
    Case("shape", "transpose", "(32, 64, 32, 32)", _normal(*MAP),
         partial(F.transpose, axes=(0, 2, 3, 1)), np_transpose,
         _dz("transpose", axes=(0, 2, 3, 1))),
    Case("shape", "broadcast_to", "(1, 1024) -> (1024, 1024)", _normal(1, 1024),
         partial(F.broadcast_to, shape=ACT), np_broadcast,
         _dz("broadcast_to", shape=ACT)),
    Case("indexing", "get_item x[::2]", "(1024, 1024)", _normal(*ACT), _every_other_row,
         np_get_item_slice, _dz_same(_every_other_row)),
    Case("indexing", "get_item x[rows]", "(1024, 1024), 512 rows", _normal(*ACT),
         _some_rows, np_get_item_index, _dz_same(_some_rows)),
    Case("linalg", "matmul", "(512, 1024) @ (1024, 1024)", _matmul_inputs, F.matmul, np_matmul,
         _dz("matmul"), (0, 1)),
    Case("linalg", "linear", "(512, 1024) @ (1024, 1024) + b", _linear_inputs, F.linear,
         np_linear, _dz("linear"), (0, 1, 2)),
    Case("conv", "conv2d", "(32, 3, 32, 32) * (64, 3, 3, 3), pad 1", _conv_inputs,
         partial(conv2d, stride=1, pad=1), np_conv, _dz_conv("conv2d", stride=1, pad=1),
         (0, 1, 2)),
    Case("conv", "conv2d", "(16, 64, 14, 14) * (64, 64, 3, 3), pad 1", _conv_deep_inputs,
         partial(conv2d, stride=1, pad=1), np_conv, _dz_conv("conv2d", stride=1, pad=1),
         (0, 1, 2)),
    Case("conv", "deconv2d", "(128, 128, 7, 7) * (128, 64, 4, 4), stride 2, pad 1",
         _deconv_inputs, partial(deconv2d, stride=2, pad=1), np_deconv,
         _dz_conv("deconv2d", stride=2, pad=1), (0, 1, 2)),
    Case("pooling", "pooling 2x2", "(32, 64, 32, 32)", _normal(*MAP),
         partial(pooling, kernel_size=2, stride=2), np_pooling,
         _dz_conv("pooling", kernel_size=2, stride=2)),
    Case("pooling", "average_pooling 2x2", "(32, 64, 32, 32)", _normal(*MAP),
         partial(average_pooling, kernel_size=2, stride=2), np_average_pooling,
         _dz_conv("average_pooling", kernel_size=2, stride=2)),
]  # fmt: skip


# -- running -----------------------------------------------------------------------------------


def _framework_step(
    op: Callable[..., Any], make_variable: Callable[[np.ndarray], Any], case: Case
) -> Callable[[Arrays], Grads]:
    def step(arrays: Arrays) -> Grads:
        inputs: list[Any] = [
            make_variable(a) if i in case.differentiable else a for i, a in enumerate(arrays)
        ]
        op(*inputs).backward()
        return [inputs[i].grad.data for i in case.differentiable]

    def inference(arrays: Arrays) -> Grads:
        return [op(*arrays).data]

    return step if case.mode == "train" else inference


def _numpy_step(case: Case) -> Callable[[Arrays], Grads]:
    return lambda arrays: case.numpy(*arrays)


def _dezero() -> Any:
    try:
        numpy: Any = np
        if "int" not in vars(np):
            numpy.int = int  # DeZero 0.0.13 names np.int, gone since NumPy 1.24
        return importlib.import_module("dezero")
    except ImportError:
        return None


def _seeded(step: Callable[[Arrays], Grads]) -> Callable[[Arrays], Grads]:
    """Dropout draws from NumPy's global generator: the same draws for each contestant."""

    def run(arrays: Arrays) -> Grads:
        np.random.seed(0)
        return step(arrays)

    return run


def _check(case: Case, arrays: Arrays, steps: dict[str, Callable[[Arrays], Grads]]) -> str:
    got, want = steps["plugrad"](arrays), steps["numpy"](arrays)
    for g, w in zip(got, want, strict=True):
        if not np.allclose(g, w, rtol=1e-4, atol=1e-4):
            return "gradients differ from NumPy's!"
    return ""


class Timing(NamedTuple):
    numpy: float
    plugrad: float
    dezero: float | None
    note: str


def time_case(case: Case, dz: Any, repeat: int) -> Timing:
    """Median seconds of ``repeat`` interleaved rounds for each contestant."""
    arrays = case.inputs(np.random.default_rng(0))
    steps: dict[str, Callable[[Arrays], Grads]] = {
        "numpy": _numpy_step(case),
        "plugrad": _framework_step(case.plugrad, Variable, case),
    }
    if dz is not None and case.dezero is not None:
        steps["dezero"] = _framework_step(case.dezero(dz), dz.Variable, case)
    steps = {name: _seeded(step) for name, step in steps.items()}
    if case.mode == "test":
        samples = _interleaved(steps, arrays, repeat, train=False, dz=dz)
    else:
        samples = _interleaved(steps, arrays, repeat, train=True, dz=dz)
    with _mode("plugrad", case.mode == "train", dz):
        note = _check(case, arrays, {"plugrad": steps["plugrad"], "numpy": steps["numpy"]})
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return Timing(medians["numpy"], medians["plugrad"], medians.get("dezero"), note)


def _interleaved(
    steps: dict[str, Callable[[Arrays], Grads]],
    arrays: Arrays,
    repeat: int,
    train: bool,
    dz: Any,
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for round_ in range(repeat + 1):
        for name, step in steps.items():
            with _mode(name, train, dz):
                start = time.perf_counter()
                step(arrays)
                elapsed = time.perf_counter() - start
            if round_:  # the first round warms up
                samples[name].append(elapsed)
    return samples


@contextlib.contextmanager
def _inference() -> Generator[None, None, None]:
    with no_grad(), test_mode():
        yield


class _mode:  # noqa: N801  # a context manager used like a function
    """Test mode for the framework under test (plugrad's test_mode, DeZero's Config)."""

    def __init__(self, name: str, train: bool, dz: Any) -> None:
        self.name, self.train, self.dz = name, train, dz
        self.previous = True
        self.context: Any = None

    def __enter__(self) -> None:
        if self.train:
            return
        if self.name == "plugrad":
            self.context = _inference()
            self.context.__enter__()
        elif self.name == "dezero":
            self.previous = self.dz.Config.train
            self.dz.Config.train = False
            self.context = self.dz.no_grad()
            self.context.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.context is not None:
            self.context.__exit__(None, None, None)
        if self.name == "dezero" and not self.train:
            self.dz.Config.train = self.previous


def inference_memory() -> str:
    """Peak memory of BatchNorm and sigmoid in test mode under no_grad, as a multiple of the
    output's size: inference keeps nothing for backward (and allocates little)."""
    import tracemalloc

    x = np.random.default_rng(0).standard_normal(MAP).astype(F32)
    gamma, beta = np.ones(MAP[1], F32), np.zeros(MAP[1], F32)
    tracemalloc.start()
    with no_grad(), test_mode():
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        y = F.sigmoid(_bn_plugrad(x, gamma, beta))
        peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return (
        f"inference (no_grad, test_mode): batch_norm + sigmoid on {MAP} float32 peaks at "
        f"{peak / y.data.nbytes:.2f}x the output's size"
    )


def _ratio_cell(ratios: list[float]) -> str:
    median = statistics.median(ratios)
    if len(ratios) == 1:
        return f"{median:.2f}"
    return f"{median:.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=9, help="rounds per case and pass")
    parser.add_argument("--passes", type=int, default=3, help="passes over the whole table")
    parser.add_argument("--only", default="", help="comma-separated op names (substrings)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 1 pass (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.passes = 3, 1
    dz = _dezero()
    wanted = [w for w in args.only.split(",") if w]
    cases = [c for c in CASES if not wanted or any(w in c.name for w in wanted)]
    # Whole passes over the table, so that a burst of load on a shared machine hits one pass of
    # a case, not all of its rounds; each ratio is the median over passes (and their range).
    timings: list[list[Timing]] = [[] for _ in cases]
    for _ in range(args.passes):
        for case, found in zip(cases, timings, strict=True):
            found.append(time_case(case, dz, args.repeat))
    print(
        f"forward + backward, float32, {args.passes} pass(es) of {args.repeat} interleaved "
        "rounds, 1 thread; times: median over passes; ratios: median (range) of the passes'"
    )
    if dz is None:
        print("(DeZero is not installed: pip install dezero==0.0.13 for its column)")
    print()
    print("| family | op | shapes | NumPy | plugrad | plugrad / NumPy (≤ 1.1) | DeZero | "
          "plugrad / DeZero (≤ 1) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for case, found in zip(cases, timings, strict=True):
        t_numpy = statistics.median(t.numpy for t in found)
        t_plugrad = statistics.median(t.plugrad for t in found)
        to_numpy = _ratio_cell([t.plugrad / t.numpy for t in found])
        dezero = [t for t in found if t.dezero is not None]
        if dezero:
            t_dezero = statistics.median(t.dezero for t in dezero if t.dezero is not None)
            to_dezero = _ratio_cell([t.plugrad / t.dezero for t in dezero if t.dezero])
            dezero_cells = f"{t_dezero * 1e3:.2f} ms | {to_dezero}"
        else:
            dezero_cells = "— | —"
        notes = {t.note for t in found if t.note}
        print(
            f"| {case.family} | {case.name} | {case.shapes} | {t_numpy * 1e3:.2f} ms | "
            f"{t_plugrad * 1e3:.2f} ms | {to_numpy} | {dezero_cells} |"
            + "".join(f" {note}" for note in sorted(notes))
        )
    print()
    print(inference_memory())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
