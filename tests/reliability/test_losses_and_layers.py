"""Losses, layers' ops and reductions: values nobody checked are checked where they are given
(targets and probabilities in [0, 1], the number of labels, batch norm's decay and eps and its
running statistics, dropout's ratio, axes and keepdims, slopes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
import plugrad.layers as L
from plugrad import Variable, test_mode
from tests.reliability._table import bad, good, run_bad, run_good, untyped, values


def v(*shape: int) -> Variable:
    return Variable(np.ones(shape))


def scores(n: int = 4) -> Variable:
    return Variable(np.linspace(-1.0, 1.0, n).reshape(n, 1))


def probabilities(*p: float) -> Variable:
    return Variable(np.array(p).reshape(-1, 1))


def _batch_norm(
    decay: object = 0.9, eps: object = 2e-5, var: Any = None, train: bool = True
) -> Variable:
    x = Variable(np.random.default_rng(0).standard_normal((4, 3)))
    mean = np.zeros(3)
    running_var = np.ones(3) if var is None else var
    if train:
        return F.batch_norm(x, v(3), v(3), mean, running_var, untyped(decay), untyped(eps))
    with test_mode():
        return F.batch_norm(x, v(3), v(3), mean, running_var, untyped(decay), untyped(eps))


LOSSES_BAD = [
    bad(
        "sigmoid CE target 2",
        lambda: F.sigmoid_cross_entropy(scores(), np.array([1, 0, 1, 2])),
        ValueError,
        "sigmoid_cross_entropy",
        "[0, 1]",
        "2",
    ),
    bad(
        "sigmoid CE target -1",
        lambda: F.sigmoid_cross_entropy(scores(), np.array([1, 0, 1, -1])),
        ValueError,
        "sigmoid_cross_entropy",
        "-1",
    ),
    bad(
        "sigmoid CE target nan",
        lambda: F.sigmoid_cross_entropy(scores(), np.array([1.0, 0.0, 1.0, np.nan])),
        ValueError,
        "sigmoid_cross_entropy",
        "nan",
    ),
    bad(
        "sigmoid CE 3 labels for 4",
        lambda: F.sigmoid_cross_entropy(scores(), np.array([1, 0, 1])),
        ValueError,
        "sigmoid_cross_entropy",
        "4 targets",
        "(3,)",
    ),
    bad(
        "sigmoid CE 5 labels for 4",
        lambda: F.sigmoid_cross_entropy(scores(), np.ones((5, 1))),
        ValueError,
        "sigmoid_cross_entropy",
        "(5, 1)",
    ),
    bad(
        "sigmoid CE text labels",
        lambda: F.sigmoid_cross_entropy(scores(), np.array(["1", "0", "1", "0"])),
        TypeError,
        "sigmoid_cross_entropy",
        "<U1",
    ),
    bad(
        "sigmoid CE Variable target 2",
        lambda: F.sigmoid_cross_entropy(scores(), Variable(np.full((4, 1), 2.0))),
        ValueError,
        "targets t",
        "2.0",
    ),
    bad(
        "BCE p 1.5",
        lambda: F.binary_cross_entropy(probabilities(0.5, 1.5), np.array([1, 0])),
        ValueError,
        "binary_cross_entropy",
        "probabilities p",
        "1.5",
    ),
    bad(
        "BCE p -0.1",
        lambda: F.binary_cross_entropy(probabilities(0.5, -0.1), np.array([1, 0])),
        ValueError,
        "probabilities p",
        "-0.1",
    ),
    bad(
        "BCE p nan",
        lambda: F.binary_cross_entropy(probabilities(0.5, np.nan), np.array([1, 0])),
        ValueError,
        "probabilities p",
        "nan",
    ),
    bad(
        "BCE target 2",
        lambda: F.binary_cross_entropy(probabilities(0.5, 0.5), np.array([1, 2])),
        ValueError,
        "binary_cross_entropy",
        "targets t",
        "2",
    ),
    bad(
        "BCE 3 labels for 2",
        lambda: F.binary_cross_entropy(probabilities(0.5, 0.5), np.array([1, 0, 1])),
        ValueError,
        "binary_cross_entropy",
        "2 targets",
    ),
]

LOSSES_GOOD = [
    good(
        "sigmoid CE 0/1 ints",
        lambda: F.sigmoid_cross_entropy(scores(2), np.array([1, 0])),
        lambda y: np.isfinite(y.data),
    ),
    good(
        "sigmoid CE soft targets",
        lambda: F.sigmoid_cross_entropy(scores(2), np.array([0.3, 0.7])),
        lambda y: np.isfinite(y.data),
    ),
    good(
        "sigmoid CE bool targets",
        lambda: F.sigmoid_cross_entropy(scores(2), np.array([True, False])),
        lambda y: np.isfinite(y.data),
    ),
    good(
        "sigmoid CE (N,) targets for (N, 1)",
        lambda: F.sigmoid_cross_entropy(scores(2), np.array([1, 0])).shape,
        lambda s: s == (),
    ),
    good(
        "sigmoid CE float32 stays float32",
        lambda: (
            F.sigmoid_cross_entropy(Variable(np.zeros((2, 1), np.float32)), np.array([1, 0])).dtype
        ),
        lambda d: d == np.float32,
    ),
    good(
        "sigmoid CE value",
        lambda: F.sigmoid_cross_entropy(Variable(np.zeros((2, 1))), np.array([1, 0])),
        values(np.log(2.0)),
    ),
    good(
        "BCE at the edges",
        lambda: F.binary_cross_entropy(probabilities(0.0, 1.0), np.array([0, 1])),
        lambda y: np.isfinite(y.data),
    ),
    good(
        "BCE soft targets",
        lambda: F.binary_cross_entropy(probabilities(0.5, 0.5), np.array([0.2, 0.8])),
        lambda y: np.isclose(y.data, np.log(2.0)),
    ),
    good(
        "softmax CE",
        lambda: F.softmax_cross_entropy(v(2, 3), np.array([0, 2])),
        values(np.log(3.0)),
    ),
]

NN_BAD = [
    bad(
        "dropout str",
        lambda: F.dropout(v(3), untyped("0.5")),
        TypeError,
        "dropout",
        "dropout_ratio",
        "str",
    ),
    bad("dropout nan", lambda: F.dropout(v(3), float("nan")), ValueError, "dropout", "NaN"),
    bad("dropout 1", lambda: F.dropout(v(3), 1.0), ValueError, "dropout", "[0, 1)"),
    bad("dropout -0.1", lambda: F.dropout(v(3), -0.1), ValueError, "dropout", "[0, 1)"),
    bad("dropout None", lambda: F.dropout(v(3), untyped(None)), TypeError, "dropout", "None"),
    bad(
        "batch_norm decay 5",
        lambda: _batch_norm(decay=5.0),
        ValueError,
        "batch_norm",
        "decay",
        "[0, 1]",
    ),
    bad(
        "batch_norm decay -0.1", lambda: _batch_norm(decay=-0.1), ValueError, "batch_norm", "decay"
    ),
    bad(
        "batch_norm decay nan",
        lambda: _batch_norm(decay=float("nan")),
        ValueError,
        "batch_norm",
        "decay",
    ),
    bad(
        "batch_norm decay str",
        lambda: _batch_norm(decay="0.9"),
        TypeError,
        "batch_norm",
        "decay",
        "str",
    ),
    bad("batch_norm eps -1", lambda: _batch_norm(eps=-1.0), ValueError, "batch_norm", "eps"),
    bad(
        "batch_norm eps nan", lambda: _batch_norm(eps=float("nan")), ValueError, "batch_norm", "eps"
    ),
    bad(
        "batch_norm eps inf", lambda: _batch_norm(eps=float("inf")), ValueError, "batch_norm", "eps"
    ),
    bad(
        "batch_norm int var",
        lambda: _batch_norm(var=np.ones(3, dtype=np.int64)),
        TypeError,
        "batch_norm",
        "var",
        "int64",
    ),
    bad(
        "batch_norm list var",
        lambda: _batch_norm(var=[1.0, 1.0, 1.0]),
        TypeError,
        "batch_norm",
        "var",
        "list",
    ),
    bad(
        "batch_norm read-only var",
        lambda: _batch_norm(var=np.broadcast_to(1.0, (3,))),
        ValueError,
        "batch_norm",
        "read-only",
    ),
    bad(
        "batch_norm negative var",
        lambda: _batch_norm(var=np.array([1.0, -1.0, 1.0]), train=False),
        ValueError,
        "batch_norm",
        "negative",
    ),
    bad(
        "BatchNorm layer decay 5", lambda: L.BatchNorm(decay=5.0), ValueError, "batch_norm", "decay"
    ),
    bad(
        "BatchNorm layer eps str",
        lambda: L.BatchNorm(eps=untyped("0")),
        TypeError,
        "batch_norm",
        "eps",
    ),
]

NN_GOOD = [
    good("dropout 0", lambda: F.dropout(v(3), 0.0), values([1.0, 1.0, 1.0])),
    good(
        "dropout numpy ratio",
        lambda: F.dropout(v(1000), untyped(np.float32(0.5))).shape,
        lambda s: s == (1000,),
    ),
    good(
        "batch_norm decay 0 and 1",
        lambda: (_batch_norm(decay=0.0), _batch_norm(decay=1.0))[1].shape,
        lambda s: s == (4, 3),
    ),
    good(
        "batch_norm eps 0 in test mode",
        lambda: _batch_norm(eps=0.0, train=False).shape,
        lambda s: s == (4, 3),
    ),
    good("BatchNorm layer", lambda: L.BatchNorm()(v(4, 3)).shape, lambda s: s == (4, 3)),
]

REDUCTIONS_BAD = [
    bad("sum axis 1.5", lambda: F.sum(v(2, 3), axis=untyped(1.5)), TypeError, "sum", "axis", "1.5"),
    bad("sum axis str", lambda: F.sum(v(2, 3), axis=untyped("0")), TypeError, "sum", "axis", "str"),
    bad(
        "sum axes with a float",
        lambda: F.sum(v(2, 3), axis=untyped((0, 1.5))),
        TypeError,
        "sum",
        "1.5",
    ),
    bad(
        "sum repeated axis",
        lambda: F.sum(v(2, 3), axis=(0, 0)),
        ValueError,
        "sum",
        "(0, 0)",
        "(2, 3)",
    ),
    bad("sum axis named twice", lambda: F.sum(v(2, 3), axis=(0, -2)), ValueError, "sum", "(0, -2)"),
    bad(
        "sum keepdims str",
        lambda: F.sum(v(2, 3), keepdims=untyped("yes")),
        TypeError,
        "sum",
        "keepdims",
    ),
    bad("sum keepdims None", lambda: F.sum(v(2, 3), keepdims=untyped(None)), TypeError, "keepdims"),
    bad("Variable.sum axis 1.5", lambda: v(2, 3).sum(axis=untyped(1.5)), TypeError, "sum", "axis"),
    bad(
        "average axis 1.5", lambda: F.average(v(2, 3), axis=untyped(1.5)), TypeError, "sum", "axis"
    ),
    bad("max axis 1.5", lambda: F.max(v(2, 3), axis=untyped(1.5)), TypeError, "max", "axis"),
    bad("min repeated axis", lambda: F.min(v(2, 3), axis=(1, 1)), ValueError, "min", "(1, 1)"),
    bad(
        "logsumexp axis str",
        lambda: F.logsumexp(v(2, 3), axis=untyped("1")),
        TypeError,
        "logsumexp",
        "axis",
    ),
    bad(
        "softmax axis 1.5",
        lambda: F.softmax(v(2, 3), axis=untyped(1.5)),
        TypeError,
        "softmax",
        "axis",
    ),
    bad(
        "softmax axis None",
        lambda: F.softmax(v(2, 3), axis=untyped(None)),
        TypeError,
        "softmax",
        "None",
    ),
    bad(
        "log_softmax axis str",
        lambda: F.log_softmax(v(2, 3), axis=untyped("1")),
        TypeError,
        "log_softmax",
        "axis",
    ),
    bad(
        "leaky_relu slope str",
        lambda: F.leaky_relu(v(3), untyped("0.2")),
        TypeError,
        "leaky_relu",
        "slope",
        "str",
    ),
    bad(
        "leaky_relu slope nan",
        lambda: F.leaky_relu(v(3), float("nan")),
        ValueError,
        "leaky_relu",
        "slope",
    ),
]

REDUCTIONS_GOOD = [
    good("sum numpy axis", lambda: F.sum(v(2, 3), axis=untyped(np.int64(1))), values([3.0, 3.0])),
    good("sum list axes", lambda: F.sum(v(2, 3), axis=untyped([0, 1])), values(6.0)),
    good(
        "sum keepdims 1",
        lambda: F.sum(v(2, 3), axis=1, keepdims=untyped(1)).shape,
        lambda s: s == (2, 1),
    ),
    good("max negative axis", lambda: F.max(v(2, 3), axis=-1), values([1.0, 1.0])),
    good(
        "softmax tuple axis", lambda: F.softmax(v(2, 3), axis=(0, 1)).shape, lambda s: s == (2, 3)
    ),
    good(
        "leaky_relu int slope",
        lambda: F.leaky_relu(Variable(np.array([-1.0, 1.0])), untyped(0)),
        values([0.0, 1.0]),
    ),
]


@pytest.mark.parametrize(("call", "error", "words"), LOSSES_BAD + NN_BAD + REDUCTIONS_BAD)
def test_a_bad_value_is_refused_by_name(
    call: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(call, error, words)


@pytest.mark.parametrize(("call", "check"), LOSSES_GOOD + NN_GOOD + REDUCTIONS_GOOD)
def test_a_legitimate_value_keeps_working(
    call: Callable[[], object], check: Callable[[Any], object]
) -> None:
    run_good(call, check)


def test_decay_above_one_would_have_driven_the_variance_negative() -> None:
    # Why decay is checked: running = decay * running + (1 - decay) * batch goes negative.
    running = np.ones(3)
    running *= 5.0
    running += (1.0 - 5.0) * 2.0
    assert (running < 0).all()
    with pytest.raises(ValueError, match="decay"):
        _batch_norm(decay=5.0)
