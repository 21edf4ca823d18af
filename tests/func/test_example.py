"""examples/newton.py finds the known minimum with hessian and with hvp."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "newton.py"


def test_newton_example_finds_the_minimum(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("_example_newton", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--dims", "200"]) == 0
    out = capsys.readouterr().out
    errors = [float(e) for e in re.findall(r"max \|x - 1\| = ([\d.e+-]+)", out)]
    assert len(errors) == 2
    assert max(errors) < 1e-6
    assert "Both match the known minimum" in out
