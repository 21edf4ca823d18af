"""The reliability suite's tables.

A ``bad`` row is an input or fault, the exception class it must raise and words its message
must contain (the op, parameter, file or shape, and what to do); a ``good`` row is a legitimate
input and a check of what it must give.  ``run_bad`` and ``run_good`` are the two tests every
table module parametrizes with its rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

Call = Callable[[], object]
DType = type[np.generic]


def untyped(value: object) -> Any:
    """``value`` hidden from the type checker: rows pass what the types forbid, on purpose."""
    return value


def bad(label: str, call: Call, error: type[BaseException], *words: str) -> object:
    """A row: ``call()`` raises ``error`` (or a subclass) whose message holds every word."""
    return pytest.param(call, error, words, id=label)


def bad_in(
    label: str, call: Callable[[Path], object], error: type[BaseException], *words: str
) -> object:
    """A ``bad`` row whose ``call`` is given a fresh folder (the test's ``tmp_path``)."""
    return pytest.param(call, error, words, id=label)


def good(label: str, call: Call, check: Callable[[Any], object]) -> object:
    """A row: ``call()`` succeeds and ``check(result)`` holds (returns a true value)."""
    return pytest.param(call, check, id=label)


def run_bad(call: Call, error: type[BaseException], words: Sequence[str]) -> str:
    """Run a bad row; returns the message (for further checks)."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    missing = [word for word in words if word not in message]
    assert not missing, f"the message {message!r} does not contain {missing}"
    return message


def run_good(call: Call, check: Callable[[Any], object]) -> None:
    result = call()
    assert check(result), f"unexpected result {result!r}"


def values(expected: object, dtype: DType | None = None) -> Callable[[Any], bool]:
    """A check: the result (a Variable or an array) holds ``expected`` (and has ``dtype``)."""

    def check(result: Any) -> bool:
        data = np.asarray(getattr(result, "data", result))
        same = bool(np.array_equal(data, np.asarray(expected)))
        return same and (dtype is None or data.dtype == np.dtype(dtype))

    return check


def dtype_is(dtype: DType) -> Callable[[Any], bool]:
    """A check: the result's data has ``dtype``."""

    def check(result: Any) -> bool:
        return bool(np.asarray(getattr(result, "data", result)).dtype == np.dtype(dtype))

    return check
