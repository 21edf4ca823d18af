"""The test kit must catch each kind of broken op, and pass correct ones.

Every buggy op here differs from a correct one in exactly one way; the kit must name the op,
the check that caught it and the values that disagreed.
"""

from __future__ import annotations

import numpy as np
import pytest

from plugrad import Function, Variable
from plugrad._typing import Array
from plugrad.plugin import Sample
from plugrad.testing import OpCheckError, check_op


class Cube(Function[Array]):
    """y = x ** 3;  dy/dx = 3 x ** 2"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x * x * x

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy * (3.0 * x.data * x.data)

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * (3.0 * x * x)


def cube_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((rng.uniform(-2, 2, size=shape),), label=f"{shape}", reference=lambda x: x**3)
        for shape in [(), (3,), (4, 5)]  # (4, 5) is too big for the elementwise check
    ]


class WrongGradient(Cube):
    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy * (2.0 * x.data * x.data)

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * (2.0 * x * x)


class WrongSecondOrder(Cube):
    """First order right; the differentiable form uses a constant in place of x."""

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * Variable(np.asarray(3.0 * x.data * x.data))


class FormsDisagree(Cube):
    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * (3.1 * x * x)


class MutatesInput(Cube):
    def forward(self, x: Array) -> Array:
        x *= 1.0 + 1e-3  # an in-place "optimization"
        return x * x * x


class MutatesGradient(Cube):
    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        gy *= 3.0 * x.data * x.data
        return gy


class WrongShape(Cube):
    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return np.asarray(np.sum(gy * 3.0 * x.data * x.data))


class TwoGradients(Cube):
    def backward_array(self, gy: Array) -> tuple[Array, Array]:  # type: ignore[override]  # the bug under test
        (x,) = self.inputs
        g = gy * (3.0 * x.data * x.data)
        return g, g


class Upcasts(Cube):
    def forward(self, x: Array) -> Array:
        return (x * x * x).astype(np.float64)


class UpcastsGradient(Cube):
    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy * (3.0 * x.data.astype(np.float64) ** 2)


class WrongForward(Cube):
    def forward(self, x: Array) -> Array:
        return x * x * x + 1e-3


class NoneGradient(Cube):
    def backward_array(self, gy: Array) -> Array:
        return None  # type: ignore[return-value]  # the bug under test


class ClaimsNoInputs(Cube):
    """Cube's backward reads x, yet it says it does not."""

    retains_inputs = False


class ClaimsNoOutputs(Function[Array]):
    """y = exp(x), whose backward reads y, yet it says it does not."""

    retains_outputs = False

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def backward_array(self, gy: Array) -> Array:
        y = self.outputs[0]()
        if y is None:
            raise RuntimeError("the output is gone")
        return gy * y.data

    def backward(self, gy: Variable) -> Variable:
        y = self.outputs[0]()
        if y is None:
            raise RuntimeError("the output is gone")
        return gy * y


class ScaleBy(Function[Array, Array]):
    """y = x * table[index] (index an integer array);  dy/dx = table[index]"""

    __slots__ = ("table",)

    def __init__(self) -> None:
        self.table = np.array([0.5, 2.0, -1.5])

    def forward(self, x: Array, index: Array) -> Array:
        scale: Array = self.table[index].astype(x.dtype)
        return x * scale

    def backward_array(self, gy: Array) -> tuple[Array, None]:
        _, index = self.inputs
        scale: Array = self.table[index.data].astype(gy.dtype)
        return gy * scale, None


def index_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((rng.standard_normal(4), np.array([0, 2, 1, 2])), label="4 with labels")]


def test_a_correct_op_passes() -> None:
    check_op(Cube, cube_samples)


def test_integer_inputs_are_not_differentiated() -> None:
    check_op(ScaleBy, index_samples, double_backward=False)


@pytest.mark.parametrize(
    ("cls", "check", "shown"),
    [
        (WrongGradient, "gradient", "numerical"),
        (WrongSecondOrder, "double_backward", "numerical"),
        (FormsDisagree, "backward_forms", "backward_array"),
        (MutatesInput, "mutation", "changed input 0"),
        (MutatesGradient, "mutation", "output gradient 0"),
        (WrongShape, "backward_shape", "shape () for input 0"),
        (TwoGradients, "backward_arity", "2 gradient(s) for 1 input(s)"),
        (Upcasts, "dtype", "float64"),
        (UpcastsGradient, "dtype", "float64 gradient for float32 input"),
        (WrongForward, "forward", "reference"),
        (NoneGradient, "backward_type", "NoneType"),
        (ClaimsNoInputs, "retention", "retains_inputs=False"),
    ],
)
def test_each_bug_is_caught_and_named(cls: type[Function[Array]], check: str, shown: str) -> None:
    with pytest.raises(OpCheckError) as info:
        check_op(cls, cube_samples)
    error = info.value
    assert error.check == check, str(error)
    assert cls.__name__ in str(error)
    assert shown in str(error)
    assert isinstance(error, AssertionError)  # pytest shows it as a failed assertion


def test_an_op_reading_outputs_it_says_it_does_not_keep_is_caught() -> None:
    def samples(rng: np.random.Generator) -> list[Sample]:
        return [Sample((rng.standard_normal(3),), label="3")]

    with pytest.raises(OpCheckError, match="retains_outputs=False") as info:
        check_op(ClaimsNoOutputs, samples)
    assert info.value.check == "retention"


def test_the_elementwise_check_names_the_element() -> None:
    with pytest.raises(OpCheckError, match=r"element \(1,\): analytic"):
        check_op(WrongGradient, [Sample((np.array([0.0, 1.5, 0.0]),))], directions=0)


def test_double_backward_declared_without_a_differentiable_backward() -> None:
    class FirstOrderOnly(Function[Array]):
        def forward(self, x: Array) -> Array:
            return 2.0 * x

        def backward_array(self, gy: Array) -> Array:
            return 2.0 * gy

    samples = [Sample((np.array([1.0, -2.0]),))]
    with pytest.raises(OpCheckError, match="no differentiable backward"):
        check_op(FirstOrderOnly, samples, double_backward=True)
    check_op(FirstOrderOnly, samples)  # declared first-order only: passes


def test_an_op_that_raises_is_reported_with_its_name() -> None:
    class Raises(Cube):
        def forward(self, x: Array) -> Array:
            raise FloatingPointError("overflow")

    with pytest.raises(OpCheckError, match=r"Raises.*FloatingPointError: overflow") as info:
        check_op(Raises, cube_samples)
    assert isinstance(info.value.__cause__, FloatingPointError)


def test_registered_ops_are_checked_by_name() -> None:
    check_op("square")
    check_op("sum")  # constructor arguments come from the samples' make()


def test_an_op_without_samples_cannot_be_checked() -> None:
    with pytest.raises(OpCheckError, match="no samples"):
        check_op(Cube)
