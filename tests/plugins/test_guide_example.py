"""docs/writing-a-plugin.md cannot rot: its code blocks are a plugin, and this file runs it.

Every ``python`` and ``toml`` block of the guide starts with a comment naming the file it
belongs to (``# src/plugrad_extras/ops.py``); blocks naming the same file are joined in the
order the guide shows them.  The guide starts from ``plugrad new-plugin plugrad-extras``: the
files it shows unchanged from that start must be exactly what the command writes.  The fast
tests import the result and run plugrad's test kit on its ops in an isolated registry (nothing
installed); the slow ones type-check it with mypy and build, install and test it the way the
guide tells a plugin author to.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import plugrad.functions as F
from plugrad import Variable
from plugrad.registry import Registry, use_registry
from plugrad.scaffold import PluginNames, render
from plugrad.testing import check_op

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-a-plugin.md"
TEXT = GUIDE.read_text(encoding="utf-8")

BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
FILE_COMMENT = re.compile(r"# (\S+\.(?:py|toml))\n")
CHECKED_LANGUAGES = ("python", "toml")

# The ops the guide's plugin declares, as the guide spells them.
EXAMPLE_OPS = sorted(set(re.findall(r'name="(extras\.\w+)"', TEXT)))
PACKAGES = ("plugrad_extras", "plugrad_tails")


def guide_blocks() -> list[tuple[str, str]]:
    """(language, code) of every fenced block, in order."""
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(TEXT)]


def guide_files() -> dict[str, str]:
    """The files the guide's blocks make up: path -> the blocks naming it, joined."""
    files: dict[str, list[str]] = {}
    for language, code in guide_blocks():
        if language not in CHECKED_LANGUAGES:
            continue
        named = FILE_COMMENT.match(code)
        if named is None:
            raise ValueError(f"a {language} block of the guide names no file:\n{code}")
        files.setdefault(named.group(1), []).append(code)
    return {path: "\n\n".join(parts) for path, parts in files.items()}


def write_project(root: Path) -> Path:
    """The guide's plugin as a folder a plugin author would have: its files, and py.typed."""
    for path, code in guide_files().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    for package in PACKAGES:
        (root / "src" / package / "py.typed").touch()
    (root / "README.md").write_text("plugrad-extras, the example of docs/writing-a-plugin.md\n")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("plugrad-extras"))


@pytest.fixture(scope="module")
def example(project: Path) -> Iterator[Callable[[str], ModuleType]]:
    """Imports the guide's modules from the project folder (and forgets them afterwards)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(project / "src"))  # pyright: ignore[reportUnknownMemberType]  # pytest leaves its path parameter unannotated
        yield importlib.import_module
    for name in list(sys.modules):
        if name.split(".")[0] in PACKAGES:
            del sys.modules[name]


@pytest.fixture(scope="module")
def extras_registry(example: Callable[[str], ModuleType]) -> Registry:
    return Registry.from_plugins(example("plugrad_extras.ops"))


def test_every_code_block_names_its_file() -> None:
    files = guide_files()
    assert set(files) >= {
        "pyproject.toml",
        "src/plugrad_extras/ops.py",
        "src/plugrad_extras/__init__.py",
        "tests/test_ops.py",
        "tests/test_values.py",
        "tests/test_types.py",
    }


def test_the_guide_starts_with_new_plugin() -> None:
    first_command = next(code for language, code in guide_blocks() if language == "bash")
    assert first_command.startswith("plugrad new-plugin plugrad-extras ")


@pytest.mark.parametrize("path", ["pyproject.toml", "tests/test_ops.py"])
def test_the_files_it_keeps_are_what_new_plugin_writes(path: str) -> None:
    """The guide shows these as the command creates them: they must not drift apart."""
    shown = guide_files()[path].removeprefix(f"# {path}\n")
    assert shown == render(PluginNames.of("plugrad-extras"))[path]


def test_the_entry_point_names_the_module_with_the_hook() -> None:
    pyproject = tomllib.loads(guide_files()["pyproject.toml"])
    assert pyproject["project"]["entry-points"]["plugrad.plugins"] == {
        "extras": "plugrad_extras.ops"
    }
    assert "def plugrad_register_ops(" in guide_files()["src/plugrad_extras/ops.py"]


def test_the_hook_registers_every_declared_op(extras_registry: Registry) -> None:
    registered = {
        record.name
        for record in extras_registry.ops()
        if record.origin.value == "plugrad_extras.ops"
    }
    assert registered == set(EXAMPLE_OPS)
    assert len(EXAMPLE_OPS) >= 7


@pytest.mark.parametrize("name", EXAMPLE_OPS)
def test_the_example_op_passes_the_kit(name: str, extras_registry: Registry) -> None:
    with use_registry(extras_registry):
        check_op(name, registry=extras_registry)


@pytest.mark.parametrize(
    "test_file", ["tests/test_values.py", "tests/test_isolated.py", "tests/test_types.py"]
)
def test_the_examples_own_tests_pass(
    test_file: str, project: Path, extras_registry: Registry
) -> None:
    module = _load(project / test_file)
    tests = [f for name, f in vars(module).items() if name.startswith("test_") and callable(f)]
    assert tests
    with use_registry(extras_registry):
        for test in tests:
            test()


def test_the_override_replaces_plugrads_sigmoid(example: Callable[[str], ModuleType]) -> None:
    tails = example("plugrad_tails.ops")
    registry = Registry.from_plugins(tails)
    assert registry.get("sigmoid") is tails.Sigmoid
    x = np.array([-40.0, 0.0, 40.0])
    assert type(F.sigmoid(Variable(x)).creator) is F.Sigmoid  # plugrad's own, before
    with use_registry(registry):
        y = F.sigmoid(Variable(x))  # plugrad's wrapper, resolved to the override
        assert type(y.creator) is tails.Sigmoid
        assert np.allclose(y.data, [np.exp(-40.0), 0.5, 1.0], rtol=1e-12, atol=0.0)
        check_op("sigmoid", registry=registry)


def test_the_example_is_formatted_and_lint_clean(project: Path, tmp_path: Path) -> None:
    """As ruff sees it in the plugin's own folder (where plugrad is a third-party import)."""
    config = tmp_path / "ruff.toml"
    config.write_text(
        f'line-length = 100\ntarget-version = "py311"\nsrc = ["{project / "src"}"]\n'
        '[lint]\nselect = ["E", "F", "W", "I", "N", "UP", "B", "A", "SIM", "RUF", "PT"]\n'
    )
    ruff = (sys.executable, "-m", "ruff")
    _ok(project, *ruff, "check", "--no-cache", "--config", config, ".")
    _ok(project, *ruff, "format", "--check", "--no-cache", "--config", config, ".")


@pytest.mark.slow
def test_the_example_type_checks(project: Path, tmp_path: Path) -> None:
    env = {**_clean_environment(), "MYPYPATH": str(project / "src")}
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         "src/plugrad_extras", "src/plugrad_tails", "tests"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.mark.slow
def test_the_example_builds_installs_and_passes_its_tests(project: Path, tmp_path: Path) -> None:
    """The guide's steps 2, 13 and 14: the wheel, the entry point, the kit's one-liner."""
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    pip = (sys.executable, "-m", "pip")
    _ok(project, *pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", wheels, ".")  # fmt: skip
    _ok(project, *pip, "install", "-q", "--no-deps", "--no-index", "--target", site,
        *wheels.glob("*.whl"))  # fmt: skip
    # Installed: the tests import plugrad_extras from site (not src) and find its entry point.
    env = {**_clean_environment(), "PYTHONPATH": str(site)}
    _ok(project, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", env=env)
    listing = _ok(project, sys.executable, "-m", "plugrad", "plugins", env=env)
    assert "plugrad-extras 0.1.0  extras = plugrad_extras.ops  [loaded]" in listing  # as §17 says
    assert "extras.sinh_cosh" in listing


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"guide_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clean_environment() -> dict[str, str]:
    """This environment without plugrad's knobs (the suite turns autoload off) or PYTHON*."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PLUGRAD_", "PYTHON"))}


def _ok(cwd: Path, *command: str | Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env or _clean_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout
