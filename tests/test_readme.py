"""The README's code runs, and its op example type-checks and passes the test kit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
from mypy import api as mypy_api

from plugrad import Function
from plugrad.plugin import Sample
from plugrad.testing import check_op

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str, index: int = 0) -> str:
    """The ``index``-th python block of the README section that starts at ``heading``."""
    start = README.index(heading)
    end = README.find("\n## ", start + len(heading))
    section = README[start : end if end != -1 else len(README)]
    blocks: list[str] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return blocks[index]


def test_the_seed_example_and_higher_derivatives() -> None:
    namespace: dict[str, Any] = {}
    exec(_block_after("## The seed example"), namespace)  # the README's own code
    assert float(namespace["z"].data) == 13.0
    assert float(namespace["x"].grad.data) == 4.0
    assert float(namespace["y"].grad.data) == 6.0
    exec(_block_after("## The seed example", 1), namespace)
    # y = x**4 - 2 x**2 at x = 2: y' = 4x**3 - 4x = 24, y'' = 12x**2 - 4 = 44
    assert float(namespace["gx"].data) == 24.0
    assert float(namespace["x"].grad.data) == 44.0


def test_the_op_example_runs_and_passes_the_kit() -> None:
    namespace: dict[str, Any] = {}
    exec(_block_after("### Writing an op"), namespace)
    sin: type[Function[Any]] = namespace["Sin"]

    def samples(rng: np.random.Generator) -> list[Sample]:
        return [Sample((rng.uniform(-3.0, 3.0, size=shape),)) for shape in [(), (3,), (2, 3)]]

    check_op(sin, samples)  # numerical vs analytic gradients, first and second order


def test_the_op_example_type_checks(tmp_path: Path) -> None:
    case = tmp_path / "readme_op.py"
    case.write_text(_block_after("### Writing an op"), encoding="utf-8")
    stdout, stderr, status = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "tests" / "typing" / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(case),
        ]
    )
    assert status == 0, stdout + stderr
