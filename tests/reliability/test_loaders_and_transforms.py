"""Loaders and transforms: a sequence loader with more rows than data would repeat one row
silently; a zero or NaN std would turn every image into inf or NaN; a loader handed an array
instead of a data set would fail deep inside with ``len()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import plugrad.transforms as T
from plugrad.dataloaders import DataLoader, SeqDataLoader
from plugrad.datasets import SinCurve, Spiral
from tests.reliability._table import bad, good, run_bad, run_good, untyped

DATA_BAD = [
    bad(
        "sequence rows past the data",
        lambda: SeqDataLoader(SinCurve(), 5000),
        ValueError,
        "SeqDataLoader",
        "5000",
        "999",
    ),
    bad("loader of a number", lambda: DataLoader(untyped(5), 10), TypeError, "DataLoader", "int"),
    bad(
        "loader of None", lambda: DataLoader(untyped(None), 10), TypeError, "DataLoader", "NoneType"
    ),
    bad(
        "Normalize std 0", lambda: T.Normalize(0.0, 0.0), ValueError, "Normalize", "std", "non-zero"
    ),
    bad(
        "Normalize std nan", lambda: T.Normalize(0.0, float("nan")), ValueError, "Normalize", "std"
    ),
    bad(
        "Normalize a zero channel",
        lambda: T.Normalize([0.0, 0.0], [1.0, 0.0]),
        ValueError,
        "Normalize",
        "std",
    ),
    bad(
        "Normalize mean inf",
        lambda: T.Normalize(float("inf"), 1.0),
        ValueError,
        "Normalize",
        "mean",
    ),
    bad(
        "Normalize std str", lambda: T.Normalize(0.0, untyped("1")), ValueError, "Normalize", "std"
    ),
]

DATA_GOOD = [
    good(
        "sequence rows as many as the data",
        lambda: next(iter(SeqDataLoader(SinCurve(), 999)))[0].shape,
        lambda s: s == (999, 1),
    ),
    good(
        "Normalize per channel",
        lambda: T.Normalize([0.0, 1.0], [1.0, 2.0])(np.ones((2, 1, 1))).ravel().tolist(),
        lambda v: v == [1.0, 0.0],
    ),
    good(
        "Normalize a list of arrays' loader",
        lambda: len(DataLoader(Spiral(), 10).dataset),
        lambda n: n == 300,
    ),
    good(
        "Normalize float32 stays float32",
        lambda: T.Normalize(0.5, 2.0)(np.ones(3, np.float32)).dtype,
        lambda d: d == np.float32,
    ),
]


@pytest.mark.parametrize(("call", "error", "words"), DATA_BAD)
def test_a_bad_argument_is_refused_by_name(
    call: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(call, error, words)


@pytest.mark.parametrize(("call", "check"), DATA_GOOD)
def test_a_legitimate_argument_keeps_working(
    call: Callable[[], object], check: Callable[[Any], object]
) -> None:
    run_good(call, check)
