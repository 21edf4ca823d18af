"""The ``Function`` contract: variadic forward, result normalization, the derivative rule.

An op writes its derivative once, as ``vjp``; the engine runs it on ndarrays for first order
and on Variables under ``create_graph``.  Ops written DeZero's way (``backward`` reading
``self.inputs`` and ``self.outputs[0]()``) and ops with only an array form (``vjp_array``)
keep working where they can.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Function, Variable
from plugrad.typing import Array, V
from plugrad.utils import numerical_grad
from tests._ops import DezeroStyleSin, SumDiff


class MulAdd(Function[Array, Array, Array]):
    """y = x0 * x1 + x2;  dy/dx0 = x1, dy/dx1 = x0, dy/dx2 = 1"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array, x2: Array) -> Array:
        return x0 * x1 + x2

    def vjp(self, x0: V, x1: V, x2: V, gy: V) -> tuple[V, V, V]:
        return gy * x1, gy * x0, gy


class Cube(Function[Array]):
    """y = x ** 3;  dy/dx = 3 x**2, a bare (not tuple) gradient on both paths"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x**3

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * 3.0 * x**2
        return gx


class DezeroStyleExp(Function[Array]):
    """y = exp(x), written the DeZero way: ``backward`` reads ``self.outputs[0]()``"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def backward(self, gy: Variable) -> Variable:
        y = self.outputs[0]()
        assert y is not None  # a DeZero-style op retains its outputs by default
        return gy * y


class ArrayOnlyExp(Function[Array]):
    """y = exp(x), with only the first-order array form ``vjp_array``"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def vjp_array(self, x: Array, gy: Array) -> Array:
        return gy * np.exp(x)


class TooFewGradients(Function[Array, Array]):
    """A broken op: two inputs, one gradient"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> Array:
        return x0 + x1

    def vjp(self, x0: V, x1: V, gy: V) -> V:
        return gy


class TooManyGradients(Function[Array]):
    """A broken op: one input, three gradients (DeZero-style ``backward``)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return 2.0 * x

    def backward(self, gy: Variable) -> tuple[Variable, Variable, Variable]:
        return gy, gy, gy


class TooManyGradientsVjp(Function[Array]):
    """A broken op: one input, three gradients (``vjp``, the engine's inline path)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return 2.0 * x

    def vjp(self, x: V, gy: V) -> tuple[V, V, V]:
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
    result = SumDiff()(a, b)
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
    _, d = SumDiff()(a, b)
    d.backward()  # s is dropped: its gradient is zero
    assert a.grad is not None
    assert b.grad is not None
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.data, [-1.0, -1.0])


def test_unused_output_with_create_graph() -> None:
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 5.0]))
    _, d = SumDiff()(a, b)
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


@pytest.mark.parametrize("op", [TooManyGradients, TooManyGradientsVjp])
@pytest.mark.parametrize("create_graph", [False, True])
def test_too_many_gradients_names_the_op_and_both_counts(
    op: type[TooManyGradients | TooManyGradientsVjp], create_graph: bool
) -> None:
    x = Variable(np.ones(2))
    with pytest.raises(TypeError, match=rf"{op.__name__}\b.*\b3 gradient.*\b1 input"):
        op()(x).backward(create_graph=create_graph)


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


def test_dezero_style_op_reading_its_output_works_for_both_orders() -> None:
    xs = np.array([0.3, -1.2, 2.0])
    x = Variable(xs.copy())
    DezeroStyleExp()(x).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, np.exp(xs), rtol=1e-14)

    x = Variable(xs.copy())
    DezeroStyleExp()(x).backward(create_graph=True)
    assert x.grad is not None
    gx = x.grad
    x.cleargrad()
    gx.backward()  # d/dx (gy * y) through the rebuilt output: exp(x) again
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, np.exp(xs), rtol=1e-14)


def test_dezero_style_ops_retain_their_outputs_and_vjp_ops_do_not_by_default() -> None:
    assert DezeroStyleExp.retains_outputs
    assert DezeroStyleSin.retains_outputs
    assert not Cube.retains_outputs
    assert not MulAdd.retains_outputs

    class DeclaresNoOutputs(Function[Array]):
        retains_outputs = False  # a DeZero-style op that says it reads no output

        def forward(self, x: Array) -> Array:
            return x * 2.0

        def backward(self, gy: Variable) -> Variable:
            return gy * 2.0

    assert not DeclaresNoOutputs.retains_outputs
    y = DeclaresNoOutputs()(Variable(np.ones(2)))
    assert y.creator is not None
    assert y.creator.outputs[0]() is None


def test_outputs_give_the_value_and_place_of_each_output() -> None:
    """``f.outputs[i]()`` is not the very object ``f`` returned (a function holds no reference
    to its outputs) but a Variable with its value and place: the data, and ``f`` as creator."""
    x = Variable(np.array([0.5, -1.0]))
    y = DezeroStyleExp()(x)
    f = y.creator
    assert f is not None
    (ref,) = f.outputs
    rebuilt = ref()
    assert rebuilt is not None
    assert rebuilt.data is y.data
    assert rebuilt.creator is f
    assert rebuilt.generation == y.generation

    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 5.0]))
    s, d = SumDiff()(a, b)
    g = s.creator
    assert g is not None
    assert g is d.creator
    assert len(g.outputs) == 2
    assert g.outputs[0]() is None  # SumDiff's rule reads no output: nothing retained


def test_gradients_reaching_a_rebuilt_output_are_the_outputs() -> None:
    # A rebuilt output shares the output's place: using it in the graph is using the output.
    x = Variable(np.array([0.5, -1.0]))
    y = DezeroStyleExp()(x)
    assert y.creator is not None
    rebuilt = y.creator.outputs[0]()
    assert rebuilt is not None
    (y + rebuilt).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2.0 * np.exp([0.5, -1.0]), rtol=1e-14)


class Scale(Function[Array, Array]):
    """y = x0 * x1 with broadcasting;  dy/dx0 = x1, dy/dx1 = x0 (summed back to each shape)"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> Array:
        return x0 * x1

    def vjp(self, x0: V, x1: V, gy: V) -> tuple[V, V]:
        return F.unbroadcast(gy * x1, x0.shape), F.unbroadcast(gy * x0, x1.shape)


class Softsign(Function[Array]):
    """y = x / (1 + |x|);  dy/dx = 1 / (1 + |x|)**2, with the sign a constant from ``data_of``"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x / (1.0 + np.abs(x))

    def vjp(self, x: V, gy: V) -> V:
        sign = np.sign(F.data_of(x))
        gx: V = gy / (1.0 + x * sign) ** 2
        return gx


def _split_sum_diff_loss(a: Variable, b: Variable) -> Variable:
    s, d = SumDiff()(a, b)
    return s * s + 3.0 * d


# name: (the function of Variables, the inputs' shapes); each op's own rule, run both ways.
BOTH_PATHS: dict[str, tuple[Callable[..., Variable], list[tuple[int, ...]]]] = {
    "cube": (Cube(), [(2, 3)]),
    "softsign (a data_of mask)": (Softsign(), [(4,)]),
    "mul_add (three inputs)": (MulAdd(), [(2, 3), (2, 3), (2, 3)]),
    "scale (broadcasting)": (Scale(), [(2, 3), (3,)]),
    "split_sum_diff (two outputs)": (_split_sum_diff_loss, [(3,), (3,)]),
    "sin (Cos().of)": (F.sin, [(2, 3)]),
    "exp (retains outputs)": (F.exp, [(2, 3)]),
    "tanh (a grad op)": (F.tanh, [(2, 3)]),
    "div (broadcasting)": (F.div, [(2, 3), (2, 1)]),
}


@pytest.mark.parametrize("name", BOTH_PATHS)
def test_one_rule_gives_the_same_first_order_gradients_on_both_paths(name: str) -> None:
    """``vjp`` runs on ndarrays for ``backward()`` and on Variables, recorded, for
    ``backward(create_graph=True)``: the first-order gradients are the same numbers."""
    function, shapes = BOTH_PATHS[name]
    rng = np.random.default_rng(0)
    # Values away from zero, where every rule here is smooth.
    inputs = [rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape) for shape in shapes]
    w = None
    grads: dict[bool, list[Array]] = {}
    for create_graph in (False, True):
        xs = [Variable(x.copy()) for x in inputs]
        y = function(*xs)
        if w is None:
            w = rng.uniform(0.5, 1.5, y.shape)
        F.sum(y * w).backward(create_graph=create_graph)
        grads[create_graph] = []
        for x in xs:
            assert x.grad is not None
            assert (x.grad.creator is not None) is create_graph  # recorded only with the graph
            grads[create_graph].append(x.grad.data)
    for array_path, graph_path in zip(grads[False], grads[True], strict=True):
        np.testing.assert_array_equal(array_path, graph_path)


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
    """A broken op: y = x.sum(axis=0), whose rule forgets to broadcast gy back"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        y: Array = x.sum(axis=0)
        return y

    def vjp(self, x: V, gy: V) -> V:
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

    def vjp(self, x: V, gy: V) -> V:
        return "two"  # type: ignore[return-value]  # the mistake under test


class ReturnsFloat64(Function[Array]):
    def forward(self, x: Array) -> Array:
        return x * 2.0

    # Array-typed on purpose: a rule computing in float64 whatever the input's dtype (only
    # first order is exercised here).
    def vjp(self, x: Array, gy: Array) -> Array:
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
