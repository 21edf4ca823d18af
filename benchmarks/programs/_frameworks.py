"""Run a plugrad program on DeZero by pointing its imports there.

The programs in this folder are plugrad programs (typed, importing ``plugrad``).  DeZero runs
the very same code: ``use_dezero()`` registers DeZero's modules under plugrad's names before the
program is imported, which is the book's "only the imports changed", done from the outside.
The programs use only the API the two share.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

_SUBMODULES = (
    "",
    ".functions",
    ".layers",
    ".models",
    ".optimizers",
    ".datasets",
    ".dataloaders",
    ".transforms",
    ".utils",
    ".cuda",
)


def use_dezero() -> str:
    """Make ``import plugrad...`` import DeZero; returns DeZero's version."""
    if "plugrad" in sys.modules:
        raise RuntimeError("use_dezero() must run before anything imports plugrad")
    numpy: Any = importlib.import_module("numpy")
    if "int" not in vars(numpy):
        # DeZero 0.0.13 names ``np.int`` (gone since NumPy 1.24) in defaults evaluated at
        # import time; it meant the builtin.
        numpy.int = int
    for suffix in _SUBMODULES:
        sys.modules["plugrad" + suffix] = importlib.import_module("dezero" + suffix)
    return str(sys.modules["plugrad"].__version__)


def available(name: str) -> bool:
    """Whether ``name`` can be imported here (without importing it)."""
    return importlib.util.find_spec(name) is not None
