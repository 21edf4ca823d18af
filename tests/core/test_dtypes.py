"""float32 graphs stay float32 end to end (outputs and gradients); float64 stays float64."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable

Unary = Callable[[Variable], Variable]
Binary = Callable[[Variable, Variable], Variable]

UNARY: dict[str, Unary] = {
    "neg": F.neg,
    "square": F.square,
    "exp": F.exp,
    "log": lambda x: F.log(x * x + 1.0),
    "sin": F.sin,
    "cos": F.cos,
    "tanh": F.tanh,
    "pow_int": lambda x: F.pow(x, 3),
    "pow_float": lambda x: F.pow(x * x + 1.0, 1.5),
    "add_constant": lambda x: x + 2.5,
    "radd_int": lambda x: 1 + x,
    "sub_constant": lambda x: x - 0.5,
    "rsub_constant": lambda x: 1.0 - x,
    "mul_constant": lambda x: x * 0.3,
    "rmul_constant": lambda x: 0.3 * x,
    "div_constant": lambda x: x / 3.0,
    "rdiv_constant": lambda x: 1.0 / (x * x + 1.0),
    "numpy_scalar": lambda x: x * np.float32(2.0),
    "sum": F.sum,
    "sum_axis": lambda x: F.sum(x, axis=0, keepdims=True),
    "sum_to": lambda x: F.sum_to(x, (1, 3)),
    "broadcast_to": lambda x: F.broadcast_to(x, (4, 2, 3)),
    "reshape": lambda x: F.reshape(x, (3, 2)),
    "transpose": F.transpose,
    "T": lambda x: x.T,
    "matmul": lambda x: F.matmul(x, x.T),
}

BINARY: dict[str, Binary] = {
    "add": F.add,
    "sub": F.sub,
    "mul": F.mul,
    "div": lambda a, b: F.div(a, b * b + 1.0),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_keeps_dtype(name: str, dtype: type[np.floating]) -> None:
    x = Variable(np.linspace(-1.0, 1.0, 6).reshape(2, 3).astype(dtype))
    y = UNARY[name](x)
    assert y.dtype == dtype
    F.sum(y).backward(create_graph=True)
    assert x.grad is not None
    assert x.grad.dtype == dtype
    gx = x.grad
    x.cleargrad()
    F.sum(gx * gx).backward()  # second order, where it is not identically zero
    if x.grad is not None:
        assert x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (3,))])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_keeps_dtype_with_broadcasting(
    name: str, shapes: tuple[tuple[int, ...], tuple[int, ...]], dtype: type[np.floating]
) -> None:
    rng = np.random.default_rng(0)
    a = Variable(np.asarray(rng.uniform(-1, 1, shapes[0])).astype(dtype))
    b = Variable(np.asarray(rng.uniform(-1, 1, shapes[1])).astype(dtype))
    y = BINARY[name](a, b)
    assert y.dtype == dtype
    y.backward()
    assert a.grad is not None
    assert b.grad is not None
    assert a.grad.dtype == dtype
    assert b.grad.dtype == dtype
    assert a.grad.shape == shapes[0]
    assert b.grad.shape == shapes[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_small_network_stays_in_its_dtype(dtype: type[np.floating]) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3)).astype(dtype)
    W = Variable(rng.standard_normal((3, 4)).astype(dtype))
    b = Variable(np.zeros(4, dtype=dtype))
    h = F.tanh(F.matmul(x, W) + b)
    loss = F.sum((h - 0.5) ** 2) / 20.0
    loss.backward(retain_grad=True)
    assert loss.dtype == dtype
    assert h.grad is not None
    assert h.grad.dtype == dtype
    assert W.grad is not None
    assert W.grad.dtype == dtype
    assert b.grad is not None
    assert b.grad.dtype == dtype


def test_float32_seed_and_leaf_grads() -> None:
    x = Variable(np.ones(3, dtype=np.float32))
    x.backward()
    assert x.grad is not None
    assert x.grad.dtype == np.float32
    y = F.exp(x) * 2.0
    y.backward()
    assert x.grad.dtype == np.float32


def test_integer_data_with_integer_constants_stays_integer() -> None:
    """NumPy's rule: an int array plus a Python int is an int array (DeZero agrees)."""
    x = Variable(np.array([1, 2, 3]))
    assert (x + 1).dtype == np.int64
    assert (x * 2).dtype == np.int64
    assert (x - 1).dtype == np.int64
    assert (x * 2.5).dtype == np.float64


def test_pow_of_integer_data_takes_a_float_gradient() -> None:
    x = Variable(np.array([1, 2, 3]))
    F.sum(x**3 * 0.5).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 1.5 * np.array([1.0, 2.0, 3.0]) ** 2)


def test_a_variable_exponent_is_a_clear_error() -> None:
    x = Variable(np.array(2.0))
    with pytest.raises(TypeError, match="pow: the exponent must be a number"):
        x ** Variable(np.array(2.0))  # type: ignore[operator]  # the mistake under test
