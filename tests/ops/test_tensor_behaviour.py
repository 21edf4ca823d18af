"""Tensor ops beyond their gradients: numerical stability, train/test mode, running statistics,
indexing details, and the errors bad input gets (naming the op and the shapes)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable
from plugrad.core.config import test_mode, using_config
from plugrad.ops.linalg import Linear
from plugrad.typing import Operand
from plugrad.utils import gradient_check

# -- numerical stability -----------------------------------------------------------------------


def test_softmax_cross_entropy_with_huge_logits_is_finite() -> None:
    x = Variable(np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]]))
    loss = F.softmax_cross_entropy(x, np.array([0, 0]))
    # Row 0 is right with certainty (loss 0); row 1 is wrong by 1e4 nats: mean 5e3.
    np.testing.assert_allclose(loss.data, 5e3)
    loss.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]], atol=1e-12)


def test_softmax_cross_entropy_float32_huge_logits() -> None:
    x = Variable(np.array([[1e4, -1e4, 3.0]], dtype=np.float32))
    loss = F.softmax_cross_entropy(x, np.array([1]))
    assert loss.dtype == np.float32
    assert np.isfinite(loss.data)
    np.testing.assert_allclose(loss.data, 2e4, rtol=1e-6)


def test_softmax_log_softmax_logsumexp_with_huge_inputs() -> None:
    x = np.array([[1000.0, 1000.0], [-1000.0, 0.0]])
    np.testing.assert_allclose(F.softmax(x).data, [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(F.log_softmax(x).data, [[-np.log(2), -np.log(2)], [-1000.0, 0.0]])
    np.testing.assert_allclose(F.logsumexp(x).data, [[1000.0 + np.log(2)], [0.0]])


def test_sigmoid_and_sigmoid_cross_entropy_with_huge_inputs() -> None:
    x = Variable(np.array([[800.0], [-800.0]]))
    np.testing.assert_allclose(F.sigmoid(x).data, [[1.0], [0.0]])
    loss = F.sigmoid_cross_entropy(x, np.array([[0.0], [0.0]]))
    np.testing.assert_allclose(loss.data, 400.0)  # (800 + 0) / N=2
    loss.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [[0.5], [0.0]])


def test_sigmoid_cross_entropy_reshapes_targets_like_dezero() -> None:
    x = np.array([[0.3], [-1.2], [2.0]])
    t = np.array([1, 0, 1])  # (N,) integer labels for (N, 1) scores
    p = 1 / (1 + np.exp(-x[:, 0]))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / 3
    np.testing.assert_allclose(F.sigmoid_cross_entropy(x, t).data, expected)


def test_binary_cross_entropy_clips_probabilities_like_dezero() -> None:
    p = Variable(np.array([0.0, 1.0, 0.5]))
    t = np.array([1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, t)
    clipped = np.clip(p.data, 1e-15, 0.999)
    expected = -(t * np.log(clipped) + (1 - t) * np.log(1 - clipped)).sum() / 3
    np.testing.assert_allclose(loss.data, expected)
    loss.backward()
    assert p.grad is not None
    np.testing.assert_allclose(p.grad.data, [0.0, 0.0, -1 / (0.5 * 3)])


# -- dropout --------------------------------------------------------------------------------------


def test_dropout_in_training_zeroes_and_scales() -> None:
    np.random.seed(0)
    x = Variable(np.ones((200, 50)))
    y = F.dropout(x, 0.3)
    kept = y.data != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, y.data)  # gradient is the same mask


def test_dropout_is_repeatable_with_numpy_seed() -> None:
    x = np.arange(12.0).reshape(3, 4)
    np.random.seed(3)
    first = F.dropout(x).data
    np.random.seed(3)
    np.testing.assert_array_equal(F.dropout(x).data, first)


@pytest.mark.parametrize("mode", ["test_mode", "using_config"])
def test_dropout_in_test_mode_passes_x_through(mode: str) -> None:
    x = Variable(np.arange(6.0).reshape(2, 3))
    context = test_mode() if mode == "test_mode" else using_config("train", False)
    with context:
        y = F.dropout(x, 0.9)
    np.testing.assert_array_equal(y.data, x.data)


def test_dropout_keeps_float32() -> None:
    x = Variable(np.ones((4, 4), dtype=np.float32))
    y = F.dropout(x)
    y.sum().backward()
    assert y.dtype == np.float32
    assert x.grad is not None
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_ratio(ratio: float) -> None:
    with pytest.raises(ValueError, match="dropout: dropout_ratio"):
        F.dropout(np.ones(3), ratio)


# -- batch norm -------------------------------------------------------------------------------


def test_batch_norm_updates_running_statistics_2d() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(8, 3))
    mean, var = np.full(3, 0.5), np.full(3, 2.0)
    F.batch_norm(x, np.ones(3), np.zeros(3), mean, var, decay=0.8)
    unbiased = x.var(axis=0) * 8 / 7
    np.testing.assert_allclose(mean, 0.8 * 0.5 + 0.2 * x.mean(axis=0))
    np.testing.assert_allclose(var, 0.8 * 2.0 + 0.2 * unbiased)


def test_batch_norm_updates_running_statistics_4d() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(-1.0, 3.0, size=(4, 2, 3, 5))
    mean, var = np.zeros(2), np.ones(2)
    y = F.batch_norm(x, np.full(2, 2.0), np.full(2, 1.0), mean, var)
    per_channel = x.transpose(1, 0, 2, 3).reshape(2, -1)
    m = per_channel.shape[1]
    np.testing.assert_allclose(mean, 0.1 * per_channel.mean(axis=1))
    np.testing.assert_allclose(var, 0.9 + 0.1 * per_channel.var(axis=1) * m / (m - 1))
    # Normalized per channel: mean beta (1), standard deviation gamma (2), up to eps.
    np.testing.assert_allclose(y.data.mean(axis=(0, 2, 3)), [1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(y.data.std(axis=(0, 2, 3)), [2.0, 2.0], rtol=1e-4)


def test_batch_norm_test_mode_uses_and_keeps_running_statistics() -> None:
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    mean, var = np.array([1.0, -1.0]), np.array([4.0, 0.25])
    gamma, beta = np.array([2.0, 1.0]), np.array([0.0, 1.0])
    with test_mode():
        y = F.batch_norm(x, gamma, beta, mean, var, eps=0.0)
    np.testing.assert_allclose(y.data, gamma * (x - [1.0, -1.0]) / np.sqrt([4.0, 0.25]) + beta)
    np.testing.assert_array_equal(mean, [1.0, -1.0])
    np.testing.assert_array_equal(var, [4.0, 0.25])


def test_batch_norm_float32() -> None:
    x = Variable(np.random.default_rng(2).normal(size=(6, 3)).astype(np.float32))
    gamma = Variable(np.ones(3, dtype=np.float32))
    beta = Variable(np.zeros(3, dtype=np.float32))
    mean, var = np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    y = F.batch_norm(x, gamma, beta, mean, var)
    (y * y).sum().backward()
    assert y.dtype == np.float32
    assert mean.dtype == var.dtype == np.float32
    for v in (x, gamma, beta):
        assert v.grad is not None
        assert v.grad.dtype == np.float32


def test_batch_norm_errors_name_the_shapes() -> None:
    with pytest.raises(ValueError, match=re.escape("batch_norm: x must have shape (N, C)")):
        F.batch_norm(np.ones((2, 3, 4)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=re.escape("gamma must have shape (3,)")):
        F.batch_norm(np.ones((2, 3)), np.ones(4), np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=re.escape("mean must have shape (3,)")):
        F.batch_norm(np.ones((2, 3)), np.ones(3), np.zeros(3), np.zeros(2), np.ones(3))


# -- accuracy, indexing, linear, max ------------------------------------------------------------


def test_accuracy_matches_numpy_and_is_a_plain_variable() -> None:
    y = Variable(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]))
    acc = F.accuracy(y, np.array([1, 0, 0, 0]))
    assert isinstance(acc, Variable)
    assert acc.creator is None
    np.testing.assert_allclose(acc.data, 0.75)


def test_accuracy_rejects_mismatched_labels() -> None:
    with pytest.raises(ValueError, match=re.escape("accuracy: scores y of shape (2, 3)")):
        F.accuracy(np.ones((2, 3)), np.array([0, 1, 2]))


def test_getitem_gradient_adds_repeated_indices() -> None:
    x = Variable(np.arange(6.0).reshape(3, 2))
    y = x[[0, 0, 2]]
    np.testing.assert_array_equal(y.data, [[0.0, 1.0], [0.0, 1.0], [4.0, 5.0]])
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]])


def test_getitem_accepts_a_variable_index_and_differentiates_twice() -> None:
    x = Variable(np.array([1.0, 2.0, 3.0]))
    y = x[Variable(np.array([2, 2]))]
    (y**3).sum().backward(create_graph=True)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 2 * 3 * 9.0])  # d/dx of 2 x**3
    gx = x.grad
    x.cleargrad()
    gx.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 2 * 6 * 3.0])  # d/dx of 6 x**2


def test_batch_nrom_is_dezeros_spelling_of_batch_norm() -> None:
    assert F.batch_nrom is F.batch_norm


def test_getitem_out_of_range_names_the_op() -> None:
    with pytest.raises(IndexError, match=r"get_item: .*shape \(3, 2\)"):
        Variable(np.ones((3, 2)))[5]


def test_embed_id_rejects_float_ids() -> None:
    with pytest.raises(TypeError, match="embed_id: x must hold integer ids"):
        F.embed_id(np.array([0.0, 1.0]), np.ones((3, 2)))


def test_linear_skips_the_gradient_of_a_constant_batch() -> None:
    x = np.ones((4, 3))  # a data batch: an ndarray, not a Variable
    W, b = Variable(np.ones((3, 2))), Variable(np.zeros(2))
    y = F.linear(x, W, b)
    func = y.creator
    assert isinstance(func, Linear)
    assert not func.needs_grad(0)
    gx, gw, gb = func.vjp(x, W.data, b.data, np.ones((4, 2)))  # the first-order (array) form
    assert gx is None
    assert gw is not None
    np.testing.assert_array_equal(gw, np.full((3, 2), 4.0))
    assert gb is not None
    np.testing.assert_array_equal(gb, [4.0, 4.0])


def test_max_gradient_goes_to_every_tied_maximum() -> None:
    x = Variable(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]))
    F.max(x, axis=1).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])


def test_average_and_mean_keep_float32() -> None:
    x = Variable(np.ones((2, 3), dtype=np.float32))
    y = F.mean(x, axis=0)
    y.sum().backward()
    assert y.dtype == np.float32
    assert x.grad is not None
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 0.5)


# -- errors name the op and the shapes ----------------------------------------------------------


def _message(*parts: str) -> str:
    return ".*".join(re.escape(p) for p in parts)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: F.matmul(np.ones((2, 3)), np.ones((4, 5))),
            _message("matmul", "(2, 3)", "(4, 5)"),
        ),
        (
            lambda: F.linear(np.ones((2, 3)), np.ones((4, 5)), np.ones(5)),
            _message("linear", "(2, 3)", "(4, 5)"),
        ),
        (
            lambda: F.linear(np.ones((2, 3)), np.ones((3, 5)), np.ones(4)),
            _message("linear", "(4,)", "(2, 5)"),
        ),
        (lambda: F.reshape(np.ones((2, 3)), (4, 2)), _message("reshape", "(2, 3)", "(4, 2)")),
        (lambda: F.sum_to(np.ones((2, 3)), (4,)), _message("sum_to", "(2, 3)", "(4,)")),
        (
            lambda: F.broadcast_to(np.ones((2, 3)), (4, 3)),
            _message("broadcast_to", "(2, 3)", "(4, 3)"),
        ),
        (lambda: Variable(np.ones((2, 3))) + np.ones(4), _message("add", "(2, 3)", "(4,)")),
        (lambda: Variable(np.ones((2, 3))) - np.ones(4), _message("sub", "(2, 3)", "(4,)")),
        (lambda: Variable(np.ones((2, 3))) * np.ones((3, 3)), _message("mul", "(2, 3)", "(3, 3)")),
        (lambda: Variable(np.ones((2, 3))) / np.ones(2), _message("div", "(2, 3)", "(2,)")),
        (
            lambda: F.mean_squared_error(np.ones((4, 1)), np.ones(4)),
            _message("mean_squared_error", "(4, 1)", "(4,)"),
        ),
        (
            lambda: F.softmax_cross_entropy(np.ones((3, 4)), np.array([0, 1])),
            _message("softmax_cross_entropy", "(3, 4)", "(3,)", "(2,)"),
        ),
        (
            lambda: F.softmax_cross_entropy(np.ones((3, 4)), np.array([0, 4, 1])),
            _message("softmax_cross_entropy", "[0, 4)", "(3, 4)"),
        ),
        (
            lambda: F.softmax_cross_entropy(np.ones((3, 4)), np.array([0, -1, 1])),
            _message("softmax_cross_entropy", "[0, 4)", "from -1"),
        ),
        (
            lambda: F.softmax_cross_entropy(np.ones(4), np.array([0])),
            _message("softmax_cross_entropy", "(N, C)", "(4,)"),
        ),
        (
            lambda: F.sigmoid_cross_entropy(np.ones((3, 2)), np.ones((2, 3))),
            _message("sigmoid_cross_entropy", "(3, 2)", "(2, 3)"),
        ),
        (lambda: F.softmax(np.ones(3)), _message("softmax", "axis 1", "(3,)")),
        (lambda: F.max(np.ones((2, 3)), axis=2), _message("max", "axis 2", "(2, 3)")),
        (lambda: F.expand_dims(np.ones((2, 3)), 4), _message("expand_dims", "axis 4", "(2, 3)")),
        (lambda: F.clip(np.ones(3), 1.0, 0.0), _message("clip", "x_min")),
    ],
)
def test_bad_shapes_raise_value_error_naming_the_op(call: object, pattern: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=pattern):
        call()


def test_softmax_cross_entropy_rejects_float_labels() -> None:
    with pytest.raises(TypeError, match="softmax_cross_entropy: t must hold integer class labels"):
        F.softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0]))


def test_mean_squared_error_takes_a_target_that_broadcasts_to_the_prediction() -> None:
    """DeZero's step 59 compares a (1, 1) prediction with a (1,) target."""
    x = Variable(np.array([[2.0]]))
    t = np.array([0.5])
    loss = F.mean_squared_error(x, t)
    np.testing.assert_allclose(loss.data, 1.5**2)
    loss.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [[2 * 1.5]])  # d((x - t)^2)/dx

    def squared_error(p: Operand) -> Variable:
        return F.mean_squared_error(p, t)

    assert gradient_check(squared_error, np.array([[2.0]]))


def test_softmax_takes_a_tuple_of_axes() -> None:
    x = np.random.default_rng(0).uniform(-1.0, 1.0, (2, 3))
    y = F.softmax(x, axis=(0, 1))
    np.testing.assert_allclose(y.data, np.exp(x) / np.exp(x).sum())
    w = np.random.default_rng(1).uniform(0.5, 1.5, (2, 3))

    def weighted_softmax(v: Operand) -> Variable:
        return F.softmax(v, axis=(0, 1)) * w

    def weighted_log_softmax(v: Operand) -> Variable:
        return F.log_softmax(v, axis=(0, 1)) * w

    assert gradient_check(weighted_softmax, x)
    assert gradient_check(weighted_log_softmax, x)
