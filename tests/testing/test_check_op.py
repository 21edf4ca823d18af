"""The test kit must catch each kind of broken op, and pass correct ones.

Every buggy op here differs from a correct one in exactly one way; the kit must name the op,
the check that caught it and the values that disagreed.
"""

from __future__ import annotations

import numpy as np
import pytest

from plugrad import Function, Variable
from plugrad.core.variable import data_of
from plugrad.plugin import Sample
from plugrad.testing import OpCheckError, check_op
from plugrad.typing import Array, V


class Cube(Function[Array]):
    """y = x ** 3;  dy/dx = 3 x ** 2"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x * x * x

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (x * x * 3.0)
        return gx


def _on_variables(value: object) -> bool:
    """Whether a rule runs on Variables (the Variable path) rather than on arrays."""
    return isinstance(value, Variable)


def cubed(x: Array) -> Array:
    return x**3


def cube_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((rng.uniform(-2, 2, size=shape),), label=f"{shape}", reference=cubed)
        for shape in [(), (3,), (4, 5)]  # (4, 5) is too big for the elementwise check
    ]


class WrongGradient(Cube):
    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (x * x * 2.0)
        return gx


class WrongSecondOrder(Cube):
    """First order right on both paths; on Variables, x is read as a constant."""

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (data_of(x) * data_of(x) * 3.0)
        return gx


class PathsDisagree(Cube):
    """The rule means one thing on arrays and another on Variables."""

    def vjp(self, x: V, gy: V) -> V:
        factor = 3.1 if _on_variables(gy) else 3.0
        gx: V = gy * (x * x * factor)
        return gx


class ArrayFormDisagrees(Cube):
    """A hand-written array form that drifted from the rule."""

    def vjp_array(self, x: Array, gy: Array) -> Array:
        return gy * (3.1 * x * x)


class AssignsIntoScalars(Cube):
    takes_scalars = True  # a false claim: item assignment needs an array

    def forward(self, x: Array) -> Array:
        y = x.copy()
        y[...] = x * x * x
        return y


class MutatesInput(Cube):
    def forward(self, x: Array) -> Array:
        x *= 1.0 + 1e-3  # an in-place "optimization"
        return x * x * x


class MutatesGradient(Cube):
    def vjp_array(self, x: Array, gy: Array) -> Array:
        gy *= 3.0 * x * x
        return gy


class MutatesOutput(Cube):
    """The rule scales the output it retains in place (a second backward would see that)."""

    retains_outputs = True

    def vjp(self, x: V, y: V, gy: V) -> V:  # type: ignore[override]  # it retains its output
        gx: V = gy * (x * x * 3.0)
        return gx

    def vjp_array(self, x: Array, y: Array, gy: Array) -> Array:
        y *= 2.0
        gx: Array = gy * (x * x * 3.0)
        return gx


class WrongShape(Cube):
    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (x * x * 3.0)
        summed: V = gx.sum()  # pyright: ignore[reportAssignmentType]  # NumPy types ndarray.sum as Any
        return summed


class TwoGradients(Cube):
    def vjp(self, x: V, gy: V) -> tuple[V, V]:  # type: ignore[override]  # the bug under test
        gx: V = gy * (x * x * 3.0)
        return gx, gx


class Upcasts(Cube):
    def forward(self, x: Array) -> Array:
        return (x * x * x).astype(np.float64)


class UpcastsGradient(Cube):
    def vjp_array(self, x: Array, gy: Array) -> Array:
        gx: Array = gy * (x.astype(np.float64) ** 2 * 3.0)
        return gx


class UpcastsOnVariables(Cube):
    """float32 kept on the array path, lost on the Variable path (a 0-d float64 array is not
    weakly typed, as a Python float is)."""

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (x * x * 3.0)
        if _on_variables(gx):
            gx = gx * np.ones((), dtype=np.float64)
        return gx


class WrongForward(Cube):
    def forward(self, x: Array) -> Array:
        return x * x * x + 1e-3


class NoneGradient(Cube):
    def vjp(self, x: V, gy: V) -> V:
        return None  # type: ignore[return-value]  # the bug under test


class ClaimsNoInputs(Cube):
    """Cube's rule reads x, yet it says it does not."""

    retains_inputs = False


class ReadsOutputsItDoesNotKeep(Cube):
    """The rule reads y through ``self.outputs`` without retaining it."""

    def vjp(self, x: V, gy: V) -> V:
        y = self.outputs[0]()
        if y is None:
            raise RuntimeError("the output is gone")
        gx: V = gy * (y.data / x) * 3.0
        return gx


class DeZeroCube(Function[Array]):
    """y = x ** 3 written DeZero's way, backward on Variables reading self.inputs."""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x * x * x

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * (3.0 * x * x)


class DeZeroClaimsNoInputs(DeZeroCube):
    """DeZero's form reads x from self.inputs, yet it says it does not."""

    retains_inputs = False


class ScaleBy(Function[Array, Array]):
    """y = x * table[index] (index an integer array);  dy/dx = table[index]"""

    __slots__ = ("table",)

    def __init__(self) -> None:
        self.table = np.array([0.5, 2.0, -1.5])

    def forward(self, x: Array, index: Array) -> Array:
        scale: Array = self.table[index].astype(x.dtype)
        return x * scale

    def vjp(self, x: V, index: V, gy: V) -> tuple[V, None]:
        scale: Array = self.table[data_of(index)].astype(gy.dtype)
        return gy * scale, None


def index_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((rng.standard_normal(4), np.array([0, 2, 1, 2])), label="4 with labels")]


def test_a_correct_op_passes() -> None:
    check_op(Cube, cube_samples)


def test_an_op_written_dezeros_way_passes() -> None:
    check_op(DeZeroCube, cube_samples)


def test_integer_inputs_are_not_differentiated() -> None:
    check_op(ScaleBy, index_samples, double_backward=False)


@pytest.mark.parametrize(
    ("cls", "check", "shown"),
    [
        (WrongGradient, "gradient", "numerical"),
        (WrongSecondOrder, "double_backward", "numerical"),
        (PathsDisagree, "backward_paths", "backward(create_graph=True)"),
        (ArrayFormDisagrees, "backward_paths", "backward(create_graph=True)"),
        (MutatesInput, "mutation", "forward changed input 0"),
        (AssignsIntoScalars, "scalars", "forward fails on NumPy scalars"),
        (MutatesGradient, "mutation", "output gradient 0"),
        (MutatesOutput, "mutation", "vjp_array changed output 0"),
        (WrongShape, "backward_shape", "shape () for input 0"),
        (TwoGradients, "backward_arity", "2 gradient(s) for 1 input(s)"),
        (Upcasts, "dtype", "float64"),
        (UpcastsGradient, "dtype", "vjp_array returned a float64 gradient for float32 input"),
        (UpcastsOnVariables, "dtype", "create_graph=True) gave a float64 gradient"),
        (WrongForward, "forward", "reference"),
        (NoneGradient, "backward_type", "NoneType"),
        (ClaimsNoInputs, "retention", "retains_inputs=False"),
        (ReadsOutputsItDoesNotKeep, "exception", "the output is gone"),
        (DeZeroClaimsNoInputs, "retention", "but backward reads their values"),
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


def test_an_input_mutated_in_forward_is_reported_as_mutation_not_a_wrong_forward() -> None:
    """The reference sees the inputs as they were, and mutation is what the kit names."""

    class DoublesInPlace(Function[Array]):
        """y = 2 x, computed in the input's own memory"""

        def forward(self, x: Array) -> Array:
            x *= 2.0
            return x

        def vjp(self, x: V, gy: V) -> V:
            gx: V = gy * 2.0
            return gx

    def doubled(x: Array) -> Array:
        return 2.0 * x

    samples = [Sample((np.array([1.0, 2.0]),), reference=doubled)]
    with pytest.raises(OpCheckError) as info:
        check_op(DoublesInPlace, samples)
    assert info.value.check == "mutation"
    assert "forward changed input 0 in place" in str(info.value)
    assert "was [1. 2.]" in str(info.value)


def test_the_reference_is_computed_from_the_inputs_as_they_were() -> None:
    """An op that gives the right values but also bumps its input: had the reference been
    computed after forward, from the bumped input, the kit would blame the values."""

    class IncrementsInPlace(Function[Array]):
        """y = x + 1, leaving x + 1 in the input too"""

        def forward(self, x: Array) -> Array:
            x += 1.0
            return x.copy()

        def vjp(self, x: V, gy: V) -> V:
            return gy

    def incremented(x: Array) -> Array:
        return x + 1.0

    samples = [Sample((np.array([1.0, 2.0]),), reference=incremented)]
    with pytest.raises(OpCheckError) as info:
        check_op(IncrementsInPlace, samples)
    assert info.value.check == "mutation"
    assert "forward changed input 0 in place:\nnow [2. 3.]\nwas [1. 2.]" in str(info.value)


def test_the_retention_check_hands_the_rule_nans() -> None:
    with pytest.raises(OpCheckError, match=r"(?s)on NaN-filled inputs instead of") as info:
        check_op(ClaimsNoInputs, [Sample((np.array([1.0, -2.0]),))])
    assert info.value.check == "retention"


def test_the_elementwise_check_names_the_element() -> None:
    with pytest.raises(OpCheckError, match=r"element \(1,\): analytic"):
        check_op(WrongGradient, [Sample((np.array([0.0, 1.5, 0.0]),))], directions=0)


def test_double_backward_declared_without_a_rule_on_variables() -> None:
    class FirstOrderOnly(Function[Array]):
        def forward(self, x: Array) -> Array:
            return 2.0 * x

        def vjp_array(self, x: Array, gy: Array) -> Array:
            return 2.0 * gy

    samples = [Sample((np.array([1.0, -2.0]),))]
    with pytest.raises(OpCheckError, match="no rule that runs on Variables"):
        check_op(FirstOrderOnly, samples, double_backward=True)
    check_op(FirstOrderOnly, samples)  # first order only, as it says by default: passes


def test_an_op_that_raises_is_reported_with_its_name() -> None:
    class Raises(Cube):
        def forward(self, x: Array) -> Array:
            raise FloatingPointError("overflow")

    with pytest.raises(OpCheckError, match=r"Raises.*FloatingPointError: overflow") as info:
        check_op(Raises, cube_samples)
    assert isinstance(info.value.__cause__, FloatingPointError)


def test_arity_comes_from_forward() -> None:
    with pytest.raises(OpCheckError, match=r"forward takes 1 input\(s\), the sample has 2") as info:
        check_op(Cube, [Sample((np.ones(2), np.ones(2)))])
    assert info.value.check == "arity"


def test_registered_ops_are_checked_by_name() -> None:
    check_op("square")
    check_op("sum")  # constructor arguments come from the samples' make()


def test_a_declared_but_unregistered_class_uses_its_declaration() -> None:
    class Twice(
        Function[Array],
        name="test_kit.twice",
        samples=lambda rng: [Sample((rng.standard_normal(3),))],
    ):
        """y = 2 x;  dy/dx = 2"""

        __slots__ = ()

        def forward(self, x: Array) -> Array:
            return 2.0 * x

        def vjp(self, x: V, gy: V) -> V:
            return gy * 2.0

    check_op(Twice)  # samples, arity and double_backward from the class statement


def test_an_op_without_samples_cannot_be_checked() -> None:
    with pytest.raises(OpCheckError, match="no samples"):
        check_op(Cube)
