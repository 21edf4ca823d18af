"""Interrupted operations leave no trace: an op's derivative that raises (an error, Ctrl-C, out
of memory) or returns a wrong gradient, anywhere in the graph, changes no leaf's ``grad`` and no
seed the user set, and the same backward run again gives the right answer.  A load that is
interrupted halfway changes no parameter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plugrad import Variable, gradients
from plugrad.models import MLP
from tests.reliability._faults import EXPECTED, PLACES, Faulty, FaultyDeZero, FaultyOp, graph

FAULTS = [
    pytest.param(RuntimeError("the rule failed"), RuntimeError, id="an error"),
    pytest.param(KeyboardInterrupt(), KeyboardInterrupt, id="Ctrl-C"),
    pytest.param(MemoryError(), MemoryError, id="out of memory"),
    pytest.param(np.ones(5), ValueError, id="a gradient of the wrong shape"),
    pytest.param((np.ones(2), np.ones(2)), TypeError, id="two gradients for one input"),
    # A DeZero-style op's gradient becomes np.asarray(object()): refused for its shape (or dtype).
    pytest.param(object(), (TypeError, ValueError), id="not an array"),
]
OPS = [pytest.param(Faulty, id="vjp"), pytest.param(FaultyDeZero, id="DeZero backward")]


@pytest.fixture(autouse=True)
def _no_fault_afterwards() -> Iterator[None]:
    yield
    Faulty.fault = None
    FaultyDeZero.fault = None


def _state(leaves: list[Variable]) -> list[Any]:
    return [None if x.grad is None else x.grad.data.copy() for x in leaves]


def _same(before: list[Any], leaves: list[Variable]) -> bool:
    after = _state(leaves)
    return all(
        (b is None and a is None) or (b is not None and a is not None and np.array_equal(a, b))
        for a, b in zip(after, before, strict=True)
    )


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(("fault", "error"), FAULTS)
def test_a_failed_backward_changes_no_grad_and_a_retry_is_right(
    op: FaultyOp,
    place: str,
    fault: object,
    error: type[BaseException] | tuple[type[BaseException], ...],
) -> None:
    y, leaves = graph(place, op)
    a, b = leaves
    a.grad = Variable(np.array([1.0, 1.0]))  # left by an earlier backward, say
    seed = Variable(np.array(10.0))
    y.grad = seed
    before = _state(leaves)
    op.fault = fault
    with pytest.raises(error):
        y.backward()
    assert _same(before, leaves)
    assert y.grad is seed
    assert float(seed.data) == 10.0
    op.fault = None
    y.backward()
    assert a.grad is not None
    assert b.grad is not None
    np.testing.assert_allclose(a.grad.data, 1.0 + 10.0 * np.array(EXPECTED[0]))
    np.testing.assert_allclose(b.grad.data, 10.0 * np.array(EXPECTED[1]))


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(("fault", "error"), FAULTS[:3])
def test_a_failed_backward_with_create_graph_changes_nothing(
    place: str, fault: BaseException, error: type[BaseException]
) -> None:
    y, leaves = graph(place)
    Faulty.fault = fault
    with pytest.raises(error):
        y.backward(create_graph=True)
    assert [x.grad for x in leaves] == [None, None]
    Faulty.fault = None
    y.backward(create_graph=True)
    a, _ = leaves
    assert a.grad is not None
    np.testing.assert_allclose(a.grad.data, EXPECTED[0])
    assert a.grad.creator is not None  # differentiable again


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(("fault", "error"), FAULTS[:3])
def test_a_failed_gradients_call_writes_nothing(
    place: str, fault: BaseException, error: type[BaseException]
) -> None:
    y, leaves = graph(place)
    Faulty.fault = fault
    with pytest.raises(error):
        gradients(y, leaves)
    assert [x.grad for x in leaves] == [None, None]
    assert y.grad is None
    Faulty.fault = None
    found = gradients(y, leaves)
    np.testing.assert_allclose(found[0].data, EXPECTED[0])


def test_a_failed_forward_leaves_the_graph_before_it_usable() -> None:
    x = Variable(np.array([1.0, 2.0]))
    h = x * 3.0
    with pytest.raises(TypeError):
        _ = h + "a"  # type: ignore[operator]  # the point: a bad operand mid-graph
    y = (h * h).sum()
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 18.0 * x.data)


@pytest.mark.parametrize("stop", [0, 1, 3], ids=["first array", "second array", "last array"])
@pytest.mark.parametrize(
    "fault",
    [KeyboardInterrupt(), MemoryError(), OSError("read error")],
    ids=lambda f: type(f).__name__,
)
def test_an_interrupted_load_changes_no_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: int, fault: BaseException
) -> None:
    np.random.seed(0)
    source = MLP((5, 3))
    source(np.zeros((1, 4), dtype=np.float32))
    source.save_weights(tmp_path / "w")
    np.random.seed(1)
    target = MLP((5, 3))
    target(np.zeros((1, 4), dtype=np.float32))
    before = {name: p.data.copy() for name, p in target.named_params()}

    import plugrad.nn._weights as weights

    original = weights._converted
    calls: list[str] = []

    def interrupted(
        source_name: str, name: str, raw: np.ndarray, dtype: np.dtype[Any]
    ) -> np.ndarray:
        calls.append(name)
        if len(calls) > stop:
            raise fault
        return original(source_name, name, raw, dtype)

    monkeypatch.setattr(weights, "_converted", interrupted)
    with pytest.raises((type(fault), ValueError)):
        target.load_weights(tmp_path / "w.npz")
    for name, p in target.named_params():
        np.testing.assert_array_equal(p.data, before[name], err_msg=name)
