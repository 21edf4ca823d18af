"""plugrad.func against torch.func and JAX: Hessians, Jacobians, Hessian-vector products.

Everything is float64 on one CPU thread, in one process.  ``torch.func`` and JAX are optional
comparison columns, shown when importable (neither is a dependency of plugrad).  JAX is shown
twice: as called (eager) and compiled with ``jax.jit`` (its usual way, compiled once before
timing).  Every result is checked against the closed form before anything is timed.

With W a fixed 100 x 100 matrix and f(x) = sum(tanh(W x)), g(x) = tanh(W x):

1. ``hessian(f)(x)``, x of size 100: W^T diag(-2 y (1 - y^2)) W.
2. ``jacrev(g)(x)`` and ``jacfwd(g)(x)``: the 100 x 100 Jacobian diag(1 - y^2) W.
3. ``hvp(f, x, v)``: the Hessian times a vector, without the Hessian.

Target: plugrad at most 1.0x torch.func on each.  Then, for the choices plugrad.func makes
(its module docstring), the costs they were chosen by:

4. forward mode: ``jvp`` built from two reverse passes, beside one reverse pass (``vjp``),
   torch.func's forward mode, and what per-op JVP rules could cost at best: the forward pass
   (which they would run too) plus the tangent arithmetic (a hand-written NumPy JVP);
5. the Hessian as reverse over reverse (``jacrev(grad f)``, plugrad's) or JAX's construction,
   forward over reverse (``jacfwd(jacrev f)``);
6. Jacobians with every row in one walk (plugrad's) or one walk per row.

Run:  .venv/bin/python benchmarks/bench_func.py [--quick]
"""

from __future__ import annotations

import os

# One thread everywhere, set before NumPy, PyTorch or JAX start their pools.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse  # noqa: E402  # after the thread settings above
import gc  # noqa: E402
import importlib  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import plugrad.func as pf  # noqa: E402
import plugrad.functions as F  # noqa: E402
from plugrad import Variable  # noqa: E402
from plugrad.typing import Array, Operand  # noqa: E402

N = 100

# Optional peers, imported by name so that mypy sees ``Any`` whether or not they are installed.
torch: Any
try:
    torch = importlib.import_module("torch")
    torch_func: Any = importlib.import_module("torch.func")
    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - depends on the environment
    torch = torch_func = None
jax: Any
try:
    jax = importlib.import_module("jax")
    jax.config.update("jax_enable_x64", True)
    jnp: Any = importlib.import_module("jax.numpy")
except ImportError:  # pragma: no cover - depends on the environment
    jax = jnp = None


# -- the problem and its closed forms ---------------------------------------------------------

rng = np.random.default_rng(0)
W: Array = rng.standard_normal((N, N)) / np.sqrt(N)
X: Array = rng.standard_normal(N)
V: Array = rng.standard_normal(N)
Y: Array = np.tanh(W @ X)
JACOBIAN: Array = (1 - Y**2)[:, None] * W
HESSIAN: Array = W.T @ ((-2 * Y * (1 - Y**2))[:, None] * W)


def f(x: Operand) -> Variable:
    return F.sum(g(x))


def g(x: Operand) -> Variable:
    return F.reshape(F.tanh(F.matmul(W, F.reshape(x, (N, 1)))), (N,))


def numpy_jvp(x: Array, v: Array) -> Array:
    """Forward mode by hand: the tangent carried through each op beside its value."""
    z, dz = W @ x, W @ v
    y = np.tanh(z)
    dy: Array = (1 - y * y) * dz
    return dy


# -- each workload in each framework ----------------------------------------------------------


@dataclass
class Workload:
    label: str
    expected: Array
    plugrad: Callable[[], Any]
    torch: Callable[[], Any] | None = None
    jax_eager: Callable[[], Any] | None = None
    jax_jit: Callable[[], Any] | None = None
    target: float | None = 1.0  # the most plugrad / torch.func may be


def _torch_workloads() -> dict[str, Callable[[], Any]]:
    if torch is None:
        return {}
    w, x, v = (torch.tensor(a) for a in (W, X, V))

    def tf(t: Any) -> Any:
        return torch.tanh(w @ t).sum()

    def tg(t: Any) -> Any:
        return torch.tanh(w @ t)

    return {
        "hessian": lambda: torch_func.hessian(tf)(x),
        "jacrev": lambda: torch_func.jacrev(tg)(x),
        "jacfwd": lambda: torch_func.jacfwd(tg)(x),
        "hvp": lambda: torch_func.jvp(torch_func.grad(tf), (x,), (v,))[1],
        "jvp": lambda: torch_func.jvp(tg, (x,), (v,))[1],
        "vjp": lambda: torch_func.vjp(tg, x)[1](v)[0],
    }


def _jax_workloads() -> tuple[dict[str, Callable[[], Any]], dict[str, Callable[[], Any]]]:
    """JAX as called, and compiled by ``jax.jit``."""
    if jax is None:
        return {}, {}
    w, x, v = (jnp.asarray(a) for a in (W, X, V))

    def jf(t: Any) -> Any:
        return jnp.tanh(w @ t).sum()

    def jg(t: Any) -> Any:
        return jnp.tanh(w @ t)

    transforms: dict[str, Callable[[Any], Any]] = {
        "hessian": jax.hessian(jf),
        "jacrev": jax.jacrev(jg),
        "jacfwd": jax.jacfwd(jg),
        "hvp": lambda t: jax.jvp(jax.grad(jf), (t,), (v,))[1],
        "jvp": lambda t: jax.jvp(jg, (t,), (v,))[1],
        "vjp": lambda t: jax.vjp(jg, t)[1](v)[0],
    }

    def timed(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        return lambda: fn(x).block_until_ready()

    eager = {k: timed(fn) for k, fn in transforms.items()}
    jit = {k: timed(jax.jit(fn)) for k, fn in transforms.items()}
    return eager, jit


def workloads() -> list[Workload]:
    t = _torch_workloads()
    je, jj = _jax_workloads()

    def peers(key: str) -> dict[str, Any]:
        return {"torch": t.get(key), "jax_eager": je.get(key), "jax_jit": jj.get(key)}

    return [
        Workload(
            "hessian(f), x of size 100", HESSIAN, lambda: pf.hessian(f)(X), **peers("hessian")
        ),
        Workload("jacrev(g), 100 -> 100", JACOBIAN, lambda: pf.jacrev(g)(X), **peers("jacrev")),
        Workload("jacfwd(g), 100 -> 100", JACOBIAN, lambda: pf.jacfwd(g)(X), **peers("jacfwd")),
        Workload("hvp(f, x, v)", HESSIAN @ V, lambda: pf.hvp(f, X, V), **peers("hvp")),
    ]


def choices() -> list[Workload]:
    """The measurements behind plugrad.func's design choices (no target)."""
    t = _torch_workloads()
    je, jj = _jax_workloads()
    jv = JACOBIAN @ V

    def peers(key: str) -> dict[str, Any]:
        return {"torch": t.get(key), "jax_eager": je.get(key), "jax_jit": jj.get(key)}

    def no_stack(output: Variable, targets: list[Variable], prune: bool) -> list[Array] | None:
        return None  # as if a rule on the way could not take a stack of seeds

    def one_walk_per_row(run: Callable[[], Any]) -> Callable[[], Any]:
        def without_stacks() -> Any:
            original = pf._rows_at_once
            pf._rows_at_once = no_stack
            try:
                return run()
            finally:
                pf._rows_at_once = original

        return without_stacks

    return [
        Workload(
            "jvp(g): two reverse passes",
            jv,
            lambda: pf.jvp(g, (X,), (V,))[1],
            **peers("jvp"),
            target=None,
        ),
        Workload(
            "vjp(g): one reverse pass",
            JACOBIAN.T @ V,
            lambda: pf.vjp(g, X)[1](V)[0],
            **peers("vjp"),
            target=None,
        ),
        Workload("jvp(g) by hand in NumPy", jv, lambda: numpy_jvp(X, V), target=None),
        Workload("g(x) alone, recorded", Y, lambda: g(X), target=None),
        Workload(
            "hessian as jacfwd(jacrev f)", HESSIAN, lambda: pf.jacfwd(pf.jacrev(f))(X), target=None
        ),
        Workload(
            "jacrev(g), one walk per row",
            JACOBIAN,
            one_walk_per_row(lambda: pf.jacrev(g)(X)),
            target=None,
        ),
        Workload(
            "hessian(f), one walk per row",
            HESSIAN,
            one_walk_per_row(lambda: pf.hessian(f)(X)),
            target=None,
        ),
    ]


# -- measuring --------------------------------------------------------------------------------


def median_us(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm up (and, for JAX's jit, compile)
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def check(workload: Workload) -> None:
    runs = {
        "plugrad": workload.plugrad,
        "torch.func": workload.torch,
        "JAX": workload.jax_eager,
        "JAX jit": workload.jax_jit,
    }
    for name, run in runs.items():
        if run is None:
            continue
        result = run()
        value = np.asarray(result.data if isinstance(result, Variable) else result)
        if not np.allclose(value, workload.expected, rtol=1e-10, atol=1e-12):
            raise SystemExit(f"{workload.label}: {name} disagrees with the closed form")


def report(workload: Workload, repeat: int) -> None:
    check(workload)
    times = {
        "plugrad": median_us(workload.plugrad, repeat),
        "torch": median_us(workload.torch, repeat) if workload.torch else None,
        "jax": median_us(workload.jax_eager, repeat) if workload.jax_eager else None,
        "jit": median_us(workload.jax_jit, repeat) if workload.jax_jit else None,
    }

    def cell(value: float | None) -> str:
        return f"{value:12.1f}" if value is not None else f"{'-':>12s}"

    verdict = ""
    plugrad, torch_time = times["plugrad"], times["torch"]
    if plugrad is not None and torch_time:
        ratio = plugrad / torch_time
        verdict = f"{ratio:5.2f}x torch.func"
        if workload.target is not None:
            verdict += "  ok" if ratio <= workload.target else "  OVER TARGET"
            verdict += f" (target <= {workload.target}x)"
    print(
        f"  {workload.label:32s}{cell(times['plugrad'])}{cell(times['torch'])}"
        f"{cell(times['jax'])}{cell(times['jit'])}   {verdict}"
    )


def header(title: str) -> None:
    print(f"\n{title}")
    print(
        f"  {'':32s}{'plugrad':>12s}{'torch.func':>12s}{'JAX':>12s}{'JAX jit':>12s}   (us, median)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="plugrad.func against torch.func and JAX")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args(argv)
    repeat = 20 if args.quick else 200

    versions = [f"NumPy {np.__version__}"]
    versions.append(f"PyTorch {torch.__version__}" if torch else "PyTorch not installed")
    versions.append(f"JAX {jax.__version__}" if jax else "JAX not installed")
    print("; ".join(versions) + f"; one thread; {len(gc.get_objects()):,} objects on the heap")
    print(f"medians of {repeat} runs{' (quick run)' if args.quick else ''}")

    header("Targets: at most 1.0x torch.func")
    for workload in workloads():
        report(workload, repeat)
    header("Behind the choices (see plugrad.func's docstring)")
    for workload in choices():
        report(workload, repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
