"""Sample-input factories for the test kit, shared by the built-in op families."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from plugrad.core.spec import Sample, SampleFactory
from plugrad.typing import AnyFunction, Array, Shape

UNARY_SHAPES: tuple[Shape, ...] = ((), (3,), (2, 3))
BINARY_SHAPES: tuple[tuple[Shape, Shape], ...] = (
    ((), ()),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),  # broadcast over the leading axis
    ((2, 1), (1, 3)),  # broadcast both ways
    ((), (2, 3)),
)


def uniform(rng: np.random.Generator, shape: Shape, low: float, high: float) -> Array:
    return rng.uniform(low, high, size=shape).astype(np.float64)


def away_from_zero(rng: np.random.Generator, shape: Shape, low: float, high: float) -> Array:
    """Values with |x| in [low, high] and a random sign (for division, powers, ...)."""
    signs = rng.choice(np.array([-1.0, 1.0]), size=shape)
    return np.asarray(signs * rng.uniform(low, high, size=shape), dtype=np.float64)


def unary(
    low: float = -2.0,
    high: float = 2.0,
    shapes: Sequence[Shape] = UNARY_SHAPES,
    make: Callable[[], AnyFunction] | None = None,
) -> SampleFactory:
    """Inputs drawn uniformly from ``[low, high)`` in a few shapes."""

    def samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample((uniform(rng, shape, low, high),), make=make, label=f"shape {shape}")
            for shape in shapes
        ]

    return samples


def binary(
    low: float = -2.0,
    high: float = 2.0,
    shapes: Sequence[tuple[Shape, Shape]] = BINARY_SHAPES,
    second: Callable[[np.random.Generator, Shape], Array] | None = None,
) -> SampleFactory:
    """Pairs of inputs, broadcasting included; ``second`` draws the right operand if given."""

    def samples(rng: np.random.Generator) -> list[Sample]:
        out: list[Sample] = []
        for shape0, shape1 in shapes:
            x0 = uniform(rng, shape0, low, high)
            x1 = second(rng, shape1) if second else uniform(rng, shape1, low, high)
            out.append(Sample((x0, x1), label=f"shapes {shape0} and {shape1}"))
        return out

    return samples


def ternary(
    low: float = -2.0,
    high: float = 2.0,
    shapes: Sequence[tuple[Shape, Shape, Shape]] = (
        ((), (), ()),
        ((2, 3), (2, 3), (2, 3)),
        ((2, 3), (3,), (2, 1)),  # broadcasting
    ),
    make: Callable[[], AnyFunction] | None = None,
) -> SampleFactory:
    """Triples of inputs drawn uniformly from ``[low, high)``, broadcasting included."""

    def samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample(
                tuple(uniform(rng, shape, low, high) for shape in triple),
                make=make,
                label=f"shapes {triple}",
            )
            for triple in shapes
        ]

    return samples
