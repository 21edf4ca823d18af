"""What a Variable accepts at the door, and what may be assigned to its ``grad``.

Each row: a bad input, the exception class expected and words its message must contain; the
rows after them are legitimate inputs that must keep working.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable


def _matrix() -> object:
    with warnings.catch_warnings():  # NumPy discourages np.matrix; users still have them
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix([[1.0, 2.0], [3.0, 4.0]])


BAD_DATA: list[tuple[str, Callable[[], object], list[str]]] = [
    ("matrix", _matrix, ["numpy.matrix", "asarray"]),
    ("masked", lambda: np.ma.masked_array([1.0, 2.0], mask=[False, True]), ["MaskedArray", "mask"]),
    ("complex128", lambda: np.array([1 + 2j]), ["complex128", ".real"]),
    ("complex64", lambda: np.array([1 + 2j], dtype=np.complex64), ["complex64"]),
    ("str array", lambda: np.array(["a"]), ["<U1", "astype"]),
    ("object array", lambda: np.array([object()]), ["object"]),
    ("list", lambda: [1.0, 2.0], ["list", "numpy.array"]),
    ("str", lambda: "x", ["str"]),
    ("float", lambda: 1.5, ["float", "numpy.array"]),
]


@pytest.mark.parametrize(("label", "make", "words"), BAD_DATA, ids=[r[0] for r in BAD_DATA])
def test_variable_refuses_with_the_type_named(
    label: str, make: Callable[[], object], words: list[str]
) -> None:
    with pytest.raises(TypeError) as info:
        Variable(make())  # type: ignore[arg-type]  # the point: what the runtime does with it
    for word in words:
        assert word in str(info.value), (label, str(info.value))


@pytest.mark.parametrize(("label", "make", "words"), BAD_DATA[:4], ids=[r[0] for r in BAD_DATA[:4]])
def test_ops_refuse_the_same_arrays_as_constants(
    label: str, make: Callable[[], object], words: list[str]
) -> None:
    x = Variable(np.ones((2, 2)))
    with pytest.raises(TypeError) as info:
        F.mul(x, make())  # type: ignore[arg-type]  # refused operands, on purpose
    assert words[0] in str(info.value), (label, str(info.value))


def test_matrix_would_have_been_a_matrix_product() -> None:
    # Why np.matrix is refused: its * is @. A plain array of the same values squares elementwise.
    values = [[1.0, 2.0], [3.0, 4.0]]
    assert F.square(Variable(np.array(values))).data.tolist() == [[1.0, 4.0], [9.0, 16.0]]


GOOD_DATA: list[tuple[str, Callable[[], np.ndarray]]] = [
    ("float64", lambda: np.ones(3)),
    ("float32", lambda: np.ones(3, dtype=np.float32)),
    ("float16", lambda: np.ones(3, dtype=np.float16)),
    ("int64 labels", lambda: np.arange(3)),
    ("bool", lambda: np.array([True, False])),
    ("0-d", lambda: np.array(2.0)),
    ("empty", lambda: np.zeros((0, 3))),
    ("non-contiguous view", lambda: np.ones((4, 4))[::2, ::2]),
    ("read-only", lambda: np.broadcast_to(np.ones(3), (2, 3))),
]


@pytest.mark.parametrize(("label", "make"), GOOD_DATA, ids=[r[0] for r in GOOD_DATA])
def test_variable_accepts_plain_real_arrays(label: str, make: Callable[[], np.ndarray]) -> None:
    data = make()
    assert Variable(data).data is data


BAD_GRADS: list[tuple[str, Callable[[], object], type[Exception], list[str]]] = [
    ("ndarray", lambda: np.ones(3), TypeError, ["ndarray", "Variable(array)"]),
    ("str", lambda: "0", TypeError, ["str"]),
    ("float", lambda: 1.0, TypeError, ["float"]),
    ("wrong shape", lambda: Variable(np.ones((3, 3))), ValueError, ["(3, 3)", "(3,)"]),
    ("scalar for a vector", lambda: Variable(np.array(1.0)), ValueError, ["()", "(3,)"]),
]


@pytest.mark.parametrize(
    ("label", "make", "error", "words"), BAD_GRADS, ids=[r[0] for r in BAD_GRADS]
)
def test_grad_assignment_is_checked_where_it_happens(
    label: str, make: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    x = Variable(np.ones(3))
    with pytest.raises(error) as info:
        x.grad = make()  # type: ignore[assignment]  # the point: a wrong assignment
    for word in words:
        assert word in str(info.value), (label, str(info.value))
    assert x.grad is None  # nothing was stored


def test_a_set_grad_seeds_backward_and_none_clears_it() -> None:
    x = Variable(np.array([1.0, 2.0, 3.0]))
    y = x * 2.0
    y.grad = Variable(np.array([1.0, 10.0, 100.0]))
    y.backward()
    assert x.grad is not None
    assert x.grad.data.tolist() == [2.0, 20.0, 200.0]
    x.grad = None
    assert x.grad is None
