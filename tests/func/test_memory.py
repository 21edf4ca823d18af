"""No .grad and no reference cycle left behind: memory stays flat with the collector off.

The control shows the test can fail: the DeZero loop (``backward(create_graph=True)`` and
keeping ``x.grad``) links ``x -> x.grad -> its graph -> x``, which only the cyclic garbage
collector frees, so with the collector off every iteration leaks its whole graph.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Callable, Generator
from contextlib import contextmanager

import numpy as np
import pytest

import plugrad.functions as F
from plugrad import Variable, gradients
from plugrad.func import grad, hessian, hvp, jacfwd, jvp
from plugrad.typing import Array, Operand
from tests.func._cases import on_variables

SIZE = 20_000  # 160 kB per array: a leaked graph of a few arrays is easy to see
ITERATIONS = 40
MiB = 1 << 20


@contextmanager
def _collector_off() -> Generator[None, None, None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def _growth(step: Callable[[], object]) -> float:
    """Memory still held after ITERATIONS steps, with the collector off (MiB)."""
    with _collector_off():
        tracemalloc.start()
        try:
            step()
            step()
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(ITERATIONS):
                step()
            return (tracemalloc.get_traced_memory()[0] - before) / MiB
        finally:
            tracemalloc.stop()


def _f(x: Operand) -> Variable:
    return F.sum(F.tanh(x) ** 2)


def _data() -> Array:
    return np.linspace(-1.0, 1.0, SIZE)


def dezero_gradient_with_graph() -> object:
    # What a Hessian loop does first: x.grad then holds a graph that leads back to x.
    x = Variable(_data())
    _f(x).backward(create_graph=True)
    assert x.grad is not None
    return float(x.grad.data.sum())


def gradients_second_derivative() -> object:
    x = Variable(_data())
    (g,) = gradients(_f(x), x, create_graph=True)
    return gradients(F.sum(g), x)


STEPS: dict[str, Callable[[], object]] = {
    "gradients": gradients_second_derivative,
    "grad of grad": lambda: grad(on_variables(lambda v: F.sum(grad(_f)(v))))(_data()),
    "hvp": lambda: hvp(_f, _data(), _data()),
    "jvp of grad": lambda: jvp(grad(_f), (_data(),), (_data(),)),
    "value on a Variable": lambda: grad(_f)(Variable(_data())),
}


def test_the_control_leaks_with_the_collector_off() -> None:
    assert _growth(dezero_gradient_with_graph) > 10.0


@pytest.mark.parametrize("step", STEPS.values(), ids=STEPS.keys())
def test_memory_stays_flat_with_the_collector_off(step: Callable[[], object]) -> None:
    assert _growth(step) < 0.5


def test_small_hessians_and_jacobians_leave_nothing_either() -> None:
    def step() -> object:
        x = np.linspace(-1.0, 1.0, 30)
        return hessian(_f)(x), jacfwd(F.tanh)(x)

    assert _growth(step) < 0.5


def test_the_graph_of_a_transform_goes_by_reference_counting() -> None:
    seen: list[weakref.ref[Variable]] = []

    def f(x: Variable) -> Variable:
        y = F.tanh(x)
        seen.append(weakref.ref(y))
        return F.sum(y * y)

    with _collector_off():
        g = grad(grad(on_variables(lambda v: F.sum(grad(f)(v)))))(np.array(0.5))
        assert all(ref() is None for ref in seen)
    assert np.isfinite(g.data)
