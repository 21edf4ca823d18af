"""The core knows no op: nothing under ``plugrad.core`` imports the op layer or the registry.

``import plugrad.core`` runs ``plugrad/__init__.py`` first, which loads the op layer, so
``sys.modules`` after it says nothing about the core itself.  The imports are read from the
source instead (every ``import`` statement, lazy ones inside functions and ``TYPE_CHECKING``
blocks included: each is an arrow in the picture of the imports), and the core is loaded in a
fresh interpreter without the package's ``__init__``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import plugrad.core

CORE = Path(plugrad.core.__file__).parent
PACKAGE = CORE.parent
FORBIDDEN = ("plugrad.ops", "plugrad.registry")
# What the core may stand on: itself, and the helpers and type aliases below it.
BELOW_OR_WITHIN = (
    "plugrad.core",
    "plugrad.typing",
    "plugrad._arrays",
    "plugrad._typing_extensions",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> list[tuple[int, str]]:
    """Every module the file at ``path`` imports, with the line."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[tuple[int, str]]:
    """Every module ``source`` (a module of ``package``) imports: absolute, relative (resolved),
    ``from package import submodule`` (which may name a module) and ``import_module("...")``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and (named := _dynamic_import(node)) is not None:
            found.append((node.lineno, named))
    return found


def _dynamic_import(call: ast.Call) -> str | None:
    """The module named by ``importlib.import_module("...")`` or ``__import__("...")``."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in ("import_module", "__import__") or not call.args:
        return None
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


CORE_FILES = sorted(CORE.rglob("*.py"))


def test_the_core_has_modules_to_check() -> None:
    names = {path.name for path in CORE_FILES}
    assert {"function.py", "engine.py", "variable.py"} <= names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_no_core_module_imports_the_op_layer_or_the_registry(path: Path) -> None:
    bad = [
        f"line {line}: {module}" for line, module in _imported(path) if _within(module, FORBIDDEN)
    ]
    assert not bad, f"{path.name} imports above the core: {bad}"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_modules_import_only_the_core_and_what_is_below_it(path: Path) -> None:
    bad = [
        f"line {line}: {module}"
        for line, module in _imported(path)
        if _within(module, ("plugrad",)) and not _within(module, BELOW_OR_WITHIN)
    ]
    assert not bad, f"{path.name} imports plugrad modules above the core: {bad}"


def test_the_checker_sees_lazy_relative_and_dynamic_imports() -> None:
    source = textwrap.dedent(
        """
        def f():
            from plugrad.ops import shape
            from ..registry import resolve
            import importlib
            importlib.import_module("plugrad.ops.loss")
        """
    )
    modules = {module for _, module in _imports_in(source, "plugrad.core")}
    assert {"plugrad.ops.shape", "plugrad.registry", "plugrad.ops.loss"} <= modules


def test_the_core_loads_and_differentiates_without_the_op_layer() -> None:
    # A fresh interpreter where ``plugrad`` is a bare package (its __init__ is not run), so
    # only what the core itself imports is loaded.
    script = textwrap.dedent(
        f"""
        import sys, types
        package = types.ModuleType("plugrad")
        package.__path__ = [{str(PACKAGE)!r}]
        sys.modules["plugrad"] = package

        import numpy as np
        import plugrad.core
        from plugrad.core import Function, Variable

        class Cube(Function):
            def forward(self, x):
                return x ** 3

            def vjp(self, x, gy):
                return gy * 3.0 * x ** 2

        x = Variable(np.array([1.0, 2.0]))
        Cube()(x).backward()
        assert list(x.grad.data) == [3.0, 12.0], x.grad

        loaded = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))
        assert not loaded, loaded
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
