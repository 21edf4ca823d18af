"""Type-level tests: what mypy --strict and pyright (strict) say about code that uses plugrad.

``pass/*.py`` must type-check cleanly under both checkers (types pinned with ``assert_type``)
and must run.  ``fail/*.py`` holds misuses, each line marked for both checkers with the error
it must raise: ``# type: ignore[<mypy code>]  # pyright: ignore[<pyright rule>]``.  Unused
ignores are errors under both (mypy's ``warn_unused_ignores``, pyright's
``reportUnnecessaryTypeIgnoreComment``; pyright reads only its own comments here, see
pyrightconfig.json), so a line that stops failing, or fails for another reason, fails its test.

mypy runs once per directory (the case files are top-level modules, and ``pass/x.py`` and
``fail/x.py`` may share a name), as NumPy's own typing tests do; pyright runs once over both.
``pending/`` holds cases that wait on changes not made yet; neither checker reads it here.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from mypy import api as mypy_api

HERE = Path(__file__).parent
PASS = sorted((HERE / "pass").glob("*.py"))
FAIL = sorted((HERE / "fail").glob("*.py"))
OTHER = Path("<not a case file>")  # where lines about anything else are filed


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


@pytest.fixture(scope="module")
def pyright_report() -> dict[Path, list[str]]:
    pytest.importorskip("pyright", reason="pyright is in the dev extra: pip install -e '.[dev]'")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--project",
            str(HERE / "pyrightconfig.json"),
            "--pythonpath",
            sys.executable,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), (
        f"pyright crashed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    report: dict[Path, list[str]] = defaultdict(list)
    for diagnostic in json.loads(result.stdout)["generalDiagnostics"]:
        if diagnostic["severity"] != "error":
            continue
        path = Path(diagnostic["file"]).resolve()
        line = diagnostic["range"]["start"]["line"] + 1
        rule = diagnostic.get("rule", "")
        text = f"{path.parent.name}/{path.name}:{line}: {diagnostic['message']} ({rule})"
        report[path if path.suffix == ".py" else OTHER].append(text)
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


@pytest.mark.parametrize("case", PASS + FAIL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pyright(case: Path, pyright_report: dict[Path, list[str]]) -> None:
    errors = pyright_report.get(case.resolve(), [])
    assert not errors, "\n".join(errors)


def test_pyright_says_nothing_else(pyright_report: dict[Path, list[str]]) -> None:
    cases = {case.resolve() for case in PASS + FAIL}
    others = [line for path, lines in pyright_report.items() if path not in cases for line in lines]
    assert not others, "\n".join(others)


@pytest.mark.parametrize("case", PASS, ids=lambda p: p.stem)
def test_pass_case_runs(case: Path) -> None:
    runpy.run_path(str(case), run_name="__typing_test__")
