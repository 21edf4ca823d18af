"""``Batched``, the stack of cotangents Jacobians are computed with: each operation it carries
out must equal the same operation on each value; everything else must refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import plugrad.func
import plugrad.functions as F
from plugrad._batched import Batched, Unbatchable, run_rule
from plugrad.func import hessian, jacfwd, jacrev
from plugrad.typing import Array
from tests._ops import DezeroStyleSin, Scatter
from tests.func import _numeric
from tests.func._cases import CASES, Case, scalar

rng = np.random.default_rng(42)
K = 3

# An operation runs on Batched stacks and on plain ndarrays alike, so its values are Any.
Unary = Callable[[Any], Any]
Binary = Callable[[Any, Any], Any]
Operation = Unary | Binary


def _stack(*shape: int) -> Array:
    return rng.uniform(-1.0, 1.0, (K, *shape))


def _same_as_each(operation: Operation, *args: Any, **kwargs: Any) -> None:
    """``operation`` on Batched arguments equals ``operation`` on each value, stacked."""
    stacks = [Batched(np.asarray(a)) if isinstance(a, _Stacked) else a for a in args]
    batched = operation(*stacks, **kwargs)
    assert isinstance(batched, Batched)
    for i in range(K):
        each = np.asarray(
            operation(*[np.asarray(a[i]) if isinstance(a, _Stacked) else a for a in args], **kwargs)
        )
        assert batched.stack[i].shape == each.shape
        assert batched.stack[i].dtype == each.dtype
        # Equal up to rounding: BLAS may sum a product in another order for a stack.
        np.testing.assert_allclose(batched.stack[i], each, rtol=1e-13, atol=1e-15)


class _Stacked(np.ndarray[Any, Any]):
    """Marks which arguments of ``_same_as_each`` are stacks (one value per row)."""


def S(*shape: int) -> _Stacked:  # short, as the tables below read
    return _stack(*shape).view(_Stacked)


ELEMENTWISE: list[tuple[str, Operation, tuple[Any, ...]]] = [
    ("add", lambda a, b: a + b, (S(2, 3), np.ones(3))),
    ("radd", lambda a, b: b + a, (S(2, 3), np.ones((4, 2, 3)))),
    ("sub both", lambda a, b: a - b, (S(2, 3), S(2, 1))),
    ("rsub", lambda a, b: b - a, (S(3), 2.0)),
    ("mul 0-d", lambda a, b: a * b, (S(), np.ones((2, 2)))),
    ("rmul", lambda a, b: b * a, (S(2, 3), np.arange(3.0))),
    ("truediv", lambda a, b: a / b, (S(2, 3), np.float32(2.0))),
    ("rtruediv", lambda a, b: b / a, (S(2, 3), 1.0)),
    ("pow", lambda a, b: a**b, (S(2), 2)),
    ("rpow", lambda a, b: b**a, (S(2), 2.0)),
    ("neg", lambda a: -a, (S(2, 3),)),
    ("abs", lambda a: abs(a), (S(2, 3),)),
    ("ufunc", lambda a: np.exp(a), (S(2, 3),)),
    ("binary ufunc", lambda a, b: np.maximum(a, b), (S(1, 3), np.zeros((2, 1)))),
    ("comparison", lambda a, b: a > b, (S(3), 0.0)),
    ("float32 stays", lambda a, b: a * b, (S(3).astype(np.float32).view(_Stacked), 0.5)),
]


@pytest.mark.parametrize(
    ("operation", "args"), [c[1:] for c in ELEMENTWISE], ids=[c[0] for c in ELEMENTWISE]
)
def test_elementwise_with_broadcasting(operation: Operation, args: tuple[Any, ...]) -> None:
    _same_as_each(operation, *args)


MATMUL = [
    ("matrix @ matrix", (S(2, 3), rng.uniform(size=(3, 4)))),
    ("stack @ matrix", (S(5, 2, 3), rng.uniform(size=(3, 4)))),
    ("matrix @ stack of matrices", (S(2, 3), rng.uniform(size=(5, 3, 4)))),
    ("matrix @ stacked matrix", (rng.uniform(size=(2, 3)), S(3, 4))),
    ("matrices @ stacked matrix", (rng.uniform(size=(5, 2, 3)), S(3, 4))),
    ("vector @ matrix", (S(3), rng.uniform(size=(3, 4)))),
    ("matrix @ vector", (S(2, 3), rng.uniform(size=3))),
    ("vector @ stacked matrix", (rng.uniform(size=3), S(3, 4))),
    ("both stacked", (S(2, 3), S(3, 4))),
]


@pytest.mark.parametrize("args", [c[1] for c in MATMUL], ids=[c[0] for c in MATMUL])
def test_matmul(args: tuple[Any, Any]) -> None:
    _same_as_each(lambda a, b: a @ b, *args)
    _same_as_each(np.matmul, *args)


def test_matmul_cases_it_does_not_carry_refuse() -> None:
    with pytest.raises(Unbatchable):
        _ = Batched(_stack(3)) @ Batched(_stack(3))
    with pytest.raises(Unbatchable):
        _ = np.ones((2, 3)) @ Batched(_stack(3))


SHAPES: list[tuple[str, Unary]] = [
    ("reshape", lambda a: a.reshape(3, 2)),
    ("reshape tuple", lambda a: a.reshape((6,))),
    ("reshape -1", lambda a: a.reshape(-1, 1)),
    ("np.reshape", lambda a: np.reshape(a, (1, 6))),
    ("transpose", lambda a: a.transpose()),
    ("transpose axes", lambda a: a.transpose(1, 0)),
    ("transpose tuple", lambda a: a.transpose((1, 0))),
    ("transpose None", lambda a: a.transpose(None)),
    ("T", lambda a: a.T),
    ("np.transpose", lambda a: np.transpose(a)),
    ("sum", lambda a: a.sum()),
    ("sum axis", lambda a: a.sum(axis=1)),
    ("sum negative axis", lambda a: a.sum(-1, keepdims=True)),
    ("sum axes", lambda a: a.sum((0, 1), keepdims=True)),
    ("np.sum", lambda a: np.sum(a, axis=0)),
    ("squeeze", lambda a: a.reshape(1, 2, 1, 3).squeeze()),
    ("squeeze axis", lambda a: a.reshape(1, 2, 3).squeeze(0)),
    ("np.squeeze", lambda a: np.squeeze(a.reshape(2, 1, 3), axis=1)),
    ("expand_dims", lambda a: np.expand_dims(a, -1)),
    ("swapaxes", lambda a: np.swapaxes(a, 0, 1)),
    ("broadcast_to", lambda a: np.broadcast_to(a.reshape(2, 1, 3), (4, 2, 5, 3))),
    ("where", lambda a: np.where(a > 0, a, 0.0)),
    ("astype", lambda a: a.astype(np.float32)),
    ("copy", lambda a: a.copy()),
    ("int index", lambda a: a[1]),
    ("slices", lambda a: a[:, 1:3]),
    ("new axis, ellipsis", lambda a: a[None, ..., 0]),
    ("negative index", lambda a: a[-1, ::-1]),
]


@pytest.mark.parametrize("operation", [c[1] for c in SHAPES], ids=[c[0] for c in SHAPES])
def test_shapes_reductions_and_indexing(operation: Unary) -> None:
    _same_as_each(operation, S(2, 3))


def test_what_a_rule_reads() -> None:
    b = Batched(_stack(2, 3))
    assert b.shape == (2, 3)
    assert b.ndim == 2
    assert b.size == 6
    assert b.dtype == np.float64
    assert len(b) == 2
    assert np.shape(b) == (2, 3)
    assert np.ndim(b) == 2
    assert np.result_type(b, np.float32) == np.float64
    assert np.zeros_like(b).shape == (2, 3)
    assert np.ones_like(b, dtype=np.float32).dtype == np.float32


REFUSED: list[tuple[str, Callable[[Batched], object]]] = [
    ("asarray", lambda b: np.asarray(b)),
    ("item assignment", lambda b: np.zeros((2, 3)).__setitem__(slice(None), b)),
    ("ufunc.at", lambda b: np.add.at(np.zeros((2, 3)), [0], b)),
    ("out=", lambda b: np.multiply(np.ones((2, 3)), b, out=np.ones((2, 3)))),
    ("in-place on an array", lambda b: np.ones((2, 3)).__imul__(b)),
    ("iteration", lambda b: list(b)),
    ("truth", lambda b: bool(b)),
    ("unlisted function", lambda b: np.concatenate([b, b])),
    ("reduce", lambda b: np.add.reduce(b)),
    ("array index", lambda b: b[np.array([0, 1])]),
    ("mask", lambda b: b[np.ones((2, 3), dtype=bool)]),
    ("bool index", lambda b: b[True]),
    ("dot", lambda b: np.ones(3).dot(b)),
]


@pytest.mark.parametrize("operation", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_everything_else_refuses(operation: Callable[[Batched], object]) -> None:
    with pytest.raises(Unbatchable):
        operation(Batched(_stack(2, 3)))


def test_run_rule_falls_back_to_one_value_at_a_time() -> None:
    def scatter(x: Any, gy: Any) -> tuple[Any, None]:
        gx = np.zeros(4)
        gx[1:3] = gy * x  # item assignment: a stack cannot go in
        return gx, None

    x = np.array([2.0, 3.0])
    gy = _stack(2)
    gx, none = run_rule(scatter, (x, Batched(gy)))
    assert none is None
    for i in range(K):
        np.testing.assert_array_equal(gx.stack[i], scatter(x, gy[i])[0])


def _without_stacks(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_stack(*args: object) -> None:
        return None

    monkeypatch.setattr(plugrad.func, "_rows_at_once", no_stack)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_one_walk_per_row_gives_the_same_jacobians(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_stacks(monkeypatch)
    expected = _numeric.jacobian(case.f, case.x)
    np.testing.assert_allclose(jacrev(case.f)(case.x).data, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(jacfwd(case.f)(case.x).data, expected, rtol=1e-6, atol=1e-7)
    f = scalar(case)
    np.testing.assert_allclose(
        hessian(f)(case.x).data, _numeric.hessian(f, case.x), rtol=1e-5, atol=1e-5
    )


def test_ops_a_stack_cannot_pass_still_give_jacobians() -> None:
    x = np.array([0.3, -0.4, 1.2])

    def f(v: Any) -> Any:
        return F.sin(Scatter()(DezeroStyleSin()(v)) * 2.0)

    expected = _numeric.jacobian(f, x)
    np.testing.assert_allclose(jacrev(f)(x).data, expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(jacfwd(f)(x).data, expected, rtol=1e-7, atol=1e-9)
