"""Type-level tests: what mypy --strict says about code that uses plugrad.

``pass/*.py`` must type-check cleanly (types pinned with ``assert_type``) and must run.
``fail/*.py`` holds misuses, each line marked ``# type: ignore[<code>]``; with
``warn_unused_ignores`` a line that stops failing, or fails with another code, is an error.
mypy runs once per directory (the case files are top-level modules, and ``pass/x.py`` and
``fail/x.py`` may share a name), as NumPy's own typing tests do.
"""

from __future__ import annotations

import runpy
from collections import defaultdict
from pathlib import Path

import pytest
from mypy import api as mypy_api

HERE = Path(__file__).parent
PASS = sorted((HERE / "pass").glob("*.py"))
FAIL = sorted((HERE / "fail").glob("*.py"))
OTHER = Path("<not a case file>")  # where mypy lines about anything else are filed


@pytest.fixture(scope="module")
def mypy_report(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[str]]:
    cache = tmp_path_factory.mktemp("mypy_cache")
    report: dict[Path, list[str]] = defaultdict(list)
    for directory in ("pass", "fail"):
        stdout, stderr, status = mypy_api.run(
            [
                "--config-file",
                str(HERE / "mypy.ini"),
                "--cache-dir",
                str(cache),
                str(HERE / directory),
            ]
        )
        assert status in (0, 1), f"mypy crashed (exit {status}):\n{stdout}\n{stderr}"
        for line in stdout.splitlines():
            if ": note:" in line or line.startswith(("Success:", "Found ")):
                continue
            path, sep, _ = line.partition(":")
            key = Path(path).resolve() if sep and Path(path).suffix == ".py" else OTHER
            report[key].append(line)
    return report


def test_there_are_cases() -> None:
    assert PASS
    assert FAIL


@pytest.mark.parametrize("case", PASS + FAIL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_mypy(case: Path, mypy_report: dict[Path, list[str]]) -> None:
    errors = mypy_report.get(case.resolve(), [])
    assert not errors, "\n".join(errors)


def test_mypy_says_nothing_else(mypy_report: dict[Path, list[str]]) -> None:
    assert not mypy_report.get(OTHER), "\n".join(mypy_report[OTHER])


@pytest.mark.parametrize("case", PASS, ids=lambda p: p.stem)
def test_pass_case_runs(case: Path) -> None:
    runpy.run_path(str(case), run_name="__typing_test__")
