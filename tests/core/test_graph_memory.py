"""Deep graphs: no RecursionError, and a dropped output frees its graph by reference counting."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Generator
from contextlib import contextmanager

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable
from plugrad.typing import AnyFunction

CHAIN = 100_000


def _chain(
    x: Variable, length: int
) -> tuple[Variable, weakref.ref[Variable], weakref.ref[AnyFunction]]:
    """x * 1.0 + 0.0 ... (alternating), with weak references to an early node and its creator."""
    y = x
    early: weakref.ref[Variable] | None = None
    for step in range(length):
        y = y * 1.0 if step % 2 == 0 else y + 0.0
        if step == 10:
            early = weakref.ref(y)
    assert early is not None
    early_node = early()
    assert early_node is not None
    assert early_node.creator is not None
    return y, early, weakref.ref(early_node.creator)


@contextmanager
def _gc_disabled() -> Generator[None, None, None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def test_long_chain_forward_and_backward_do_not_recurse() -> None:
    x = Variable(np.array(0.5))
    y, _, _ = _chain(x, CHAIN)
    assert sys.getrecursionlimit() < CHAIN
    y.backward()
    assert x.grad is not None
    assert x.grad.data == 1.0
    assert y.generation == CHAIN


def test_long_chain_with_create_graph() -> None:
    x = Variable(np.array(0.5))
    y = x
    for _ in range(20_000):
        y = F.sin(y) * 0.5 + 0.25
    y.backward(create_graph=True)
    assert x.grad is not None
    assert np.isfinite(x.grad.data)


def test_dropped_output_frees_the_graph_with_gc() -> None:
    x = Variable(np.array(0.5))
    y, early, early_function = _chain(x, CHAIN)
    y.backward()
    assert early() is not None
    assert early_function() is not None
    del y
    gc.collect()
    assert early() is None
    assert early_function() is None


@pytest.mark.parametrize("run_backward", [False, True])
def test_dropped_output_frees_the_graph_by_reference_counting(run_backward: bool) -> None:
    with _gc_disabled():
        x = Variable(np.array(0.5))
        y, early, early_function = _chain(x, CHAIN)
        if run_backward:
            y.backward(retain_grad=True)
        assert early() is not None
        assert early_function() is not None
        del y  # no cycle collector: only reference counting may free it
        assert early() is None
        assert early_function() is None
    assert x.grad is None or x.grad.creator is None  # the leaf keeps a plain gradient


def test_grads_of_a_first_order_backward_hold_no_graph() -> None:
    with _gc_disabled():
        x = Variable(np.array([1.0, 2.0]))
        h = F.tanh(x)
        y = F.sum(F.exp(h) * 2.0)
        function = weakref.ref(h.creator) if h.creator is not None else None
        y.backward()
        assert x.grad is not None
        assert x.grad.creator is None
        del y, h
        assert function is not None
        assert function() is None


def _scalar_chain(x: Variable, length: int) -> Variable:
    """A chain of one-input ops on a 0-d value: constant operands and an elementwise op."""
    y = x
    for step in range(length):
        if step % 3 == 0:
            y = y * 1.0
        elif step % 3 == 1:
            y = y + 0.0
        else:
            y = F.sin(y)
    return y


def test_each_recorded_op_adds_at_most_two_objects_for_the_cyclic_gc() -> None:
    """The graph is cheap for the cycle collector to walk: per op, the Function and its output
    Variable, nothing else it tracks (no tuple of one input, no weak references, no Variable
    around a retained output value)."""
    length = 3_000
    _scalar_chain(Variable(np.array(0.5)), 10)  # warm up: lazy loading, caches
    with _gc_disabled():
        gc.collect()
        x = Variable(np.array(0.5))
        before = len(gc.get_objects())
        y = _scalar_chain(x, length)
        after = len(gc.get_objects())
        assert y.generation == length
        per_op = (after - before) / length
        assert per_op <= 2.0, f"{per_op:.3f} objects tracked by the cyclic GC per recorded op"
