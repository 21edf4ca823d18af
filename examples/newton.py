"""Newton's method in many dimensions, with derivatives as functions (plugrad.func).

    python examples/newton.py

Minimizes the extended Rosenbrock function (More, Garbow and Hillstrom's test problem 21),
f(x) = sum over pairs of 100 (x[2i+1] - x[2i]^2)^2 + (1 - x[2i])^2, from its standard start
(-1.2, 1, -1.2, 1, ...) down its curved valley to the minimum x = (1, ..., 1), twice:

1. in 6 dimensions by Newton's method with the whole Hessian: x <- x - t H^-1 g, where
   ``hessian(f)`` and ``grad(f)`` are functions of x and t comes from a backtracking line
   search;
2. in 1,000 dimensions by truncated Newton: the Newton step is solved by conjugate gradients,
   which needs only Hessian-vector products, ``hvp(f, x, v)``, never the 1000 x 1000 matrix.

Both print their progress and check the minimum they found against the known one.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from numpy.typing import NDArray

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable
from plugrad.func import hessian, hvp, value_and_grad
from plugrad.typing import Operand

Vector = NDArray[np.floating[Any]]


def rosenbrock(x: Operand) -> Variable:
    v = F.as_variable(x)
    first, second = v[0::2], v[1::2]
    return F.sum(100.0 * (second - first**2) ** 2 + (1.0 - first) ** 2)


def line_search(x: Vector, step: Vector, fx: float, slope: float) -> Vector:
    """x - t step for the largest t in 1, 1/2, 1/4, ... that lowers f enough (Armijo's test;
    ``slope`` is g . step, positive for a descent direction)."""
    t = 1.0
    while t > 1e-12:
        candidate = x - t * step
        if float(rosenbrock(candidate).data) <= fx - 1e-4 * t * slope:
            return candidate
        t /= 2
    return x - t * step


def newton_step(H: Vector, g: Vector) -> Vector:
    """H^-1 g, with H shifted by a multiple of the identity where it is not positive definite
    (far from the minimum it need not be), so that the step always goes downhill."""
    shift = 0.0
    identity = np.eye(len(g))
    while True:
        try:
            lower = np.linalg.cholesky(H + shift * identity)
        except np.linalg.LinAlgError:
            shift = max(2 * shift, 1e-3 * float(np.abs(H).max()))
            continue
        return np.linalg.solve(lower.T, np.linalg.solve(lower, g))


def newton(x: Vector, tolerance: float = 1e-10, max_steps: int = 100) -> tuple[Vector, int]:
    """Newton's method with the full Hessian; returns the minimum and the number of steps."""
    for step_count in range(1, max_steps + 1):
        value, g = value_and_grad(rosenbrock)(x)
        norm = float(np.linalg.norm(g.data))
        if step_count % 5 == 1 or norm < tolerance:
            print(f"  step {step_count:3d}  f = {float(value.data):.3e}  |g| = {norm:.1e}")
        if norm < tolerance:
            return x, step_count
        step = newton_step(hessian(rosenbrock)(x).data, g.data)
        x = line_search(x, step, float(value.data), float(g.data @ step))
    return x, max_steps


def conjugate_gradients(x: Vector, g: Vector, iterations: int) -> tuple[Vector, int]:
    """Solve H p = g approximately, touching H only through Hessian-vector products; stops
    where H is not convex along the search direction (Steihaug's rule).  Returns p and the
    number of products used."""
    p = np.zeros_like(g)
    r = g.copy()
    d = r.copy()
    for used in range(1, iterations + 1):
        Hd = hvp(rosenbrock, x, d).data
        curvature = float(d @ Hd)
        if curvature <= 0:
            return (p if p.any() else g), used
        alpha = float(r @ r) / curvature
        p = p + alpha * d
        r_new = r - alpha * Hd
        if np.linalg.norm(r_new) < min(0.5, np.sqrt(np.linalg.norm(g))) * np.linalg.norm(g):
            return p, used
        d = r_new + float(r_new @ r_new) / float(r @ r) * d
        r = r_new
    return p, iterations


def truncated_newton(
    x: Vector, tolerance: float = 1e-8, max_steps: int = 200
) -> tuple[Vector, int, int]:
    """Newton-CG: returns the minimum, the Newton steps and the Hessian-vector products used."""
    products = 0
    for step_count in range(1, max_steps + 1):
        value, g = value_and_grad(rosenbrock)(x)
        norm = float(np.linalg.norm(g.data))
        if step_count % 10 == 0 or norm < tolerance:
            print(f"  step {step_count:3d}  f = {float(value.data):.3e}  |g| = {norm:.1e}")
        if norm < tolerance:
            return x, step_count, products
        step, used = conjugate_gradients(x, g.data, iterations=50)
        products += used
        x = line_search(x, step, float(value.data), float(g.data @ step))
    return x, max_steps, products


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dims", type=int, default=1000, help="dimensions for Newton-CG")
    args = parser.parse_args(argv)

    print("Newton's method with hessian(f), 6 dimensions:")
    start = np.tile([-1.2, 1.0], 3)
    x, steps = newton(start)
    error = float(np.max(np.abs(x - 1.0)))
    print(f"  minimum found after {steps} steps: {np.round(x, 8)}; max |x - 1| = {error:.1e}")
    ok_newton = error < 1e-8

    print(f"Truncated Newton with hvp(f, x, v), {args.dims} dimensions:")
    start = np.tile([-1.2, 1.0], args.dims // 2)
    x, steps, products = truncated_newton(start)
    error = float(np.max(np.abs(x - 1.0)))
    print(
        f"  minimum found after {steps} Newton steps ({products} Hessian-vector "
        f"products); max |x - 1| = {error:.1e}"
    )
    ok_cg = error < 1e-6

    if ok_newton and ok_cg:
        print("Both match the known minimum x = (1, ..., 1).")
        return 0
    print("MISMATCH: a minimum is not where it should be.")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
