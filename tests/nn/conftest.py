"""Fixtures for the nn-stack tests: tiny MNIST files written on the fly."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


def _tiny_mnist(root: Path) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    _write_idx(root / "train-images-idx3-ubyte.gz", images)
    _write_idx(root / "train-labels-idx1-ubyte.gz", labels)
    _write_idx(root / "t10k-images-idx3-ubyte.gz", images[:2])
    _write_idx(root / "t10k-labels-idx1-ubyte.gz", labels[:2])
    return images, labels


@pytest.fixture
def tiny_mnist(tmp_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Five 28x28 training images (two for test) as gzip IDX files in ``tmp_path``."""
    return _tiny_mnist(tmp_path)
