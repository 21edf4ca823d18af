"""Conv2d, Deconv2d, BatchNorm and EmbedID layers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import plugrad.layers as L  # DeZero's convention
from plugrad import Variable, test_mode
from plugrad.typing import Array
from plugrad.utils import gradient_check
from tests.conv.conv_reference import conv2d_loops, deconv2d_loops


def test_conv2d_infers_in_channels_on_the_first_batch() -> None:
    np.random.seed(0)
    layer = L.Conv2d(4, kernel_size=3, stride=2, pad=1)
    before: object = layer.W.data  # a placeholder until the first call
    assert before is None
    x = np.random.randn(2, 3, 7, 7).astype(np.float32)
    y = layer(x)
    assert layer.W.data.shape == (4, 3, 3, 3)
    assert layer.W.dtype == y.dtype == np.float32
    assert layer.b is not None
    expected = conv2d_loops(
        x.astype(np.float64), layer.W.data.astype(np.float64), layer.b.data, (2, 2), (1, 1)
    )
    np.testing.assert_allclose(y.data, expected, rtol=1e-5, atol=1e-5)
    y.sum().backward()
    assert layer.W.grad is not None
    assert layer.W.grad.shape == (4, 3, 3, 3)
    assert layer.b.grad is not None
    np.testing.assert_allclose(layer.b.grad.data, np.full(4, 2 * 4 * 4))  # N * OH * OW


def test_conv2d_with_in_channels_creates_W_at_once() -> None:
    np.random.seed(1)
    layer = L.Conv2d(64, 3, in_channels=32, nobias=True, dtype=np.float64)
    assert layer.b is None
    assert layer.W.data.shape == (64, 32, 3, 3)
    assert layer.W.dtype == np.float64
    # DeZero's scale: randn * sqrt(1 / (C * KH * KW))
    assert abs(layer.W.data.std() - np.sqrt(1 / (32 * 9))) < 0.01
    assert [name for name, _ in layer.named_params()] == ["W"]


def test_deconv2d_layer() -> None:
    np.random.seed(2)
    layer = L.Deconv2d(3, kernel_size=4, stride=2, pad=1)
    x = np.random.randn(1, 5, 3, 3)
    y = layer(x)
    assert layer.W.data.shape == (5, 3, 4, 4)
    assert y.shape == (1, 3, 6, 6)
    assert layer.b is not None
    expected = deconv2d_loops(
        x, layer.W.data.astype(np.float64), layer.b.data, (2, 2), (1, 1), (6, 6)
    )
    np.testing.assert_allclose(y.data, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"out_channels": 0, "kernel_size": 3}, r"Conv2d: out_channels must be a positive int"),
        ({"out_channels": 2, "kernel_size": 3, "stride": 0}, r"Conv2d: stride must be positive"),
        ({"out_channels": 2, "kernel_size": 3, "pad": -1}, r"Conv2d: pad must be zero or"),
        ({"out_channels": 2, "kernel_size": 0}, r"Conv2d: kernel_size must be positive"),
    ],
)
def test_conv2d_layer_rejects_bad_settings(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        L.Conv2d(**kwargs)


def test_conv2d_layer_needs_a_4d_batch_to_infer_channels() -> None:
    with pytest.raises(ValueError, match=r"Conv2d: cannot infer in_channels .* \(3, 8\)"):
        L.Conv2d(2, 3)(np.zeros((3, 8)))


# -- BatchNorm -----------------------------------------------------------------------------------


def test_batch_norm_train_and_test_mode() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 3.0, size=(8, 3, 4, 4))
    layer = L.BatchNorm()
    y = layer(x)
    np.testing.assert_allclose(y.data.mean(axis=(0, 2, 3)), 0.0, atol=1e-10)
    np.testing.assert_allclose(y.data.var(axis=(0, 2, 3)), 1.0, atol=1e-4)
    m = 8 * 4 * 4
    batch_mean, batch_var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(layer.avg_mean.data, 0.1 * batch_mean)
    np.testing.assert_allclose(layer.avg_var.data, 0.9 + 0.1 * batch_var * m / (m - 1))

    layer.gamma.data[:] = [1.0, 2.0, 3.0]
    layer.beta.data[:] = [0.5, 0.0, -0.5]
    with test_mode():
        y_test = layer(x)
    shape = (1, 3, 1, 1)
    expected = (x - layer.avg_mean.data.reshape(shape)) / np.sqrt(
        layer.avg_var.data.reshape(shape) + 2e-5
    ) * layer.gamma.data.reshape(shape) + layer.beta.data.reshape(shape)
    np.testing.assert_allclose(y_test.data, expected, rtol=1e-10)


def test_batch_norm_layer_gradient() -> None:
    rng = np.random.default_rng(4)
    layer = L.BatchNorm()
    x = rng.normal(size=(4, 3))
    layer(x)  # size the parameters
    layer.gamma.data[:] = [0.5, 1.5, 2.0]
    weights = rng.normal(size=(4, 3))

    def weighted(v: Variable | Array) -> Variable:
        return layer(v) * weights

    assert gradient_check(weighted, x)


def test_batch_norm_keeps_float32() -> None:
    layer = L.BatchNorm()
    x = Variable(np.random.default_rng(5).normal(size=(4, 2, 3, 3)).astype(np.float32))
    y = layer(x)
    y.backward()
    assert y.dtype == layer.gamma.dtype == layer.avg_mean.dtype == np.float32
    assert x.grad is not None
    assert x.grad.dtype == np.float32


# -- EmbedID -------------------------------------------------------------------------------------


def test_embed_id() -> None:
    np.random.seed(6)
    layer = L.EmbedID(5, 3)
    ids = np.array([[0, 4], [4, 2]])
    y = layer(ids)
    assert y.shape == (2, 2, 3)
    np.testing.assert_array_equal(y.data, layer.W.data[ids])
    y.sum().backward()
    assert layer.W.grad is not None
    np.testing.assert_array_equal(layer.W.grad.data[:, 0], [1.0, 0.0, 1.0, 0.0, 2.0])


def test_embed_id_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match=r"EmbedID: in_size must be a positive int"):
        L.EmbedID(0, 3)
