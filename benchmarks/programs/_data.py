"""A small synthetic MNIST, made on the spot, so the book's programs run offline.

Ten class templates of random pen strokes on a 28x28 canvas; each image is its class's template
shifted by up to two pixels, with noise, as uint8 in [0, 255] like the IDX files hold.  The
classes are separable (the MLP learns them), and the generator is seeded, so every framework
gets the very same images.  Only NumPy is used here: the same arrays feed plugrad, DeZero and
PyTorch.
"""

from __future__ import annotations

import functools

import numpy as np

SIDE = 28


def _template(rng: np.random.Generator) -> np.ndarray:
    """A few thick strokes between random points: a blob of ink shaped like nothing."""
    canvas = np.zeros((SIDE, SIDE))
    for _ in range(3):
        (r0, c0), (r1, c1) = rng.integers(5, SIDE - 5, size=(2, 2))
        for s in np.linspace(0.0, 1.0, 40):
            r, c = round(r0 + (r1 - r0) * s), round(c0 + (c1 - c0) * s)
            canvas[r - 1 : r + 2, c - 1 : c + 2] = 1.0
    return canvas


@functools.cache
def images(count: int, train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``count`` images (count, 1, 28, 28) uint8 and their labels (count,) uint8."""
    rng = np.random.default_rng(7)
    templates = [_template(rng) for _ in range(10)]
    rng = np.random.default_rng(11 if train else 13)
    labels = rng.integers(0, 10, size=count).astype(np.uint8)
    data = np.empty((count, 1, SIDE, SIDE), dtype=np.uint8)
    shifts = rng.integers(-2, 3, size=(count, 2))
    noise = rng.uniform(0.0, 0.3, size=(count, SIDE, SIDE))
    for i, (label, (dr, dc)) in enumerate(zip(labels, shifts, strict=True)):
        shifted = np.roll(templates[int(label)], (dr, dc), axis=(0, 1))
        data[i, 0] = np.clip((shifted * 0.8 + noise[i]) * 255.0, 0.0, 255.0).astype(np.uint8)
    return data, labels
