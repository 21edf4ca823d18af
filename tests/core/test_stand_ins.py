"""Large intermediate values that no backward reads are not kept alive by the graph.

When an op that does not read its outputs (``retains_outputs = False``) feeds one that reads
only its inputs' shapes (``retains_inputs = False``), the graph holds a data-free stand-in for
a large value, so the value's memory goes as soon as the program drops it.
"""

from __future__ import annotations

import re
import weakref

import numpy as np

import plugrad.functions as F
from plugrad import Variable
from plugrad.core.function import STAND_IN_MIN_BYTES
from plugrad.core.variable import StandIn
from plugrad.utils import get_dot_graph

LARGE = (100, 100)  # 80 kB of float64, above the stand-in threshold


def test_the_threshold_is_below_the_test_size() -> None:
    assert np.zeros(LARGE).nbytes >= STAND_IN_MIN_BYTES


def test_a_dropped_intermediate_is_freed_and_gradients_still_flow() -> None:
    x = Variable(np.full(LARGE, 3.0))
    y1 = x * 2.0
    y2 = y1 + 1.0
    data = weakref.ref(y1.data)
    del y1
    assert data() is None  # the graph kept nothing of it
    F.sum(y2).backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.full(LARGE, 2.0))  # d(2x + 1)/dx


def test_the_graph_holds_a_stand_in_with_the_values_place() -> None:
    x = Variable(np.full(LARGE, 3.0))
    y1 = x * 2.0
    y1.name = "y1"
    y2 = y1 + 1.0
    assert y2.creator is not None
    held = y2.creator.inputs[0]
    assert isinstance(held, StandIn)
    assert held.original() is y1
    assert held.creator is y1.creator
    assert held._index == y1._index
    assert held.generation == y1.generation
    assert (held.shape, held.dtype, held.name) == (LARGE, y1.dtype, "y1")
    assert held.data.strides == (0, 0)  # no data of its own
    del y1
    assert held.original() is None  # the stand-in does not keep the value alive


def test_a_stand_in_of_a_stand_in_reaches_the_value() -> None:
    x = Variable(np.ones(LARGE))
    y1 = x * 2.0
    held = StandIn.of(y1)
    again = StandIn.of(held)
    assert again.original() is y1


def test_small_values_are_kept_as_they_are() -> None:
    x = Variable(np.full(3, 3.0))
    y1 = x * 2.0
    y2 = y1 + 1.0
    assert y2.creator is not None
    assert y2.creator.inputs[0] is y1


def test_a_value_used_by_retaining_and_shape_only_ops_gets_the_sum_of_gradients() -> None:
    rng = np.random.default_rng(0)
    x_data = rng.uniform(-1.0, 1.0, LARGE)
    x = Variable(x_data.copy())
    a = x * 2.0  # read by nobody's backward through "+ 1.0", but by a * a
    loss = F.sum((a + 1.0) + a * a)
    del a
    loss.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2.0 + 8.0 * x_data)  # d(2x + 1 + 4x^2)/dx


def test_retain_grad_reaches_a_value_held_through_a_stand_in() -> None:
    x = Variable(np.ones(LARGE))
    y1 = x * 2.0
    y2 = y1 + 1.0
    F.sum(y2).backward(retain_grad=True)
    assert y1.grad is not None
    np.testing.assert_array_equal(y1.grad.data, np.ones(LARGE))


def test_second_order_through_stand_ins() -> None:
    x_data = np.linspace(-1.0, 1.0, 100 * 100).reshape(LARGE)
    x = Variable(x_data.copy())
    y = x * 3.0 + 1.0
    F.sum(y * y).backward(create_graph=True)
    gx = x.grad
    assert gx is not None
    np.testing.assert_allclose(gx.data, 6.0 * (3.0 * x_data + 1.0))
    x.cleargrad()
    F.sum(gx).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, np.full(LARGE, 18.0))


def test_unchain_backward_cuts_the_value_behind_a_stand_in() -> None:
    x = Variable(np.ones(LARGE))
    h = x * 2.0  # think of an RNN's state, kept by the program
    loss = F.sum(h + 1.0)
    loss.unchain_backward()
    assert h.creator is None  # the next step's graph will not reach back through it


def test_the_dot_graph_draws_a_stand_in_as_its_value() -> None:
    x = Variable(np.ones(LARGE))
    y1 = x * 2.0
    y2 = y1 + 1.0
    add = y2.creator
    assert add is not None
    assert isinstance(add.inputs[0], StandIn)
    text = get_dot_graph(y2, verbose=False)
    assert f"{id(y1)} -> {id(add)}" in text
    mul = y1.creator
    assert f"{id(mul)} -> {id(y1)}" in text


def test_the_dot_graph_draws_a_dropped_value_once_with_its_edges() -> None:
    x = Variable(np.ones(LARGE))
    y1 = x * 2.0
    mul = y1.creator
    y2 = (y1 + 1.0) + (y1 + 2.0)  # two shape-only readers: two stand-ins for one value
    del y1
    text = get_dot_graph(y2, verbose=False)
    assert text.count('label="MulConstant"') == 1
    assert len(re.findall(rf"^{id(mul)} -> \d+$", text, flags=re.MULTILINE)) == 1
    (edge,) = re.findall(rf"^{id(mul)} -> (\d+)$", text, flags=re.MULTILINE)
    assert len(re.findall(rf"^{edge} -> \d+$", text, flags=re.MULTILINE)) == 2  # both readers
    assert text.count(f"{edge} [label=") == 1
