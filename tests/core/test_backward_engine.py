"""The backward walk: visiting order, accumulation, retained grads, errors, unchaining."""

from __future__ import annotations

import numpy as np
import pytest

import plugrad.functions as F
from plugrad import Function, Variable
from plugrad.core.function import STAND_IN_MIN_BYTES
from plugrad.core.variable import StandIn
from plugrad.functions import add, exp, square
from plugrad.typing import Array, V
from tests._ops import SumDiff


class Traced(Function[Array]):
    """y = 2x, recording the order in which backward runs (by label)"""

    __slots__ = ("label", "log")

    def __init__(self, label: str, log: list[str]) -> None:
        self.label = label
        self.log = log

    def forward(self, x: Array) -> Array:
        return 2.0 * x

    def vjp(self, x: V, gy: V) -> V:
        self.log.append(self.label)
        return 2.0 * gy


class TracedAdd(Function[Array, Array]):
    """y = x0 + x1, recording when its backward runs"""

    __slots__ = ("label", "log")

    def __init__(self, label: str, log: list[str]) -> None:
        self.label = label
        self.log = log

    def forward(self, x0: Array, x1: Array) -> Array:
        return x0 + x1

    def vjp(self, x0: V, x1: V, gy: V) -> tuple[V, V]:
        self.log.append(self.label)
        return gy, gy


def _no_grad_yet(x: Variable) -> bool:
    # A function, so mypy does not carry the narrowing of ``x.grad`` past ``cleargrad()``.
    return x.grad is None


def test_diamond_step16() -> None:
    # DeZero step 16: y = a**2 + a**2 with a = x**2, so y = 2 x**4 and dy/dx = 8 x**3.
    x = Variable(np.array(2.0))
    a = square(x)
    y = add(square(a), square(a))
    y.backward()
    assert y.data == 32.0
    assert x.grad is not None
    assert x.grad.data == 64.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_diamond_visits_each_function_once_after_all_its_consumers(create_graph: bool) -> None:
    #        x -> a -> b ----------\
    #                \-> c1 -> c2 -> join -> y
    # A depth-first walk would run ``a`` right after ``b``, before the long branch is done.
    log: list[str] = []
    x = Variable(np.array([1.0, -1.0]))
    t = Traced("a", log)(x)
    b = Traced("b", log)(t)
    c = Traced("c2", log)(Traced("c1", log)(t))
    y = TracedAdd("join", log)(b, c)
    y.backward(create_graph=create_graph)
    assert log[0] == "join"
    assert sorted(log) == sorted(["join", "a", "b", "c1", "c2"])  # each exactly once
    assert log[-1] == "a"
    assert log.index("c2") < log.index("c1")
    assert x.grad is not None
    # y = 4x + 8x = 12x
    np.testing.assert_array_equal(x.grad.data, [12.0, 12.0])


def test_wide_diamond_runs_the_shared_function_once() -> None:
    log: list[str] = []
    x = Variable(np.array(1.5))
    t = Traced("shared", log)(x)
    branches = [square(t) for _ in range(10)]
    y = branches[0]
    for branch in branches[1:]:
        y = y + branch
    y.backward()
    assert log == ["shared"]
    assert x.grad is not None
    # y = 10 (2x)**2 = 40 x**2
    assert x.grad.data == pytest.approx(80.0 * 1.5)


def test_walk_order_is_deterministic() -> None:
    def run() -> list[str]:
        log: list[str] = []
        x = Variable(np.array(1.0))
        parts = [Traced(f"p{i}", log)(x) for i in range(8)]
        y = parts[0]
        for p in parts[1:]:
            y = y + p
        y.backward()
        return log

    first = run()
    assert all(run() == first for _ in range(5))


def test_same_variable_twice_accumulates() -> None:
    x = Variable(np.array(3.0))
    add(x, x).backward()
    assert x.grad is not None
    assert x.grad.data == 2.0

    x = Variable(np.array(3.0))
    (x + x + x).backward()
    assert x.grad is not None
    assert x.grad.data == 3.0

    x = Variable(np.array(3.0))
    (x * x).backward()
    assert x.grad is not None
    assert x.grad.data == 6.0


def test_cleargrad_starts_over() -> None:
    x = Variable(np.array(3.0))
    add(x, x).backward()
    x.cleargrad()
    assert _no_grad_yet(x)
    (x + x + x).backward()
    assert x.grad is not None
    assert x.grad.data == 3.0


def test_grads_accumulate_across_backward_calls() -> None:
    x = Variable(np.array([1.0, 2.0]))
    y = square(x)
    y.backward()
    y.backward()  # the graph is still there; gradients add up
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])
    z = exp(x)
    z.backward()
    np.testing.assert_allclose(x.grad.data, np.array([4.0, 8.0]) + np.exp([1.0, 2.0]))


def test_accumulation_does_not_mutate_an_earlier_grad() -> None:
    x = Variable(np.array([1.0, 2.0]))
    square(x).backward()
    assert x.grad is not None
    first = x.grad
    first_data = first.data.copy()
    square(x).backward()
    np.testing.assert_array_equal(first.data, first_data)


def test_intermediate_grads_are_dropped_without_retain_grad() -> None:
    x = Variable(np.array(2.0))
    a = square(x)
    b = exp(a)
    y = b * 3.0
    y.backward()
    assert a.grad is None
    assert b.grad is None
    assert y.grad is None  # DeZero: the output's grad goes too
    assert x.grad is not None


def test_retain_grad_keeps_intermediate_grads() -> None:
    x = Variable(np.array(0.5))
    a = square(x)
    b = exp(a)
    y = b * 3.0
    y.backward(retain_grad=True)
    assert y.grad is not None
    assert b.grad is not None
    assert a.grad is not None
    assert y.grad.data == 1.0
    assert b.grad.data == 3.0
    assert a.grad.data == pytest.approx(3.0 * np.exp(0.25))
    assert x.grad is not None
    assert x.grad.data == pytest.approx(3.0 * np.exp(0.25) * 2 * 0.5)


@pytest.mark.parametrize("create_graph", [False, True])
def test_retain_grad_gives_every_intermediate_its_grad(create_graph: bool) -> None:
    """Every Variable on the way gets its gradient: outputs of one- and two-output ops, and a
    value the graph holds only through a data-free stand-in while the program holds it."""
    shape = (100, 100)
    assert np.zeros(shape).nbytes >= STAND_IN_MIN_BYTES
    xs = np.linspace(-1.0, 1.0, 100 * 100).reshape(shape)
    x = Variable(xs.copy())
    a = x * 3.0  # reached only through the stand-in held by the next op
    b = a + 1.0
    assert b.creator is not None
    stand_in = b.creator.inputs[0]
    assert isinstance(stand_in, StandIn)
    assert stand_in.original() is a
    s, d = SumDiff()(b, x)  # s = 4x + 1, d = 2x + 1
    c = s * d
    y = F.sum(c)
    y.backward(retain_grad=True, create_graph=create_graph)

    s_data, d_data = 4.0 * xs + 1.0, 2.0 * xs + 1.0
    expected = {
        "y": np.array(1.0),
        "c": np.ones(shape),
        "s": d_data,
        "d": s_data,
        "b": s_data + d_data,
        "a": s_data + d_data,
        "x": 4.0 * d_data + 2.0 * s_data,
    }
    for name, v in {"y": y, "c": c, "s": s, "d": d, "b": b, "a": a, "x": x}.items():
        assert v.grad is not None, name
        np.testing.assert_allclose(v.grad.data, expected[name], atol=1e-12, err_msg=name)
        assert v.grad.shape == v.shape
        assert isinstance(v.grad.data, np.ndarray)


class FailsWhileSet(Function[Array]):
    """y = 2x;  dy/dx = 2, but the rule raises while ``fail`` is set"""

    __slots__ = ("fail",)

    def __init__(self) -> None:
        self.fail = True

    def forward(self, x: Array) -> Array:
        return 2.0 * x

    def vjp(self, x: V, gy: V) -> V:
        if self.fail:
            raise RuntimeError("FailsWhileSet: the rule failed (on purpose)")
        return 2.0 * gy


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_failed_backward_leaves_the_seed_and_no_gradient(create_graph: bool) -> None:
    x = Variable(np.array([0.5, -1.0]))
    a = square(x)
    failing = FailsWhileSet()
    b = failing(a)
    y = exp(b)  # its rule runs before the failing one: the walk fails halfway
    seed = Variable(np.array([3.0, -2.0]))
    y.grad = seed
    with pytest.raises(RuntimeError, match="on purpose"):
        y.backward(create_graph=create_graph)
    assert y.grad is seed
    np.testing.assert_array_equal(seed.data, [3.0, -2.0])
    assert _no_grad_yet(x)
    assert _no_grad_yet(a)
    assert _no_grad_yet(b)

    # Nothing stale is left: once the rule works, the same graph and seed give the gradient.
    failing.fail = False
    y.backward(create_graph=create_graph)
    assert x.grad is not None
    expected = seed.data * np.exp(b.data) * 2.0 * 2.0 * x.data
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-14)


def test_backward_on_a_leaf_gives_ones() -> None:
    x = Variable(np.array([[1.0, 2.0]]))
    x.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [[1.0, 1.0]])


def test_seed_grad_is_used_when_set() -> None:
    x = Variable(np.array([1.0, 2.0]))
    y = square(x)
    y.grad = Variable(np.array([10.0, -1.0]))
    y.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [20.0, -4.0])


def test_backward_on_data_none_is_an_error() -> None:
    with pytest.raises(ValueError, match="None"):
        Variable(None).backward()


def test_unchain_makes_a_leaf() -> None:
    x = Variable(np.array(2.0))
    a = square(x)
    y = square(a)
    a.unchain()
    assert a.creator is None
    y.backward()
    assert x.grad is None
    assert a.grad is not None  # a is a leaf now: it keeps its gradient
    assert a.grad.data == 8.0


def test_unchain_backward_cuts_everything_behind() -> None:
    x = Variable(np.array(2.0))
    a = square(x)
    b = exp(a * 0.1)
    s = square(b)
    y = s + a
    y.unchain_backward()
    assert y.creator is not None  # the output keeps its own creator, as in DeZero
    assert a.creator is None
    assert b.creator is None
    assert s.creator is None
    y.backward()
    assert x.grad is None
    assert b.grad is None
    assert a.grad is not None
    assert s.grad is not None
    assert a.grad.data == 1.0
    assert s.grad.data == 1.0


def test_unchain_backward_is_iterative() -> None:
    x = Variable(np.array(1.0))
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.unchain_backward()
    assert y.creator is not None
    assert y.creator.inputs[0].creator is None


def test_leaf_grads_are_independent_writable_arrays() -> None:
    """Optimizer hooks change grads in place (DeZero's ClipGrad, WeightDecay): each leaf must
    own its array, even where an op hands one gradient to two inputs or returns a view."""
    x0 = Variable(np.ones(3))
    x1 = Variable(np.ones(3))
    y = F.sum(x0 + x1)
    y.backward()
    assert x0.grad is not None
    assert x1.grad is not None
    x0.grad.data *= 10.0
    np.testing.assert_array_equal(x1.grad.data, np.ones(3))

    w = Variable(np.ones((2, 3)))
    F.sum(w).backward()  # Sum's gradient is a broadcast view
    assert w.grad is not None
    w.grad.data += 1.0
    np.testing.assert_array_equal(w.grad.data, np.full((2, 3), 2.0))


def test_retained_grad_does_not_share_memory_with_the_leaf_grad() -> None:
    x = Variable(np.ones(2))
    y = x + 1.0  # AddConstant passes gy through unchanged
    z = F.sum(y)
    z.backward(retain_grad=True)
    assert x.grad is not None
    assert y.grad is not None
    assert not np.shares_memory(x.grad.data, y.grad.data)


def test_backward_cost_is_linear_in_a_fan_in() -> None:
    """The walk visits each function once even when many wait in one generation."""
    x = Variable(np.array(1.0))
    n = 300
    total = x * 1.0
    for i in range(2, n + 1):
        total = total + x * float(i)
    total.backward()
    assert x.grad is not None
    assert x.grad.data == sum(range(1, n + 1))


def test_a_seed_the_caller_set_is_not_handed_to_a_leaf() -> None:
    x = Variable(np.ones(3))
    y = x + 1.0  # AddConstant passes its gradient through unchanged
    seed = np.full(3, 5.0)
    y.grad = Variable(seed)
    y.backward()
    assert x.grad is not None
    assert x.grad.data is not seed
    x.grad.data *= 2.0  # an optimizer hook, in place
    np.testing.assert_array_equal(seed, np.full(3, 5.0))
