"""The ``Function`` contract: variadic forward, result normalization, backward arity."""

from __future__ import annotations

import numpy as np
import pytest

from plugrad import Function, Variable
from plugrad._typing import Array
from plugrad.utils import numerical_grad


class MulAdd(Function[Array, Array, Array]):
    """y = x0 * x1 + x2;  dy/dx0 = x1, dy/dx1 = x0, dy/dx2 = 1"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array, x2: Array) -> Array:
        return x0 * x1 + x2

    def backward_array(self, gy: Array) -> tuple[Array, Array, Array]:
        x0, x1, _ = self.inputs
        return gy * x1.data, gy * x0.data, gy


class SplitSumDiff(Function[Array, Array]):
    """(y0, y1) = (x0 + x1, x0 - x1);  two outputs"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> tuple[Array, Array]:
        return x0 + x1, x0 - x1

    def backward_array(self, gy0: Array, gy1: Array) -> tuple[Array, Array]:
        return gy0 + gy1, gy0 - gy1

    def backward(self, gy0: Variable, gy1: Variable) -> tuple[Variable, Variable]:
        return gy0 + gy1, gy0 - gy1


class Cube(Function[Array]):
    """y = x ** 3, with a bare (not tuple) gradient from both backward forms"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x**3

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        gx: Array = gy * 3.0 * x.data**2
        return gx

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * 3.0 * x**2


class DezeroStyleSin(Function[Array]):
    """y = sin(x), written the DeZero way: only ``backward`` on Variables"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.sin(x)

    def backward(self, gy: Variable) -> Variable:
        from plugrad.functions import cos

        (x,) = self.inputs
        return gy * cos(x)


class ArrayOnlyExp(Function[Array]):
    """y = exp(x), with only the first-order ``backward_array``"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy * np.exp(x.data)


class TooFewGradients(Function[Array, Array]):
    """A broken op: two inputs, one gradient"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> Array:
        return x0 + x1

    def backward_array(self, gy: Array) -> Array:
        return gy


class TooManyGradients(Function[Array]):
    """A broken op: one input, three gradients (on the Variable path)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return 2.0 * x

    def backward(self, gy: Variable) -> tuple[Variable, Variable, Variable]:
        return gy, gy, gy


X0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
X1 = np.array([[2.0, -3.0, 0.5], [1.0, 0.5, -2.0]])
X2 = np.array([[1.0, 0.0, -1.0], [-2.0, 3.0, 0.5]])


def test_three_input_op_forward_and_gradients() -> None:
    x0, x1, x2 = Variable(X0.copy()), Variable(X1.copy()), Variable(X2.copy())
    y = MulAdd()(x0, x1, x2)
    np.testing.assert_allclose(y.data, X0 * X1 + X2)
    y.backward()
    for index, x in enumerate((x0, x1, x2)):

        def f(v: Array, index: int = index) -> Variable:
            args = [X0, X1, X2]
            args[index] = v
            return MulAdd()(*args)

        assert x.grad is not None
        np.testing.assert_allclose(x.grad.data, numerical_grad(f, x.data), rtol=1e-7)


def test_one_output_is_a_variable_and_apply_gives_a_tuple() -> None:
    x = Variable(np.array(2.0))
    y = Cube()(x)
    assert isinstance(y, Variable)
    outputs = Cube().apply(x)
    assert isinstance(outputs, tuple)
    assert len(outputs) == 1
    assert outputs[0].data == 8.0


def test_two_outputs_are_a_tuple_and_both_gradients_flow() -> None:
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 5.0]))
    result = SplitSumDiff()(a, b)
    assert isinstance(result, tuple)
    s, d = result
    np.testing.assert_array_equal(s.data, [4.0, 7.0])
    np.testing.assert_array_equal(d.data, [-2.0, -3.0])
    loss = s * s + 3.0 * d  # dL/da = 2s + 3, dL/db = 2s - 3
    loss.backward()
    assert a.grad is not None
    assert b.grad is not None
    np.testing.assert_allclose(a.grad.data, 2 * np.array([4.0, 7.0]) + 3)
    np.testing.assert_allclose(b.grad.data, 2 * np.array([4.0, 7.0]) - 3)


def test_unused_output_gets_a_zero_gradient() -> None:
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 5.0]))
    _, d = SplitSumDiff()(a, b)
    d.backward()  # s is dropped: its gradient is zero
    assert a.grad is not None
    assert b.grad is not None
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.data, [-1.0, -1.0])


def test_unused_output_with_create_graph() -> None:
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 5.0]))
    _, d = SplitSumDiff()(a, b)
    (d * d).backward(create_graph=True)  # dL/da = 2d, dL/db = -2d
    assert a.grad is not None
    assert b.grad is not None
    np.testing.assert_array_equal(a.grad.data, [-4.0, -6.0])
    np.testing.assert_array_equal(b.grad.data, [4.0, 6.0])


def test_bare_gradient_is_normalized_on_both_paths() -> None:
    x = Variable(np.array([1.0, -2.0]))
    Cube()(x).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [3.0, 12.0])

    x = Variable(np.array([1.0, -2.0]))
    Cube()(x).backward(create_graph=True)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [3.0, 12.0])


def test_wrong_gradient_count_names_the_op_and_both_counts() -> None:
    x0, x1 = Variable(np.ones(2)), Variable(np.ones(2))
    with pytest.raises(TypeError, match=r"TooFewGradients.*\b1 gradient.*\b2 input"):
        TooFewGradients()(x0, x1).backward()


def test_too_many_gradients_names_the_op_and_both_counts() -> None:
    x = Variable(np.ones(2))
    with pytest.raises(TypeError, match=r"TooManyGradients.*\b3 gradient.*\b1 input"):
        TooManyGradients()(x).backward()


def test_wrong_gradient_count_with_create_graph() -> None:
    x = Variable(np.ones(2))
    with pytest.raises(TypeError, match=r"TooManyGradients.*\b3 gradient.*\b1 input"):
        TooManyGradients()(x).backward(create_graph=True)


def test_dezero_style_op_works_for_first_order() -> None:
    xs = np.array([0.3, -1.2, 2.0])
    x = Variable(xs.copy())
    y = DezeroStyleSin()(x)
    np.testing.assert_allclose(y.data, np.sin(xs))
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, np.cos(xs), rtol=1e-14)
    assert x.grad.creator is None  # first order records no graph


def test_dezero_style_op_works_for_second_order() -> None:
    xs = np.array([0.3, -1.2, 2.0])
    x = Variable(xs.copy())
    DezeroStyleSin()(x).backward(create_graph=True)
    assert x.grad is not None
    gx = x.grad
    x.cleargrad()
    gx.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, -np.sin(xs), rtol=1e-14)


def test_array_only_op_works_for_first_order() -> None:
    x = Variable(np.array([0.5, 1.0]))
    ArrayOnlyExp()(x).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, np.exp([0.5, 1.0]))


def test_array_only_op_refuses_create_graph_clearly() -> None:
    x = Variable(np.array([0.5, 1.0]))
    y = ArrayOnlyExp()(x)
    with pytest.raises(NotImplementedError, match=r"ArrayOnlyExp.*create_graph"):
        y.backward(create_graph=True)


def test_forward_returning_a_non_array_is_a_type_error() -> None:
    class ReturnsList(Function[Array]):
        def forward(self, x: Array) -> Array:
            return [1.0, 2.0]  # type: ignore[return-value]  # the bug under test

    with pytest.raises(TypeError, match=r"ReturnsList.*list"):
        ReturnsList()(Variable(np.ones(2)))


def test_non_numeric_input_to_an_op_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"Cube.*str"):
        Cube()("2.0")  # type: ignore[arg-type]  # the point of the test


def test_constant_inputs_get_no_gradient() -> None:
    x = Variable(np.array([1.0, 2.0]))
    c = np.array([3.0, 4.0])
    y = MulAdd()(x, c, 1.0)
    y.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, c)


class WrongShapeGradient(Function[Array]):
    """A broken op: y = x.sum(axis=0), whose backward forgets to broadcast gy back"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        y: Array = x.sum(axis=0)
        return y

    def backward_array(self, gy: Array) -> Array:
        return gy

    def backward(self, gy: Variable) -> Variable:
        return gy


def test_wrong_gradient_shape_names_the_op_and_both_shapes() -> None:
    x = Variable(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"WrongShapeGradient.*\(3,\).*\(2, 3\)"):
        WrongShapeGradient()(x).backward()


def test_wrong_gradient_shape_is_caught_with_create_graph() -> None:
    x = Variable(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"WrongShapeGradient.*\(3,\).*\(2, 3\)"):
        WrongShapeGradient()(x).backward(create_graph=True)


class ReturnsText(Function[Array]):
    def forward(self, x: Array) -> Array:
        return x * 2.0

    def backward_array(self, gy: Array) -> Array:
        return "two"  # type: ignore[return-value]  # the mistake under test


class ReturnsFloat64(Function[Array]):
    def forward(self, x: Array) -> Array:
        return x * 2.0

    def backward_array(self, gy: Array) -> Array:
        return gy.astype(np.float64) * 2.0


def test_a_non_array_gradient_is_an_error_naming_the_op() -> None:
    x = Variable(np.ones(2))
    with pytest.raises(TypeError, match=r"ReturnsText.*backward returned str"):
        ReturnsText()(x).backward()


def test_a_float32_input_gets_a_float32_gradient_from_a_float64_backward() -> None:
    x = Variable(np.ones(2, dtype=np.float32))
    ReturnsFloat64()(x).backward()
    assert x.grad is not None
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.full(2, 2.0, dtype=np.float32))
