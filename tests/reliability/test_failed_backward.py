"""The backward walk, compute then commit: a failed ``backward(retain_grad=True)`` leaves the
intermediate values' ``grad`` as they were; a complex (or otherwise non-real) gradient from an
op is an error naming the op, not a NumPy warning; a ``grad`` left from before its variable's
data changed shape is an error, not a silent broadcast."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Function, Variable
from plugrad.typing import Array, V
from tests.reliability._faults import Faulty, FaultyDeZero, FaultyOp
from tests.reliability._table import bad, run_bad


@pytest.fixture(autouse=True)
def _no_fault_afterwards() -> Iterator[None]:
    yield
    Faulty.fault = None
    FaultyDeZero.fault = None


def _chain(op: FaultyOp) -> tuple[Variable, Variable, list[Variable]]:
    """y = sum(op(exp(3x)) + exp(3x)): the output, the leaf, and the intermediate values."""
    x = Variable(np.array([0.1, 0.2]), name="x")
    h = x * 3.0
    e = F.exp(h)
    d = op()(e)
    s = d + e
    y = F.sum(s)
    return y, x, [h, e, d, s]


def _grad_of(x: Variable) -> Variable | None:
    return x.grad


FAULTS = [
    pytest.param(RuntimeError("the rule failed"), RuntimeError, id="an error"),
    pytest.param(KeyboardInterrupt(), KeyboardInterrupt, id="Ctrl-C"),
    pytest.param(np.ones(7), ValueError, id="a wrong shape"),
]
OPS = [pytest.param(Faulty, id="vjp"), pytest.param(FaultyDeZero, id="DeZero backward")]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(("fault", "error"), FAULTS)
def test_a_failed_retain_grad_backward_leaves_no_intermediate_grad(
    op: FaultyOp, fault: object, error: type[BaseException]
) -> None:
    y, x, intermediates = _chain(op)
    op.fault = fault
    with pytest.raises(error):
        y.backward(retain_grad=True)
    assert [v.grad for v in intermediates] == [None] * 4
    assert _grad_of(x) is None
    op.fault = None
    y.backward(retain_grad=True)  # the retry: 1x the right answer, not 2x
    _, e, d, s = intermediates
    assert s.grad is not None
    assert d.grad is not None
    assert e.grad is not None
    np.testing.assert_allclose(s.grad.data, [1.0, 1.0])
    np.testing.assert_allclose(d.grad.data, [1.0, 1.0])
    np.testing.assert_allclose(e.grad.data, [3.0, 3.0])  # through d (2) and directly (1)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 9.0 * np.exp(3.0 * x.data))


@pytest.mark.parametrize("op", OPS)
def test_a_failed_retain_grad_backward_adds_nothing_to_earlier_grads(op: FaultyOp) -> None:
    y, _, intermediates = _chain(op)
    y.backward(retain_grad=True)
    before = [v.grad.data.copy() for v in intermediates if v.grad is not None]
    assert len(before) == 4  # h, e, d and s
    op.fault = RuntimeError("the rule failed")
    with pytest.raises(RuntimeError):
        y.backward(retain_grad=True)
    after = [v.grad.data for v in intermediates if v.grad is not None]
    assert [a.tolist() for a in after] == [b.tolist() for b in before]


class _ComplexRule(Function[Array]):
    """y = 2x, whose rule (a plugin's bug) returns a complex gradient."""

    def forward(self, x: Array) -> Array:
        return x * 2.0

    def vjp(self, x: Any, gy: Any) -> Any:  # on arrays, or on Variables under create_graph
        return gy * (2.0 + 1.0j) if isinstance(gy, np.ndarray) else np.asarray(gy.data) * 1j


class _ComplexDeZero(Function[Array]):
    """The same, written DeZero's way."""

    def forward(self, x: Array) -> Array:
        return x * 2.0

    def backward(self, gy: Variable) -> Any:
        return gy.data * (2.0 + 1.0j)


class _StringRule(Function[Array]):
    """A rule returning text."""

    def forward(self, x: Array) -> Array:
        return x * 2.0

    def vjp(self, x: V, gy: V) -> Any:
        return np.full(np.shape(gy), "g")


def _x() -> Variable:
    return Variable(np.array([1.0, 2.0]))


GRADIENTS_BAD = [
    bad(
        "complex, first order",
        lambda: _ComplexRule()(_x()).backward(),
        TypeError,
        "_ComplexRule",
        "complex128",
    ),
    bad(
        "complex, create_graph",
        lambda: _ComplexRule()(_x()).backward(create_graph=True),
        TypeError,
        "_ComplexRule",
        "complex",
    ),
    bad(
        "complex, DeZero style",
        lambda: _ComplexDeZero()(_x()).backward(),
        TypeError,
        "_ComplexDeZero",
        "complex128",
    ),
    bad(
        "complex, float32 input",
        lambda: _ComplexRule()(Variable(np.ones(2, np.float32))).backward(),
        TypeError,
        "complex",
    ),
    bad("text", lambda: _StringRule()(_x()).backward(), TypeError, "_StringRule", "<U1"),
]


@pytest.mark.parametrize(("call", "error", "words"), GRADIENTS_BAD)
def test_a_non_real_gradient_is_an_error_naming_the_op(
    call: Any, error: type[Exception], words: list[str]
) -> None:
    message = run_bad(call, error, words)
    assert "real" in message


def test_a_complex_gradient_changes_no_grad() -> None:
    x = _x()
    x.grad = Variable(np.array([5.0, 5.0]))
    with pytest.raises(TypeError):
        (_ComplexRule()(x) + x).backward()
    assert x.grad.data.tolist() == [5.0, 5.0]


def test_a_grad_from_before_a_reshape_is_not_broadcast() -> None:
    x = Variable(np.ones(3), name="w")
    (x * 2.0).sum().backward()
    x.data = np.ones((2, 3))  # the data changed shape; the old grad is still there
    message = run_bad(lambda: (x * 2.0).sum().backward(), ValueError, ["'w'", "(3,)", "(2, 3)"])
    assert "cleargrad" in message
    assert x.grad is not None
    assert x.grad.shape == (3,)  # unchanged
    x.cleargrad()
    (x * 2.0).sum().backward()
    assert x.grad.data.tolist() == [[2.0] * 3] * 2
