"""Higher derivatives by differentiating gradients (DeZero steps 33-36).

    python examples/higher_order.py

``backward(create_graph=True)`` records the backward pass as a graph of its own, so the
gradient ``x.grad`` is a Variable that can be differentiated again.  The script prints the
first four derivatives of tanh at a few points next to their closed forms, then minimizes
y = x**4 - 2 x**2 by Newton's method, x <- x - f'(x) / f''(x), with both derivatives computed
by backprop.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable


def derivatives(
    f: Callable[[Variable], Variable], x: Variable, order: int
) -> list[NDArray[np.float64]]:
    """[f'(x), f''(x), ...] up to ``order``, each the gradient of the one before."""
    results: list[NDArray[np.float64]] = []
    y = f(x)
    for _ in range(order):
        x.cleargrad()
        F.sum(y).backward(create_graph=True)
        if x.grad is None:
            raise RuntimeError("f does not depend on x")
        y = x.grad
        results.append(y.data)
    return results


def tanh_closed_forms(x: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """The first four derivatives of tanh, written in t = tanh(x)."""
    t = np.tanh(x)
    s = 1 - t**2
    return [s, -2 * t * s, s * (6 * t**2 - 2), s * (-24 * t**3 + 16 * t)]


def show_tanh_derivatives() -> None:
    points = np.array([-1.0, 0.0, 0.5, 2.0])
    backprop = derivatives(F.tanh, Variable(points.copy()), order=4)
    closed = tanh_closed_forms(points)
    print("Derivatives of tanh at x =", points)
    for n, (got, expected) in enumerate(zip(backprop, closed, strict=True), start=1):
        error = float(np.max(np.abs(got - expected)))
        print(f"  order {n}: {np.array2string(got, precision=6)}  (max error {error:.1e})")


def quartic(x: Variable) -> Variable:
    return x**4 - 2 * x**2


def newton(x0: float, steps: int) -> list[float]:
    """Newton's method on ``quartic``: both derivatives come from backprop."""
    x = Variable(np.array(x0))
    iterates = [x0]
    for _ in range(steps):
        x.cleargrad()
        quartic(x).backward(create_graph=True)
        first = x.grad
        if first is None:
            raise RuntimeError("quartic does not depend on x")
        x.cleargrad()
        first.backward()
        second = x.grad
        if second is None:
            raise RuntimeError("the first derivative does not depend on x")
        x.data = x.data - first.data / second.data
        iterates.append(float(x.data))
    return iterates


def show_newton() -> None:
    print("Newton's method on y = x**4 - 2x**2 from x = 2 (the minimum is at x = 1):")
    for step, value in enumerate(newton(2.0, steps=7)):
        print(f"  {step}: x = {value:.15f}")


def main() -> None:
    show_tanh_derivatives()
    print()
    show_newton()


if __name__ == "__main__":
    main()
