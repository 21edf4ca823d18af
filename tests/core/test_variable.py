"""The ``Variable`` API: attributes, array-like properties, repr, input checks, operators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from plugrad import Parameter, Variable
from plugrad.functions import square
from plugrad.typing import Array


def test_fresh_variable_attributes() -> None:
    data = np.array([1.0, 2.0])
    x = Variable(data, name="x")
    assert x.data is data
    assert x.grad is None
    assert x.creator is None
    assert x.name == "x"
    assert x.generation == 0
    assert Variable(data).name is None


def test_output_records_creator_and_generation() -> None:
    x = Variable(np.array(2.0))
    y = square(x)
    z = square(y)
    assert y.creator is not None
    assert z.creator is not None
    assert y.creator.inputs[0] is x
    assert z.creator.inputs[0] is y
    assert (x.generation, y.generation, z.generation) == (0, 1, 2)


@pytest.mark.parametrize(
    ("data", "shape"),
    [(np.array(3.0), ()), (np.zeros(4), (4,)), (np.zeros((2, 3, 5), dtype=np.float32), (2, 3, 5))],
)
def test_array_like_properties(data: Array, shape: tuple[int, ...]) -> None:
    x = Variable(data)
    assert x.shape == shape
    assert x.ndim == len(shape)
    assert x.size == int(np.prod(shape))
    assert x.dtype == data.dtype


def test_len_is_the_first_axis() -> None:
    assert len(Variable(np.zeros((4, 2)))) == 4
    with pytest.raises(TypeError):
        len(Variable(np.array(1.0)))  # like a 0-d ndarray


def test_repr_follows_dezero() -> None:
    assert repr(Variable(np.array([1.0, 2.0]))) == "variable([1. 2.])"
    assert repr(Variable(np.array(2.0))) == "variable(2.0)"
    assert repr(Variable(None)) == "variable(None)"


def test_repr_indents_continuation_lines_by_nine_spaces() -> None:
    x = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert repr(x) == "variable([[1. 2.]\n          [3. 4.]])"
    # "variable(" is nine characters, so the rows line up under the first one.
    first, second = repr(x).splitlines()
    assert first.index("[1.") == second.index("[3.")


def test_variable_none_is_a_placeholder() -> None:
    x = Variable(None)
    assert x.data is None


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [
        ("text", "str"),
        ([1.0, 2.0], "list"),
        (1.5, "float"),
        (np.array([object(), object()]), "object"),
        (np.array(["a", "b"]), "<U1"),
        (np.array([b"a"]), "S1"),
    ],
)
def test_non_numeric_input_is_a_type_error_naming_the_type(bad: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Variable(bad)  # type: ignore[arg-type]  # the point of the test


def test_integer_and_float32_arrays_are_accepted() -> None:
    assert Variable(np.arange(3)).dtype == np.int64
    assert Variable(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_parameter_is_a_variable() -> None:
    p = Parameter(np.ones(3), name="W")
    assert isinstance(p, Variable)
    assert issubclass(Parameter, Variable)
    assert p.name == "W"
    y = square(p)
    y.backward()
    assert p.grad is not None
    np.testing.assert_array_equal(p.grad.data, 2.0 * np.ones(3))


# -- operators ------------------------------------------------------------------------------

A = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
B = np.array([0.5, 4.0, -2.5])

BinaryForm = Callable[[Any, Any], Any]

# Each form applied to (a, b) must equal the NumPy expression.
BINARY_FORMS: dict[str, tuple[BinaryForm, BinaryForm]] = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
}


def _value(x: object) -> Array:
    assert isinstance(x, Variable), f"expected a Variable, got {type(x).__name__}"
    return x.data


@pytest.mark.parametrize("op", sorted(BINARY_FORMS))
@pytest.mark.parametrize("other_kind", ["variable", "ndarray", "float", "int", "0-d ndarray"])
@pytest.mark.parametrize("variable_first", [True, False], ids=["var-op-other", "other-op-var"])
def test_binary_operator_with_every_operand_kind(
    op: str, other_kind: str, variable_first: bool
) -> None:
    form, reference = BINARY_FORMS[op]
    other_data: Array = {
        "variable": B,
        "ndarray": B,
        "float": np.array(2.5),
        "int": np.array(3),
        "0-d ndarray": np.array(-1.5),
    }[other_kind]
    other: object = {
        "variable": Variable(B),
        "ndarray": B,
        "float": 2.5,
        "int": 3,
        "0-d ndarray": np.array(-1.5),
    }[other_kind]
    x = Variable(A)
    if variable_first:
        got, expected = form(x, other), reference(A, other_data)
    else:
        got, expected = form(other, x), reference(other_data, A)
    np.testing.assert_allclose(_value(got), np.asarray(expected), rtol=1e-15)


def test_ndarray_on_the_left_gives_a_variable() -> None:
    x = Variable(np.array([1.0, 2.0]))
    y = np.array(2.0) * x
    assert isinstance(y, Variable)
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    z = np.ones(2) - x
    assert isinstance(z, Variable)
    np.testing.assert_array_equal(z.data, [0.0, -1.0])


def test_numpy_scalar_on_the_left_gives_a_variable() -> None:
    x = Variable(np.array([1.0, 2.0]))
    y = np.float64(3.0) * x
    assert isinstance(y, Variable)
    np.testing.assert_array_equal(y.data, [3.0, 6.0])


def test_unary_neg_pos_and_pow() -> None:
    x = Variable(np.array([1.0, -2.0, 3.0]))
    np.testing.assert_array_equal((-x).data, [-1.0, 2.0, -3.0])
    assert +x is x
    np.testing.assert_array_equal((x**2).data, [1.0, 4.0, 9.0])
    np.testing.assert_allclose((x**3.0).data, [1.0, -8.0, 27.0])


def test_operator_gradients_against_closed_forms() -> None:
    # f = (x * y - x / y + 3 - y) ** 2 + 2 / x - (-x), with closed-form partials.
    xv, yv = 1.5, -0.75
    x, y = Variable(np.array(xv)), Variable(np.array(yv))
    f = (x * y - x / y + 3 - y) ** 2 + 2 / x - (-x)
    f.backward()
    inner = xv * yv - xv / yv + 3 - yv
    dfdx = 2 * inner * (yv - 1 / yv) - 2 / xv**2 + 1
    dfdy = 2 * inner * (xv + xv / yv**2 - 1)
    assert f.data == pytest.approx(inner**2 + 2 / xv + xv, rel=1e-14)
    assert x.grad is not None
    assert y.grad is not None
    assert x.grad.data == pytest.approx(dfdx, rel=1e-12)
    assert y.grad.data == pytest.approx(dfdy, rel=1e-12)


def test_reflected_operators_give_gradient_to_the_variable_only() -> None:
    x = Variable(np.array([2.0, 4.0]))
    c = np.array([1.0, 3.0])
    y = (c - x) + (c / x) + (c * x) + (c + x)
    y.backward()
    assert x.grad is not None
    # d/dx [(c - x) + c/x + c x + (c + x)] = -1 - c/x^2 + c + 1
    np.testing.assert_allclose(x.grad.data, -c / np.array([4.0, 16.0]) + c)


def test_tensor_methods() -> None:
    data = np.arange(6.0).reshape(2, 3)
    x = Variable(data)
    np.testing.assert_array_equal(x.T.data, data.T)
    np.testing.assert_array_equal(x.transpose().data, data.T)
    np.testing.assert_array_equal(x.transpose(1, 0).data, data.T)
    np.testing.assert_array_equal(x.transpose((1, 0)).data, data.T)
    np.testing.assert_array_equal(x.reshape(3, 2).data, data.reshape(3, 2))
    np.testing.assert_array_equal(x.reshape((6,)).data, data.reshape(6))
    np.testing.assert_array_equal(x.sum().data, data.sum())
    np.testing.assert_array_equal(x.sum(axis=0).data, data.sum(axis=0))
    np.testing.assert_array_equal(x.sum(axis=1, keepdims=True).data, data.sum(1, keepdims=True))
    w = np.ones((3, 4))
    np.testing.assert_array_equal((x @ w).data, data @ w)
    np.testing.assert_array_equal((w.T @ x.T).data, w.T @ data.T)
