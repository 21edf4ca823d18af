"""Property-based: random expression trees over the basic ops, checked against NumPy.

Hypothesis draws a tree over one or two inputs (bounded depth, every op kept inside a safe
domain: ``log`` sees ``e**2 + 1``, ``div`` divides by ``e**2 + 1``, ``exp`` sees ``tanh(e)``).
The same tree is evaluated twice: with plugrad, and by a plain-NumPy interpreter that knows
nothing of plugrad.  Forward values must agree, and backprop's gradients must agree with central
differences of the NumPy interpreter (and, at second order, of backprop's first-order gradient).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable
from plugrad.typing import Array


@dataclass(frozen=True)
class Leaf:
    index: int  # which input


@dataclass(frozen=True)
class Constant:
    value: float


@dataclass(frozen=True)
class Unary:
    op: str
    child: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Leaf | Constant | Unary | Binary

# Each op: (plugrad form, NumPy form).  Both take and return "anything arithmetic" (a Variable,
# or an ndarray), hence ``Any``.
UnaryForm = Callable[[Any], Any]
BinaryForm = Callable[[Any, Any], Any]

UNARY_OPS: dict[str, tuple[UnaryForm, UnaryForm]] = {
    "neg": (F.neg, np.negative),
    "square": (F.square, np.square),
    "sin": (F.sin, np.sin),
    "cos": (F.cos, np.cos),
    "tanh": (F.tanh, np.tanh),
    "exp_tanh": (lambda e: F.exp(F.tanh(e)), lambda e: np.exp(np.tanh(e))),
    "log_sq1": (lambda e: F.log(e * e + 1.0), lambda e: np.log(e * e + 1.0)),
    "pow3": (lambda e: e**3, lambda e: e**3),
    "pow_1.5": (lambda e: F.pow(e * e + 1.0, 1.5), lambda e: (e * e + 1.0) ** 1.5),
    "scale": (lambda e: 0.5 * e - 0.25, lambda e: 0.5 * e - 0.25),
    "sum_bcast": (
        lambda e: F.broadcast_to(F.sum(e, axis=-1, keepdims=True), e.shape) * 0.3,
        lambda e: np.broadcast_to(np.sum(e, axis=-1, keepdims=True), e.shape) * 0.3,
    ),
}

BINARY_OPS: dict[str, tuple[BinaryForm, BinaryForm]] = {
    "add": (F.add, np.add),
    "sub": (F.sub, np.subtract),
    "mul": (F.mul, np.multiply),
    "div": (lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1.0)),
    "rsub": (lambda a, b: 1.5 - a + b, lambda a, b: 1.5 - a + b),
}


def trees(n_inputs: int, max_leaves: int = 8) -> st.SearchStrategy[Node]:
    leaves: st.SearchStrategy[Node] = st.one_of(
        st.builds(Leaf, st.integers(0, n_inputs - 1)),
        st.builds(Constant, st.sampled_from([-1.5, 0.5, 2.0])),
    )

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        return st.one_of(
            st.builds(Unary, st.sampled_from(sorted(UNARY_OPS)), children),
            st.builds(Binary, st.sampled_from(sorted(BINARY_OPS)), children, children),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def evaluate(node: Node, inputs: list[Any], plugrad: bool) -> Any:
    """Evaluate the tree with plugrad or with plain NumPy (recursively: trees are shallow)."""
    if isinstance(node, Leaf):
        return inputs[node.index]
    if isinstance(node, Constant):
        return np.array(node.value)
    if isinstance(node, Unary):
        forms = UNARY_OPS[node.op]
        return forms[0 if plugrad else 1](evaluate(node.child, inputs, plugrad))
    left = evaluate(node.left, inputs, plugrad)
    right = evaluate(node.right, inputs, plugrad)
    return BINARY_OPS[node.op][0 if plugrad else 1](left, right)


def uses(node: Node, index: int) -> bool:
    if isinstance(node, Leaf):
        return node.index == index
    if isinstance(node, Constant):
        return False
    if isinstance(node, Unary):
        return uses(node.child, index)
    return uses(node.left, index) or uses(node.right, index)


SHAPES: list[tuple[tuple[int, ...], ...]] = [
    ((),),
    ((3,),),
    ((2, 3),),
    ((), ()),
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
]


def _draw_inputs(seed: int, shapes: tuple[tuple[int, ...], ...]) -> list[Array]:
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.uniform(-1.5, 1.5, size=s)) for s in shapes]


def _numpy_loss(tree: Node, xs: list[Array], W: Array) -> float:
    y = np.broadcast_to(np.asarray(evaluate(tree, list(xs), plugrad=False)), W.shape)
    return float(np.sum(y * W))


def _plugrad_loss(tree: Node, variables: list[Variable], W: Array) -> Variable:
    y = evaluate(tree, list(variables), plugrad=True)
    if not isinstance(y, Variable):  # the tree was a lone constant
        y = Variable(np.asarray(y))
    return F.sum(F.broadcast_to(y, W.shape) * W)


def _central_difference(f: Callable[[Array], float], x: Array, eps: float = 1e-6) -> Array:
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def _with(xs: list[Array], index: int, value: Array) -> list[Array]:
    return [value if i == index else x for i, x in enumerate(xs)]


def _out_shape(shapes: tuple[tuple[int, ...], ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*shapes))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), shapes=st.sampled_from(SHAPES), seed=st.integers(0, 2**32 - 1))
def test_random_graph_first_order(
    data: st.DataObject, shapes: tuple[tuple[int, ...], ...], seed: int
) -> None:
    tree = data.draw(trees(len(shapes)))
    xs = _draw_inputs(seed, shapes)
    W = np.random.default_rng(seed + 1).uniform(0.5, 1.5, size=_out_shape(shapes))
    variables = [Variable(x.copy()) for x in xs]
    loss = _plugrad_loss(tree, variables, W)
    reference = _numpy_loss(tree, xs, W)
    np.testing.assert_allclose(loss.data, reference, rtol=1e-12, atol=1e-12)
    loss.backward()
    for i, (x, v) in enumerate(zip(xs, variables, strict=True)):
        if not uses(tree, i):
            assert v.grad is None
            continue

        def f(value: Array, i: int = i) -> float:
            return _numpy_loss(tree, _with(xs, i, value), W)

        expected = _central_difference(f, x)
        assert v.grad is not None
        assert v.grad.shape == x.shape
        # Central differences lose about eps_machine * |loss| / step to rounding in every
        # element, so a loss in the millions (x ** 27, say) needs a looser absolute bound.
        rounding = 1e-16 * max(1.0, abs(float(reference))) / 1e-6
        np.testing.assert_allclose(v.grad.data, expected, rtol=1e-5, atol=1e-6 + 10 * rounding)


def _first_order_grad(tree: Node, xs: list[Array], W: Array, index: int) -> Array:
    variables = [Variable(x.copy()) for x in xs]
    _plugrad_loss(tree, variables, W).backward()
    grad = variables[index].grad
    return np.zeros_like(xs[index]) if grad is None else grad.data


@settings(max_examples=100, deadline=None)
@given(data=st.data(), shapes=st.sampled_from(SHAPES), seed=st.integers(0, 2**32 - 1))
def test_random_graph_second_order(
    data: st.DataObject, shapes: tuple[tuple[int, ...], ...], seed: int
) -> None:
    tree = data.draw(trees(len(shapes), max_leaves=6))
    xs = _draw_inputs(seed, shapes)
    W = np.random.default_rng(seed + 1).uniform(0.5, 1.5, size=_out_shape(shapes))
    i = data.draw(st.integers(0, len(shapes) - 1))
    V = np.random.default_rng(seed + 2).uniform(-1.0, 1.0, size=shapes[i])

    variables = [Variable(x.copy()) for x in xs]
    _plugrad_loss(tree, variables, W).backward(create_graph=True)
    gx = variables[i].grad
    if gx is None:  # the tree does not use input i
        assert not uses(tree, i)
        return
    for v in variables:
        v.cleargrad()
    F.sum(gx * V).backward()

    for j, x in enumerate(xs):

        def projected(value: Array, j: int = j) -> float:
            return float(np.sum(_first_order_grad(tree, _with(xs, j, value), W, i) * V))

        expected = _central_difference(projected, x, eps=1e-5)
        grad = variables[j].grad
        got = np.zeros_like(x) if grad is None else grad.data
        assert got.shape == x.shape
        # The same rounding bound as the first-order test's, for this step and this function.
        rounding = 1e-16 * max(1.0, abs(projected(x))) / 1e-5
        np.testing.assert_allclose(
            got, expected, rtol=1e-5, atol=1e-6 + 10 * rounding, err_msg=f"d/dx{j}"
        )
