"""Layers: parameter discovery, gradients, inferred sizes, and forward results against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import plugrad
import plugrad.functions as F  # DeZero's convention
import plugrad.layers as L  # DeZero's convention
from plugrad import Parameter, Variable
from plugrad.models import MLP, Model, Sequential
from plugrad.testing import numerical_gradient


class TwoLayers(Model):
    def __init__(self) -> None:
        super().__init__()
        self.z_last = L.Linear(3, in_size=4)
        self.a_first = L.Linear(2, in_size=3)
        self.scale = Parameter(np.array(2.0), name="scale")

    def forward(self, x: Variable | np.ndarray) -> Variable:
        return self.a_first(F.sigmoid(self.z_last(x))) * self.scale


def test_params_follow_assignment_order_not_name_order() -> None:
    model = TwoLayers()
    names = [name for name, _ in model.named_params()]
    assert names == ["z_last/W", "z_last/b", "a_first/W", "a_first/b", "scale"]
    params = list(model.params())
    assert params[0] is model.z_last.W
    assert params[-1] is model.scale
    assert len(params) == 5


def test_reassigned_attribute_keeps_its_place_and_none_unregisters() -> None:
    layer = plugrad.Layer()
    layer.p1 = Parameter(np.zeros(1))
    layer.p2 = Parameter(np.zeros(2))
    layer.p1 = Parameter(np.zeros(3))
    assert [p.shape for p in layer.params()] == [(3,), (2,)]
    layer.p1 = None
    assert [p.shape for p in layer.params()] == [(2,)]
    layer.note = "not a parameter"
    assert len(list(layer.params())) == 1


def test_layer_without_super_init_gives_clear_error() -> None:
    class Broken(plugrad.Layer):
        def __init__(self) -> None:
            self.W = Parameter(np.zeros(1))

    with pytest.raises(TypeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_cleargrads_clears_every_parameter_in_sub_layers() -> None:
    model = TwoLayers()
    loss = F.sum(model(np.ones((5, 4))))
    loss.backward()
    assert all(p.grad is not None for p in model.params())
    model.cleargrads()
    assert all(p.grad is None for p in model.params())


def test_linear_infers_input_size_on_first_call() -> None:
    np.random.seed(0)
    layer = L.Linear(5)
    before: object = layer.W.data
    assert before is None
    x = np.random.randn(7, 3).astype(np.float32)
    y = layer(x)
    assert layer.in_size == 3
    assert layer.W.shape == (3, 5)
    assert layer.W.dtype == np.float32
    assert y.shape == (7, 5)
    assert y.dtype == np.float32
    assert layer.b is not None
    np.testing.assert_allclose(y.data, x @ layer.W.data + layer.b.data, rtol=1e-6)


def test_linear_init_is_scaled_normal_from_global_rng() -> None:
    np.random.seed(3)
    layer = L.Linear(400, in_size=100, dtype=np.float64)
    np.random.seed(3)
    expected = np.random.randn(100, 400) * np.sqrt(1 / 100)
    np.testing.assert_allclose(layer.W.data, expected)
    assert layer.b is not None
    np.testing.assert_array_equal(layer.b.data, np.zeros(400))


def test_linear_nobias_and_bad_sizes() -> None:
    layer = L.Linear(2, nobias=True, in_size=3)
    assert layer.b is None
    assert [p.name for p in layer.params()] == ["W"]
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_allclose(layer(x).data, x @ layer.W.data)
    with pytest.raises(ValueError, match="out_size"):
        L.Linear(0)
    with pytest.raises(ValueError, match="in_size"):
        L.Linear(2, in_size=-1)


def test_mlp_matches_numpy_forward() -> None:
    np.random.seed(1)
    model = MLP((4, 3))
    x = np.random.randn(6, 2).astype(np.float32)
    y = model(x)
    l0, l1 = model.layers
    assert l0.b is not None
    assert l1.b is not None
    h = 1 / (1 + np.exp(-(x @ l0.W.data + l0.b.data)))
    np.testing.assert_allclose(y.data, h @ l1.W.data + l1.b.data, rtol=1e-5)
    assert [n for n, _ in model.named_params()] == ["l0/W", "l0/b", "l1/W", "l1/b"]


def test_mlp_gradient_matches_numerical() -> None:
    np.random.seed(2)
    model = MLP((3, 2), activation=F.tanh)
    x = np.random.randn(4, 2)
    model(x)  # create the weights
    W = model.layers[0].W
    W.data = W.data.astype(np.float64)

    def loss_of(w: np.ndarray) -> float:
        saved = W.data
        W.data = w
        value = float(F.sum(model(x) ** 2).data)
        W.data = saved
        return value

    model.cleargrads()
    F.sum(model(x) ** 2).backward()
    assert W.grad is not None
    numerical = numerical_gradient(loss_of, W.data, eps=1e-6)
    np.testing.assert_allclose(W.grad.data, numerical, rtol=1e-4, atol=1e-6)


def test_sequential_runs_layers_and_functions_in_order() -> None:
    np.random.seed(4)
    model = Sequential(L.Linear(3, in_size=2), F.relu, L.Linear(1, in_size=3))
    x = np.random.randn(5, 2).astype(np.float32)
    first, second = model.layers[0], model.layers[2]
    assert isinstance(first, L.Linear)
    assert isinstance(second, L.Linear)
    assert first.b is not None
    assert second.b is not None
    h = np.maximum(x @ first.W.data + first.b.data, 0)
    np.testing.assert_allclose(model(x).data, h @ second.W.data + second.b.data, rtol=1e-5)
    assert len(list(model.params())) == 4


def test_layer_keeps_weak_references_to_last_call() -> None:
    layer = L.Linear(2, in_size=2)
    x = Variable(np.ones((1, 2), dtype=np.float32))
    y = layer(x)
    assert layer.inputs[0]() is x
    assert layer.outputs[0]() is y


def test_deeply_nested_layers_do_not_recurse_in_named_params() -> None:
    root = plugrad.Layer()
    node = root
    for _ in range(3000):
        child = plugrad.Layer()
        node.child = child
        node = child
    node.W = Parameter(np.zeros(1))
    names = [name for name, _ in root.named_params()]
    assert len(names) == 1
    assert names[0].endswith("child/W")


class Tied(Model):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = L.Linear(3, in_size=3)
        self.decoder = L.Linear(3, in_size=3)
        self.decoder.W = self.encoder.W  # tied weights
        self.again = self.encoder  # the same sub-layer under a second name
        self.again_self = self  # a cycle

    def forward(self, x: Variable | np.ndarray) -> Variable:
        return self.decoder(self.encoder(x))


def test_shared_parameters_and_layers_come_once() -> None:
    model = Tied()
    params = list(model.params())
    assert len(params) == 3  # W (shared), encoder.b, decoder.b
    assert len({id(p) for p in params}) == 3
    names = [name for name, _ in model.named_params()]
    assert names == ["encoder/W", "encoder/b", "decoder/W", "decoder/b"]


def test_dezero_names_for_inspection() -> None:
    layer = L.Linear(3, in_size=2)
    assert layer._params == {"W", "b"}
    x = plugrad.Variable(np.ones((2, 3)))
    assert x.max().data == 1.0
    assert x.min(axis=1).shape == (2,)
    assert x.reshape([3, 2]).shape == (3, 2)
    assert x.transpose([1, 0]).shape == (3, 2)
    assert x.dot(np.ones((3, 4))).shape == (2, 4)
    assert x.matmul(np.ones((3, 4))).shape == (2, 4)
