"""Layer.param_grads: {name: gradient} for a model's parameters, no .grad touched."""

from __future__ import annotations

import numpy as np
import pytest

import plugrad.functions as F
from plugrad import Parameter, Variable
from plugrad.layers import Layer, Linear
from plugrad.models import MLP
from plugrad.typing import Array
from tests.func import _numeric

rng = np.random.default_rng(5)
X = rng.uniform(-1.0, 1.0, (4, 3))
T = rng.uniform(-1.0, 1.0, (4, 2))


def _model() -> MLP:
    np.random.seed(0)
    model = MLP((5, 2), activation=F.tanh)
    model(X)  # creates the weights
    return model


def _loss(model: MLP) -> Variable:
    return F.mean_squared_error(model(X), T)


def _numerical(model: MLP, name: str) -> Array:
    param = dict(model.named_params())[name]
    original = param.data.copy()

    def loss_at(value: Array) -> float:
        param.data = value
        try:
            return float(_loss(model).data)
        finally:
            param.data = original

    return _numeric.jacobian(loss_at, original)


def test_gradients_by_name_match_central_differences() -> None:
    model = _model()
    grads = model.param_grads(_loss(model))
    assert list(grads) == ["l0/W", "l0/b", "l1/W", "l1/b"]
    for name, g in grads.items():
        np.testing.assert_allclose(g.data, _numerical(model, name), rtol=1e-6, atol=1e-9)


def test_no_grad_is_touched() -> None:
    model = _model()
    loss = _loss(model)
    loss.backward()
    before = {name: p.grad.data.copy() for name, p in model.named_params() if p.grad}
    model.param_grads(loss)
    model.param_grads(loss, create_graph=True)
    for name, p in model.named_params():
        assert p.grad is not None
        np.testing.assert_array_equal(p.grad.data, before[name])
    fresh = _model()
    fresh.param_grads(_loss(fresh))
    assert all(p.grad is None for p in fresh.params())


def test_agrees_with_a_training_step() -> None:
    model = _model()
    grads = model.param_grads(_loss(model))
    _loss(model).backward()
    for name, p in model.named_params():
        assert p.grad is not None
        np.testing.assert_allclose(grads[name].data, p.grad.data, rtol=1e-14)


def test_second_order_through_create_graph() -> None:
    # d/dW of the squared gradient norm, as meta-learning and gradient penalties use.
    layer = Linear(1, in_size=2, nobias=True)
    x = np.array([[0.5, -1.0]])

    def penalty(w: Array) -> Variable:
        layer.W.data = w
        (g,) = layer.param_grads(F.sum(F.sin(layer(x))), create_graph=True).values()
        return F.sum(g * g)

    w = np.array([[0.3], [0.8]])
    value = penalty(w.copy())
    (got,) = layer.param_grads(value).values()
    np.testing.assert_allclose(got.data, _numeric.jacobian(penalty, w), rtol=1e-6)


def test_shared_and_unused_parameters() -> None:
    class Tied(Layer):
        def __init__(self) -> None:
            super().__init__()
            self.a = Linear(2, in_size=2)
            self.b = Linear(2, in_size=2)
            self.b.W = self.a.W  # tied
            self.unused = Parameter(np.ones(3))

        def forward(self, x: Variable) -> Variable:
            return self.b(self.a(x))

    model = Tied()
    grads = model.param_grads(F.sum(model(np.ones((1, 2)))))
    assert grads["a/W"] is not grads["b/W"]  # arrays of their own
    np.testing.assert_array_equal(grads["a/W"].data, grads["b/W"].data)
    assert grads["unused"].shape == (3,)
    assert not grads["unused"].data.any()


def test_a_layer_before_its_first_call_is_explained() -> None:
    model = MLP((3,))
    with pytest.raises(ValueError, match="parameter l0/W has no data yet"):
        model.param_grads(Variable(np.array(1.0)))
