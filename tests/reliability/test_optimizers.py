"""Optimizers and hooks: hyperparameters are checked where they are given (and whenever they are
assigned later, as a schedule does); an update checks every parameter before it changes any, and
a failed update leaves parameters, gradients and the optimizer's step count as they were."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import plugrad.layers as L  # DeZero's convention
from plugrad import Parameter, Variable
from plugrad.models import MLP
from plugrad.optimizers import (
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    ClipGrad,
    FreezeParam,
    MomentumSGD,
    Optimizer,
    WeightDecay,
)
from tests.reliability._table import bad, good, run_bad, run_good, untyped

NAN = float("nan")
INF = float("inf")

HYPERPARAMETERS_BAD = [
    bad("SGD lr -1", lambda: SGD(lr=-1), ValueError, "SGD", "lr", "-1"),
    bad("SGD lr nan", lambda: SGD(lr=NAN), ValueError, "SGD", "lr", "nan"),
    bad("SGD lr inf", lambda: SGD(lr=INF), ValueError, "SGD", "lr", "inf"),
    bad("SGD lr str", lambda: SGD(lr=untyped("0.1")), TypeError, "SGD", "lr", "str"),
    bad("SGD lr None", lambda: SGD(lr=untyped(None)), TypeError, "SGD", "lr", "None"),
    bad("SGD lr bool", lambda: SGD(lr=untyped(True)), TypeError, "SGD", "lr", "bool"),
    bad("SGD lr array", lambda: SGD(lr=untyped(np.ones(2))), TypeError, "SGD", "lr", "ndarray"),
    bad("SGD lr complex", lambda: SGD(lr=untyped(1j)), TypeError, "SGD", "lr", "complex"),
    bad("Momentum momentum 5", lambda: MomentumSGD(momentum=5), ValueError, "momentum", "[0, 1)"),
    bad("Momentum momentum 1", lambda: MomentumSGD(momentum=1.0), ValueError, "momentum"),
    bad("Momentum momentum -0.1", lambda: MomentumSGD(momentum=-0.1), ValueError, "momentum"),
    bad("Momentum momentum nan", lambda: MomentumSGD(momentum=NAN), ValueError, "momentum"),
    bad("Momentum lr -0.1", lambda: MomentumSGD(lr=-0.1), ValueError, "MomentumSGD", "lr"),
    bad("AdaGrad lr nan", lambda: AdaGrad(lr=NAN), ValueError, "AdaGrad", "lr"),
    bad("AdaGrad eps 0", lambda: AdaGrad(eps=0.0), ValueError, "AdaGrad", "eps", "> 0"),
    bad("AdaGrad eps -1", lambda: AdaGrad(eps=-1.0), ValueError, "AdaGrad", "eps"),
    bad("AdaDelta rho 1", lambda: AdaDelta(rho=1.0), ValueError, "AdaDelta", "rho"),
    bad("AdaDelta rho -0.5", lambda: AdaDelta(rho=-0.5), ValueError, "AdaDelta", "rho"),
    bad("AdaDelta eps nan", lambda: AdaDelta(eps=NAN), ValueError, "AdaDelta", "eps"),
    bad("Adam alpha nan", lambda: Adam(alpha=NAN), ValueError, "Adam", "alpha", "nan"),
    bad("Adam alpha -1", lambda: Adam(alpha=-1.0), ValueError, "Adam", "alpha"),
    bad("Adam alpha inf", lambda: Adam(alpha=INF), ValueError, "Adam", "alpha"),
    bad("Adam beta1 1", lambda: Adam(beta1=1.0), ValueError, "Adam", "beta1", "[0, 1)"),
    bad("Adam beta1 -0.1", lambda: Adam(beta1=-0.1), ValueError, "Adam", "beta1"),
    bad("Adam beta2 1.5", lambda: Adam(beta2=1.5), ValueError, "Adam", "beta2"),
    bad("Adam eps 0", lambda: Adam(eps=0.0), ValueError, "Adam", "eps"),
    bad("Adam eps str", lambda: Adam(eps=untyped("1e-8")), TypeError, "Adam", "eps", "str"),
    bad("WeightDecay -1", lambda: WeightDecay(-1.0), ValueError, "WeightDecay", "rate"),
    bad("WeightDecay nan", lambda: WeightDecay(NAN), ValueError, "WeightDecay", "rate"),
    bad("ClipGrad nan", lambda: ClipGrad(NAN), ValueError, "ClipGrad", "max_norm", "nan"),
    bad("ClipGrad 0", lambda: ClipGrad(0.0), ValueError, "ClipGrad", "max_norm", "> 0"),
    bad("ClipGrad -1", lambda: ClipGrad(-1.0), ValueError, "ClipGrad", "max_norm"),
    bad("ClipGrad inf", lambda: ClipGrad(INF), ValueError, "ClipGrad", "max_norm"),
    bad("ClipGrad str", lambda: ClipGrad(untyped("1")), TypeError, "ClipGrad", "str"),
    bad("a schedule's nan", lambda: setattr(SGD(), "lr", NAN), ValueError, "SGD", "lr"),
    bad("a schedule's -1", lambda: setattr(Adam(), "alpha", -1.0), ValueError, "Adam", "alpha"),
    bad(
        "a schedule's str", lambda: setattr(MomentumSGD(), "momentum", "0.9"), TypeError, "momentum"
    ),
    bad("FreezeParam str", lambda: FreezeParam(untyped("l0")), TypeError, "FreezeParam", "str"),
    bad("setup an array", lambda: SGD().setup(untyped(np.ones(3))), TypeError, "setup", "ndarray"),
    bad("add_hook an int", lambda: SGD().add_hook(untyped(5)), TypeError, "add_hook", "int"),
    bad("update before setup", lambda: SGD().update(), RuntimeError, "setup"),
]


def _scheduled(optimizer: SGD, lr: float) -> SGD:
    optimizer.lr = lr  # as a learning-rate schedule does between epochs
    return optimizer


HYPERPARAMETERS_GOOD = [
    good("SGD lr 0", lambda: SGD(lr=0).lr, lambda lr: lr == 0.0),
    good("SGD numpy lr", lambda: SGD(lr=untyped(np.float32(0.5))).lr, lambda lr: lr == 0.5),
    good("SGD int lr", lambda: SGD(lr=1).lr, lambda lr: lr == 1.0),
    good("momentum 0", lambda: MomentumSGD(momentum=0.0).momentum, lambda m: m == 0.0),
    good(
        "Adam defaults",
        lambda: (lambda a: (a.alpha, a.beta1, a.beta2, a.eps))(Adam()),
        lambda v: v == (0.001, 0.9, 0.999, 1e-8),
    ),
    good(
        "a schedule's new lr",
        lambda: _scheduled(SGD(), 0.05).lr,
        lambda lr: lr == 0.05,
    ),
    good("WeightDecay 0", lambda: WeightDecay(0.0).rate, lambda r: r == 0.0),
    good(
        "FreezeParam a Parameter",
        lambda: len(FreezeParam(Parameter(np.ones(2))).freeze_params),
        lambda n: n == 1,
    ),
]


@pytest.mark.parametrize(("call", "error", "words"), HYPERPARAMETERS_BAD)
def test_a_bad_hyperparameter_is_refused_where_it_is_given(
    call: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(call, error, words)


@pytest.mark.parametrize(("call", "check"), HYPERPARAMETERS_GOOD)
def test_a_legitimate_hyperparameter_is_kept(
    call: Callable[[], object], check: Callable[[Any], object]
) -> None:
    run_good(call, check)


# -- updates that cannot happen change nothing --------------------------------------------------


def _model_with_grads() -> MLP:
    np.random.seed(0)
    model = MLP((3, 2))
    model(np.ones((1, 2), dtype=np.float32)).sum().backward()
    return model


def _read_only_second(model: MLP) -> str:
    p = model.layers[0].b
    assert p is not None
    p.data = np.broadcast_to(p.data.copy(), p.data.shape)  # read-only
    return "'l0/b'"


def _wrong_grad_shape(model: MLP) -> str:
    p = model.layers[1].W
    assert p.grad is not None
    p.grad.data = np.ones(7, dtype=np.float32)  # behind the grad setter's back
    return "'l1/W'"


def _integer_param(model: MLP) -> str:
    p = model.layers[1].b
    assert p is not None
    p.data = np.zeros(2, dtype=np.int64)
    p.grad = Variable(np.ones(2))
    return "'l1/b'"


BROKEN = [
    pytest.param(_read_only_second, "read-only", id="a read-only parameter"),
    pytest.param(_wrong_grad_shape, "(7,)", id="a gradient of the wrong shape"),
    pytest.param(_integer_param, "int64", id="an integer parameter"),
]
OPTIMIZERS = [
    pytest.param(lambda: SGD(0.1), id="SGD"),
    pytest.param(lambda: MomentumSGD(0.1), id="MomentumSGD"),
    pytest.param(lambda: AdaGrad(0.1), id="AdaGrad"),
    pytest.param(lambda: AdaDelta(), id="AdaDelta"),
    pytest.param(lambda: Adam(0.1), id="Adam"),
]


def _snapshot(model: MLP) -> list[tuple[Any, Any]]:
    return [
        (np.array(p.data, copy=True), None if p.grad is None else np.array(p.grad.data, copy=True))
        for p in model.params()
    ]


def _assert_same(model: MLP, before: list[tuple[Any, Any]]) -> None:
    for p, (data, grad) in zip(model.params(), before, strict=True):
        np.testing.assert_array_equal(p.data, data)
        if grad is None:
            assert p.grad is None
        else:
            assert p.grad is not None
            np.testing.assert_array_equal(p.grad.data, grad)


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize(("breaks", "words"), BROKEN)
def test_an_update_that_cannot_happen_changes_nothing(
    make: Callable[[], Optimizer], breaks: Callable[[MLP], str], words: str
) -> None:
    model = _model_with_grads()
    name = breaks(model)
    before = _snapshot(model)
    optimizer = make().setup(model)
    message = run_bad(optimizer.update, ValueError, [type(optimizer).__name__, name, words])
    assert "no parameter was changed" in message
    _assert_same(model, before)
    assert getattr(optimizer, "t", 0) == 0  # Adam's step count is not advanced


class _Broken:
    """A hook that raises, after the hooks before it replaced the gradients."""

    def __call__(self, params: list[Parameter]) -> None:
        raise RuntimeError("the hook failed")


@pytest.mark.parametrize(
    "hooks",
    [
        pytest.param(lambda: [WeightDecay(0.5), _Broken()], id="after WeightDecay"),
        pytest.param(lambda: [ClipGrad(1e-3), _Broken()], id="after ClipGrad"),
        pytest.param(lambda: [FreezeParam(L.Linear(1)), _Broken()], id="after FreezeParam"),
    ],
)
def test_a_failing_hook_puts_the_gradients_back(hooks: Callable[[], list[Any]]) -> None:
    model = _model_with_grads()
    before = _snapshot(model)
    optimizer = SGD(0.1).setup(model)
    for hook in hooks():
        optimizer.add_hook(hook)
    with pytest.raises(RuntimeError, match="the hook failed"):
        optimizer.update()
    _assert_same(model, before)


def test_freezing_a_parameter_keeps_it_and_updates_the_rest() -> None:
    model = _model_with_grads()
    frozen = model.layers[0].W.data.copy()
    moving = model.layers[1].W.data.copy()
    optimizer = SGD(0.1).setup(model)
    optimizer.add_hook(FreezeParam(model.layers[0]))
    optimizer.update()
    np.testing.assert_array_equal(model.layers[0].W.data, frozen)
    assert not np.array_equal(model.layers[1].W.data, moving)


def test_a_parameter_replaced_by_another_shape_is_named() -> None:
    model = _model_with_grads()
    optimizer = MomentumSGD(0.1).setup(model)
    optimizer.update()
    p = model.layers[1].W
    p.data = np.ones((4, 2), dtype=np.float32)
    p.grad = Variable(np.ones((4, 2), dtype=np.float32))
    run_bad(optimizer.update, ValueError, ["(4, 2)", "(3, 2)", "new optimizer"])


def test_nan_hyperparameters_never_reach_the_parameters() -> None:
    model = _model_with_grads()
    before = _snapshot(model)
    optimizer = Adam().setup(model)
    with pytest.raises(ValueError, match="alpha"):
        optimizer.alpha = NAN
    optimizer.update()
    assert all(np.isfinite(p.data).all() for p in model.params())
    assert any(
        not np.array_equal(p.data, data)
        for p, (data, _) in zip(model.params(), before, strict=True)
    )
