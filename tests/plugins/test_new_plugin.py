"""``plugrad new-plugin``: from an empty folder to a plugin that installs, type-checks, passes
its own tests and ``plugrad plugins --check``.

The fast tests create a plugin in a temporary folder and check its files, its names, its lint
and its op (through the kit, in an isolated registry). The slow one does what the generated
README tells an author to: plugrad is built into a wheel and installed into a fresh virtual
environment (NumPy, pluggy, pytest and hatchling borrowed from this one through a .pth file
that points at their packages, not their metadata, so the only entry points there are the
installed distributions'), ``plugrad new-plugin`` runs from there (the templates ship in the
wheel), and the plugin is installed with ``pip install -e``.  A broken foreign plugin installed
beside it does not fail its suite.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from plugrad.__main__ import main
from plugrad.registry import Registry, use_registry
from plugrad.scaffold import PluginNames, ScaffoldError, new_plugin
from plugrad.testing import check_op

ROOT = Path(__file__).resolve().parents[2]
BORROWED = (  # file-name patterns; pluggy's metadata too, for pytest's header line
    "numpy", "numpy.libs", "pluggy", "pluggy-*.dist-info",
    "pytest", "_pytest", "py.py", "iniconfig", "packaging", "pygments",
    "hatchling", "pathspec", "trove_classifiers",
)  # fmt: skip
EXPECTED_FILES = {
    ".gitignore",
    "README.md",
    "pyproject.toml",
    "src/plugrad_hyperbolic/__init__.py",
    "src/plugrad_hyperbolic/ops.py",
    "src/plugrad_hyperbolic/py.typed",
    "tests/test_ops.py",
    "tests/test_values.py",
}


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("parent")
    assert main(["new-plugin", "plugrad-hyperbolic", "--dir", str(parent)]) == 0
    return parent / "plugrad-hyperbolic"


@pytest.fixture(scope="module")
def generated_ops(created: Path) -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(created / "src"))  # pyright: ignore[reportUnknownMemberType]  # pytest leaves its path parameter unannotated
        yield importlib.import_module("plugrad_hyperbolic.ops")
    for name in list(sys.modules):
        if name.split(".")[0] == "plugrad_hyperbolic":
            del sys.modules[name]


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_it_creates_a_complete_distribution(created: Path) -> None:
    assert files_under(created) == EXPECTED_FILES
    assert not any(p.name.startswith(".plugrad-hyperbolic") for p in created.parent.iterdir())
    for path in created.rglob("*"):
        if path.is_file():
            assert "{{" not in path.read_text(), path  # every placeholder filled


def test_its_pyproject_declares_the_entry_point_and_strict_settings(created: Path) -> None:
    pyproject = tomllib.loads((created / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "plugrad-hyperbolic"
    assert "plugrad>=0.2" in pyproject["project"]["dependencies"]
    entry_points = pyproject["project"]["entry-points"]["plugrad.plugins"]
    assert entry_points == {"hyperbolic": "plugrad_hyperbolic.ops"}
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/plugrad_hyperbolic"
    ]
    assert pyproject["tool"]["mypy"]["strict"] is True
    pytest_ini = pyproject["tool"]["pytest"]["ini_options"]
    assert pytest_ini["filterwarnings"] == ["error"]
    assert pytest_ini["plugrad_isolate"] == ["plugrad-hyperbolic"]


def test_its_readme_says_how_to_build_test_and_publish(created: Path) -> None:
    readme = (created / "README.md").read_text()
    for step in ('pip install -e ".[dev]"', "pytest", "mypy", "plugrad plugins --check"):
        assert step in readme
    for step in ("python -m build", "twine upload --repository testpypi", "twine upload dist/*"):
        assert step in readme
    assert "from plugrad_hyperbolic import log_cosh" in readme


def test_its_op_passes_the_kit(generated_ops: ModuleType) -> None:
    registry = Registry.from_plugins(generated_ops)
    record = registry.record("hyperbolic.log_cosh")
    assert record.spec.samples is not None
    with use_registry(registry):
        check_op("hyperbolic.log_cosh", registry=registry)


def test_it_is_lint_clean(created: Path) -> None:
    ruff = (sys.executable, "-m", "ruff")
    for command in (("check", "--no-cache", "."), ("format", "--check", "--no-cache", ".")):
        result = subprocess.run(
            [*ruff, *command], cwd=created, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_it_says_what_to_do_next(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-plugin", "my-ops", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Created {tmp_path / 'my-ops'}: plugin 'my_ops' of distribution my-ops" in out
    assert 'pip install -e ".[dev]"' in out


def test_python_dash_m_plugrad_new_plugin(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "plugrad", "new-plugin", "my-ops", "--dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "my-ops" / "src" / "my_ops" / "ops.py").is_file()


def test_it_never_overwrites_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "plugrad-hyperbolic"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    assert main(["new-plugin", "plugrad-hyperbolic", "--dir", str(tmp_path)]) == 2
    assert "already exists; new-plugin never overwrites a folder" in capsys.readouterr().err
    assert files_under(existing) == {"notes.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plugrad-hyperbolic"]  # nothing else


@pytest.mark.parametrize(
    ("distribution", "problem"),
    [
        ("", "not a valid distribution name"),
        ("has space", "not a valid distribution name"),
        ("-leading-dash", "not a valid distribution name"),
        ("trailing.", "not a valid distribution name"),
        ("ünïcode", "not a valid distribution name"),
        ("3d-ops", "'3d_ops', which is not a Python identifier"),
        ("class", "'class', which is not a Python identifier"),
        ("plugrad", "plugrad's own name"),
        ("PlugRad", "plugrad's own name"),
    ],
)
def test_it_rejects_a_name_that_cannot_be_a_plugins(
    distribution: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ScaffoldError, match=problem):
        new_plugin(distribution, tmp_path)
    assert main(["new-plugin", "--dir", str(tmp_path), "--", distribution]) == 2
    assert problem in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("distribution", "package", "namespace"),
    [
        ("plugrad-hyperbolic", "plugrad_hyperbolic", "hyperbolic"),
        ("fastops", "fastops", "fastops"),
        ("My.Ops", "my_ops", "my_ops"),
        ("plugrad_special_2", "plugrad_special_2", "special_2"),
    ],
)
def test_the_names_come_from_the_distribution(
    distribution: str, package: str, namespace: str
) -> None:
    assert PluginNames.of(distribution) == PluginNames(distribution, package, namespace)


def test_a_missing_parent_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="is not a folder"):
        new_plugin("my-ops", tmp_path / "nowhere")


# -- the whole way, in a fresh environment ------------------------------------------------------

FOREIGN_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.20"]
build-backend = "hatchling.build"

[project]
name = "foreign-broken"
version = "6.6"

[project.entry-points."plugrad.plugins"]
foreign = "foreign_broken"

[tool.hatch.build]
dev-mode-dirs = ["src"]
"""


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLUGRAD_", "PYTHON"))}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def fresh_environment(tmp_path: Path) -> Path:
    """A virtual environment with plugrad installed from a wheel, and its dependencies (and
    pytest, hatchling) borrowed from this one; returns its Python."""
    wheels = tmp_path / "wheels"
    pip = (sys.executable, "-m", "pip")
    ok(run(*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels,
           ROOT, cwd=tmp_path))  # fmt: skip
    env = tmp_path / "env"
    ok(run(sys.executable, "-m", "venv", "--without-pip", env, cwd=tmp_path))
    python = env / "bin" / "python"
    borrowed = tmp_path / "borrowed"
    borrowed.mkdir()
    here = Path(sysconfig.get_path("purelib"))
    for pattern in BORROWED:
        for path in here.glob(pattern):
            (borrowed / path.name).symlink_to(path)
    purelib = ok(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                     cwd=tmp_path))  # fmt: skip
    (Path(purelib.strip()) / "borrowed.pth").write_text(f"{borrowed}\n")
    pip_install(python, tmp_path, *wheels.glob("plugrad-*.whl"))
    return python


def pip_install(python: Path, cwd: Path, *what: str | Path) -> None:
    ok(run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
           "--no-index", "--no-build-isolation", *what, cwd=cwd))  # fmt: skip


@pytest.mark.slow
def test_a_new_plugin_installs_type_checks_and_passes_its_tests(tmp_path: Path) -> None:
    python = fresh_environment(tmp_path)
    plugrad_script = python.parent / "plugrad"
    ok(run(plugrad_script, "new-plugin", "plugrad-hyperbolic", "--dir", tmp_path, cwd=tmp_path))
    plugin = tmp_path / "plugrad-hyperbolic"
    pip_install(python, tmp_path, "-e", plugin)

    tests = ok(run(python, "-m", "pytest", "-p", "no:cacheprovider", cwd=plugin))
    assert "4 passed" in tests
    mypy = run(sys.executable, "-m", "mypy", "--python-executable", python,
               "--cache-dir", tmp_path / "mypy-cache", cwd=plugin)  # fmt: skip
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    assert "no issues found in 4 source files" in mypy.stdout
    check = ok(run(plugrad_script, "plugins", "--check", cwd=tmp_path))
    assert "ok    hyperbolic.log_cosh (plugrad-hyperbolic)" in check
    assert "0 plugin(s) failed to load or registered nothing" in check
    listing = ok(run(plugrad_script, "plugins", cwd=tmp_path))
    assert "plugrad-hyperbolic 0.1.0  hyperbolic = plugrad_hyperbolic.ops  [loaded]" in listing
    assert "    hyperbolic.log_cosh  (plugrad_hyperbolic.ops.LogCosh, arity 1" in listing

    # Someone else's broken plugin arrives in the environment: the listing shows it, the
    # plugin's own suite (warnings as errors) does not notice.
    foreign = tmp_path / "foreign-broken"
    (foreign / "src" / "foreign_broken").mkdir(parents=True)
    (foreign / "src" / "foreign_broken" / "__init__.py").write_text("import no_such_module\n")
    (foreign / "pyproject.toml").write_text(FOREIGN_PYPROJECT)
    pip_install(python, tmp_path, "-e", foreign)
    listing = ok(run(plugrad_script, "plugins", cwd=tmp_path))
    assert "foreign-broken 6.6  foreign = foreign_broken  [failed]" in listing
    assert "4 passed" in ok(run(python, "-m", "pytest", "-p", "no:cacheprovider", cwd=plugin))
