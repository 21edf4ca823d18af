"""Every basic op: forward against NumPy, first and second derivatives against central differences.

All in float64, over several shapes, broadcasting included.  The loss is ``sum(f(...) * W)`` with
a random ``W`` rather than a plain sum: a plain sum has the same gradient for any permutation of
the output, so it could not catch a transpose or reshape that scrambles elements.

Second order: with ``backward(create_graph=True)`` take ``g = dL/dx_i``, then backpropagate
``sum(g * V)`` and compare its gradient with respect to every input against central differences
of the (first-order) gradient ``sum(dL/dx_i * V)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Function, Variable
from plugrad.testing import numerical_gradient
from plugrad.typing import Array, V
from plugrad.utils import GradientCheckError, gradient_check

Op = Callable[..., Variable]
Reference = Callable[..., Array]
UnaryOp = Callable[[Variable], Variable]
UnaryReference = Callable[[Array], Array]
BinaryOp = Callable[[Variable, Variable], Variable]  # one of the two may be an ndarray instead


@dataclass(frozen=True)
class Case:
    label: str
    op: Op  # takes Variables (or arrays), returns a Variable
    reference: Reference  # the same forward computation in plain NumPy
    domains: tuple[str, ...]  # one per input: "any", "positive" or "nonzero"
    shapes: tuple[tuple[int, ...], ...]


def _draw(rng: np.random.Generator, domain: str, shape: tuple[int, ...]) -> Array:
    if domain == "positive":
        return np.asarray(rng.uniform(0.5, 2.0, size=shape))
    if domain == "nonzero":
        sign = rng.choice([-1.0, 1.0], size=shape)
        return np.asarray(sign * rng.uniform(0.5, 2.0, size=shape))
    return np.asarray(rng.uniform(-2.0, 2.0, size=shape))


def _inputs(case: Case, seed: int = 0) -> tuple[Array, ...]:
    rng = np.random.default_rng(seed)
    return tuple(_draw(rng, d, s) for d, s in zip(case.domains, case.shapes, strict=True))


BINARY_SHAPES: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((2, 3, 4), (3, 1)),
]


def _shape_id(shapes: tuple[tuple[int, ...], ...]) -> str:
    return "&".join("x".join(map(str, s)) or "0d" for s in shapes)


def _binary_cases() -> list[Case]:
    ops: list[tuple[str, BinaryOp, Reference, str]] = [
        ("add", F.add, np.add, "any"),
        ("sub", F.sub, np.subtract, "any"),
        ("mul", F.mul, np.multiply, "any"),
        ("div", F.div, np.divide, "nonzero"),
        ("operator+", lambda a, b: a + b, np.add, "any"),
        ("operator-", lambda a, b: a - b, np.subtract, "any"),
        ("operator*", lambda a, b: a * b, np.multiply, "any"),
        ("operator/", lambda a, b: a / b, np.divide, "nonzero"),
    ]
    return [
        Case(f"{name}[{_shape_id(shapes)}]", op, ref, ("any", second), shapes)
        for name, op, ref, second in ops
        for shapes in BINARY_SHAPES
    ]


UNARY_SHAPES: list[tuple[int, ...]] = [(), (4,), (2, 3)]


def _unary_cases() -> list[Case]:
    ops: list[tuple[str, UnaryOp, UnaryReference, str]] = [
        ("neg", F.neg, np.negative, "any"),
        ("square", F.square, np.square, "any"),
        ("exp", F.exp, np.exp, "any"),
        ("log", F.log, np.log, "positive"),
        ("sin", F.sin, np.sin, "any"),
        ("cos", F.cos, np.cos, "any"),
        ("tanh", F.tanh, np.tanh, "any"),
        ("pow2", lambda x: F.pow(x, 2), lambda x: x**2, "any"),
        ("pow3.0", lambda x: F.pow(x, 3.0), lambda x: x**3.0, "any"),
        ("pow2.5", lambda x: F.pow(x, 2.5), lambda x: x**2.5, "positive"),
        ("pow-1.5", lambda x: F.pow(x, -1.5), lambda x: x**-1.5, "positive"),
        ("operator**0.5", lambda x: x**0.5, np.sqrt, "positive"),
        ("add_constant", lambda x: x + 2.5, lambda x: x + 2.5, "any"),
        ("sub_constant", lambda x: x - 1.5, lambda x: x - 1.5, "any"),
        ("mul_constant", lambda x: x * -2.0, lambda x: x * -2.0, "any"),
        ("div_constant", lambda x: x / 4.0, lambda x: x / 4.0, "any"),
        ("rsub_constant", lambda x: 2.0 - x, lambda x: 2.0 - x, "any"),
        ("rdiv_constant", lambda x: 3.0 / x, lambda x: 3.0 / x, "nonzero"),
        ("rmul_int", lambda x: 3 * x, lambda x: 3 * x, "any"),
    ]
    return [
        _unary_case(f"{name}[{_shape_id((shape,))}]", op, ref, shape, domain)
        for name, op, ref, domain in ops
        for shape in UNARY_SHAPES
    ]


def _unary_case(
    label: str, op: UnaryOp, reference: UnaryReference, shape: tuple[int, ...], domain: str = "any"
) -> Case:
    return Case(label, op, reference, (domain,), (shape,))


def _sum_to_case(source: tuple[int, ...], target: tuple[int, ...]) -> Case:
    return _unary_case(
        f"sum_to[{_shape_id((source, target))}]",
        lambda x: F.sum_to(x, target),
        lambda x: _numpy_sum_to(x, target),
        source,
    )


def _broadcast_to_case(source: tuple[int, ...], target: tuple[int, ...]) -> Case:
    return _unary_case(
        f"broadcast_to[{_shape_id((source, target))}]",
        lambda x: F.broadcast_to(x, target),
        lambda x: np.broadcast_to(x, target),
        source,
    )


def _reshape_case(source: tuple[int, ...], target: tuple[int, ...]) -> Case:
    return _unary_case(
        f"reshape[{_shape_id((source, target))}]",
        lambda x: F.reshape(x, target),
        lambda x: np.reshape(x, target),
        source,
    )


def _transpose_case(source: tuple[int, ...], axes: tuple[int, ...] | None) -> Case:
    return _unary_case(
        f"transpose[{_shape_id((source,))} axes={axes}]",
        lambda x: F.transpose(x, axes),
        lambda x: np.transpose(x, axes),
        source,
    )


def _sum_case(source: tuple[int, ...], axis: int | tuple[int, ...] | None, keepdims: bool) -> Case:
    return _unary_case(
        f"sum[{_shape_id((source,))} axis={axis} keepdims={keepdims}]",
        lambda x: F.sum(x, axis, keepdims),
        lambda x: np.sum(x, axis=axis, keepdims=keepdims),
        source,
    )


def _shape_cases() -> list[Case]:
    cases: list[Case] = []
    for source, target in [((2, 3), (1, 3)), ((2, 3), (3,)), ((2, 3, 4), (3, 1)), ((4,), ())]:
        cases.append(_sum_to_case(source, target))
    for source, target in [((3,), (2, 3)), ((1, 3), (4, 3)), ((), (2, 2)), ((2, 1), (2, 3, 4))]:
        # the last one is not a valid broadcast: (2, 1) -> (2, 3, 4) fails in NumPy too
        if not _broadcastable(source, target):
            continue
        cases.append(_broadcast_to_case(source, target))
    for source, target in [((2, 3), (3, 2)), ((6,), (2, 3)), ((2, 3), (6,)), ((2, 3, 4), (4, 6))]:
        cases.append(_reshape_case(source, target))
    transposes: list[tuple[tuple[int, ...], tuple[int, ...] | None]] = [
        ((2, 3), None),
        ((2, 3, 4), None),
        ((2, 3, 4), (1, 2, 0)),
        ((2, 3, 4), (2, 0, 1)),  # a 3-cycle: its inverse is a different permutation
        ((2, 3, 4), (0, -1, 1)),
    ]
    for source, axes in transposes:
        cases.append(_transpose_case(source, axes))
    cases.append(_unary_case("method.T[2x3]", lambda x: x.T, np.transpose, (2, 3)))
    sums: list[tuple[tuple[int, ...], int | tuple[int, ...] | None, bool]] = [
        ((4,), None, False),
        ((2, 3, 4), None, False),
        ((2, 3, 4), 1, False),
        ((2, 3, 4), 0, False),
        ((2, 3, 4), (0, 2), True),
        ((2, 3, 4), -1, True),
        ((2, 3, 4), -2, False),
        ((2, 3), (0, 1), False),
    ]
    for source, axis, keepdims in sums:
        cases.append(_sum_case(source, axis, keepdims))
    for a_shape, b_shape in [
        ((2, 3), (3, 4)),
        ((2, 2, 3), (3, 4)),
        ((5, 3), (3, 1)),
        ((1, 2), (2, 2)),
    ]:
        cases.append(
            Case(
                f"matmul[{_shape_id((a_shape, b_shape))}]",
                F.matmul,
                np.matmul,
                ("any", "any"),
                (a_shape, b_shape),
            )
        )
    return cases


def _broadcastable(source: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        np.broadcast_to(np.zeros(source), target)
    except ValueError:
        return False
    return True


def _numpy_sum_to(x: Array, shape: tuple[int, ...]) -> Array:
    """Reference sum_to, written independently of plugrad's: sum axes until the shape matches."""
    y = x
    while y.ndim > len(shape):
        y = y.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and y.shape[axis] != 1:
            y = y.sum(axis=axis, keepdims=True)
    return y


CASES = _binary_cases() + _unary_cases() + _shape_cases()


def _weights(case: Case, xs: tuple[Array, ...]) -> Array:
    out_shape = np.shape(case.reference(*xs))
    return np.random.default_rng(99).uniform(0.5, 1.5, size=out_shape)


def _loss(case: Case, W: Array, *xs: Variable | Array) -> Variable:
    return F.sum(case.op(*xs) * W)


def _central_difference(f: Callable[[Array], float], x: Array) -> Array:
    return numerical_gradient(f, x, eps=1e-5)


def _replace(xs: tuple[Array, ...], index: int, value: Array) -> tuple[Array, ...]:
    return tuple(value if i == index else x for i, x in enumerate(xs))


def _first_order(case: Case, W: Array, xs: tuple[Array, ...]) -> list[Array]:
    variables = [Variable(x.copy()) for x in xs]
    _loss(case, W, *variables).backward()
    grads: list[Array] = []
    for v in variables:
        assert v.grad is not None, f"{case.label}: no gradient for an input"
        grads.append(v.grad.data)
    return grads


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_forward_matches_numpy(case: Case) -> None:
    xs = _inputs(case)
    y = case.op(*[Variable(x.copy()) for x in xs])
    expected = case.reference(*xs)
    assert y.shape == np.shape(expected)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.data, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_first_order_with_gradient_check(case: Case) -> None:
    """Each input in turn is the Variable (the others are constant ndarrays)."""
    xs = _inputs(case)
    W = _weights(case, xs)
    for i in range(len(xs)):

        def f(v: Variable, i: int = i) -> Variable:
            args: list[Variable | Array] = list(xs)
            args[i] = v
            return case.op(*args) * W

        assert gradient_check(f, xs[i], rtol=1e-6, atol=1e-8) is True


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_first_order_all_inputs_at_once(case: Case) -> None:
    xs = _inputs(case, seed=1)
    W = _weights(case, xs)
    grads = _first_order(case, W, xs)
    for i, x in enumerate(xs):

        def total(v: Array, i: int = i) -> float:
            return float(np.sum(case.reference(*_replace(xs, i, v)) * W))

        expected = _central_difference(total, x)
        np.testing.assert_allclose(grads[i], expected, rtol=1e-6, atol=1e-8, err_msg=f"input {i}")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_second_order(case: Case) -> None:
    xs = _inputs(case, seed=2)
    W = _weights(case, xs)
    rng = np.random.default_rng(7)
    for i in range(len(xs)):
        V = rng.uniform(-1.0, 1.0, size=xs[i].shape)
        variables = [Variable(x.copy()) for x in xs]
        _loss(case, W, *variables).backward(create_graph=True)
        gx = variables[i].grad
        assert gx is not None
        np.testing.assert_allclose(gx.data, _first_order(case, W, xs)[i], rtol=1e-12, atol=1e-14)
        for v in variables:
            v.cleargrad()
        F.sum(gx * V).backward()

        for j, x in enumerate(xs):

            def projected(v: Array, i: int = i, j: int = j, V: Array = V) -> float:
                return float(np.sum(_first_order(case, W, _replace(xs, j, v))[i] * V))

            expected = _central_difference(projected, x)
            grad = variables[j].grad
            got = np.zeros_like(x) if grad is None else grad.data
            assert got.shape == x.shape
            np.testing.assert_allclose(
                got, expected, rtol=1e-5, atol=1e-7, err_msg=f"d/dx{j} of dL/dx{i}"
            )


# -- gradient_check itself -------------------------------------------------------------------


class WrongSquare(Function[Array]):
    """y = x ** 2 with a deliberately wrong derivative (3x instead of 2x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x * x

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * 3.0 * x
        return gx


def test_gradient_check_raises_with_both_values_on_a_wrong_op() -> None:
    x = np.array([1.0, 2.0])

    def wrong_square(v: Variable | Array) -> Variable:
        return WrongSquare()(v)

    with pytest.raises(GradientCheckError) as info:
        gradient_check(wrong_square, x)
    message = str(info.value)
    assert "backprop" in message
    assert "numerical" in message
    assert "3. 6." in message  # the wrong analytic gradient
    assert "2. 4." in message  # the numerical one


def test_gradient_check_returns_true_on_success() -> None:
    assert gradient_check(F.tanh, np.array([[0.1, -0.4], [1.2, 0.0]])) is True
    assert gradient_check(F.mul, np.array([1.0, 2.0]), np.array([3.0, -1.0])) is True


def test_gradient_check_is_a_subclass_of_assertion_error() -> None:
    # so a failure inside a plain pytest test reads as a test failure
    assert issubclass(GradientCheckError, AssertionError)
