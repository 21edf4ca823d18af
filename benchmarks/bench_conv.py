"""conv2d + max pooling, forward and backward: plugrad against hand-written NumPy im2col.

The case: x of 32x3x32x32 (float32), 64 filters of 3x3, pad 1, stride 1, bias; then 2x2 max
pooling with stride 2; then backpropagation of ones to x, W and b.  The NumPy baseline is the
textbook im2col implementation (the one in "Deep Learning from Scratch" 1): it keeps the
column matrix and the argmax from the forward pass for the backward.  Target: plugrad at most
1.2x its time.  PyTorch (CPU, one thread) is timed too when it is installed.

Memory: tracemalloc's peak during one forward + backward, against the size of the im2col
buffer for this case (N*OH*OW x C*KH*KW floats), reported as a factor.

Run:  .venv/bin/python benchmarks/bench_conv.py [--repeat N]
"""

from __future__ import annotations

import os

# One BLAS/OpenMP thread, set before NumPy loads: the machine is shared, and the comparison
# with PyTorch is single-threaded.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from plugrad import Variable  # noqa: E402
from plugrad.functions_conv import conv2d, pooling  # noqa: E402
from plugrad.typing import Array  # noqa: E402

N, C, H, W_ = 32, 3, 32, 32
OC, K, PAD = 64, 3, 1
POOL = 2

Grads = tuple[Array, Array, Array]


# -- the textbook NumPy version ------------------------------------------------------------------


def im2col(x: Array, k: int, stride: int, pad: int) -> Array:
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    img = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.zeros((n, c, k, k, oh, ow), dtype=x.dtype)
    for j in range(k):
        for i in range(k):
            col[:, :, j, i] = img[:, :, j : j + stride * oh : stride, i : i + stride * ow : stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col: Array, shape: tuple[int, ...], k: int, stride: int, pad: int) -> Array:
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    col6 = col.reshape(n, oh, ow, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for j in range(k):
        for i in range(k):
            img[:, :, j : j + stride * oh : stride, i : i + stride * ow : stride] += col6[
                :, :, j, i
            ]
    return img[:, :, pad : h + pad, pad : w + pad]


def numpy_step(x: Array, W: Array, b: Array) -> Grads:
    # conv forward
    oh = ow = (H + 2 * PAD - K) + 1
    col = im2col(x, K, 1, PAD)
    col_w = W.reshape(OC, -1).T
    y = (col @ col_w + b).reshape(N, oh, ow, OC).transpose(0, 3, 1, 2)
    # pooling forward
    ph = pw = oh // POOL
    pcol = im2col(y, POOL, POOL, 0).reshape(-1, POOL * POOL)
    arg_max = pcol.argmax(axis=1)
    _ = pcol.max(axis=1).reshape(N, ph, pw, OC).transpose(0, 3, 1, 2)
    # pooling backward (of ones)
    dout = np.ones((N, ph, pw, OC), dtype=x.dtype)
    dmax = np.zeros((dout.size, POOL * POOL), dtype=x.dtype)
    dmax[np.arange(arg_max.size), arg_max] = dout.reshape(-1)
    dy = col2im(dmax.reshape(N * ph * pw, -1), y.shape, POOL, POOL, 0)
    # conv backward
    dy_mat = dy.transpose(0, 2, 3, 1).reshape(-1, OC)
    db = dy_mat.sum(axis=0)
    dW = (col.T @ dy_mat).T.reshape(W.shape)
    dx = col2im(dy_mat @ col_w.T, x.shape, K, 1, PAD)
    return dx, dW, db


# -- plugrad -------------------------------------------------------------------------------------


def plugrad_step(x: Array, W: Array, b: Array) -> Grads:
    xv, wv, bv = Variable(x), Variable(W), Variable(b)
    y = pooling(conv2d(xv, wv, bv, stride=1, pad=PAD), POOL, POOL)
    y.backward()
    assert xv.grad is not None
    assert wv.grad is not None
    assert bv.grad is not None
    return xv.grad.data, wv.grad.data, bv.grad.data


def torch_step() -> Callable[[Array, Array, Array], Grads] | None:
    try:
        # By name, so that mypy sees ``Any`` whether or not the optional peer is installed.
        torch: Any = importlib.import_module("torch")
    except ImportError:
        return None
    torch.set_num_threads(1)

    def step(x: Array, W: Array, b: Array) -> Grads:
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
        y = torch.nn.functional.conv2d(xt, wt, bt, padding=PAD)
        torch.nn.functional.max_pool2d(y, POOL, POOL).sum().backward()
        return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()

    return step


# -- measuring -----------------------------------------------------------------------------------


Step = Callable[[Array, Array, Array], Grads]


def timed(steps: list[Step], args: Grads, repeat: int) -> list[float]:
    """Median time of each step; the steps take turns, so load on a shared machine hits all."""
    times: list[list[float]] = [[] for _ in steps]
    for step in steps:
        step(*args)  # warm up
    for _ in range(repeat):
        for step, record in zip(steps, times, strict=True):
            start = time.perf_counter()
            step(*args)
            record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


def peak_bytes(step: Step, args: Grads) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = step(*args)
    peak = tracemalloc.get_traced_memory()[1] - base
    del result
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W_)).astype(np.float32)
    W = (rng.standard_normal((OC, C, K, K)) * 0.3).astype(np.float32)
    b = rng.standard_normal(OC).astype(np.float32)
    inputs = (x, W, b)

    for got, want, name in zip(plugrad_step(*inputs), numpy_step(*inputs), "xWb", strict=True):
        if not np.allclose(got, want, rtol=1e-4, atol=1e-4):
            raise SystemExit(f"gradients of {name} differ between plugrad and NumPy")

    print(f"conv2d {N}x{C}x{H}x{W_} * {OC}x{C}x{K}x{K} pad {PAD} + 2x2 max pool, fwd + bwd")
    t_numpy, t_plugrad = timed([numpy_step, plugrad_step], inputs, args.repeat)
    print(f"  NumPy im2col (textbook)  {t_numpy * 1e3:8.2f} ms")
    print(f"  plugrad                  {t_plugrad * 1e3:8.2f} ms   ({t_plugrad / t_numpy:.2f}x)")
    step = torch_step()
    if step is None:
        print("  PyTorch (1 thread)       not installed")
    else:
        (t_torch,) = timed([step], inputs, args.repeat)
        print(f"  PyTorch (1 thread)       {t_torch * 1e3:8.2f} ms   ({t_plugrad / t_torch:.2f}x)")

    col_bytes = N * H * W_ * C * K * K * x.itemsize
    y_bytes = N * OC * H * W_ * x.itemsize
    plugrad_peak = peak_bytes(plugrad_step, inputs)
    numpy_peak = peak_bytes(numpy_step, inputs)
    mib = 1 << 20
    print(f"memory: im2col buffer {col_bytes / mib:.2f} MiB, conv output {y_bytes / mib:.2f} MiB")
    print(
        f"  peak plugrad {plugrad_peak / mib:.2f} MiB ({plugrad_peak / col_bytes:.1f}x the "
        f"buffer), NumPy {numpy_peak / mib:.2f} MiB ({numpy_peak / col_bytes:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
