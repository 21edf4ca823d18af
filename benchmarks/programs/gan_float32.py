"""``gan.py`` with every parameter float32: the dummy batch and the redrawn weights cast to
float32, so BatchNorm's parameters are float32 too and nothing promotes to float64.

Not one of the book's programs: it measures what the book's mixed dtypes cost (README, "dtype
policy").  ``python -m benchmarks.programs.run --programs gan,gan_float32``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.programs import gan

SIZES = gan.SIZES
Settings = gan.Settings
__all__ = ["SIZES", "Settings", "run", "run_torch"]


def run(settings: gan.Settings) -> dict[str, float]:
    return gan.run(settings, np.float32)


def run_torch(settings: gan.Settings, torch: Any) -> dict[str, float]:
    return gan.run_torch(settings, torch)  # the port is float32 already
