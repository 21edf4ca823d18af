"""The example programs run end to end (quick settings) and report what they promise."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# Programs written as a user would write them: they import plugrad's public modules only.
USER_PROGRAMS = [
    *sorted(EXAMPLES.glob("*.py")),
    ROOT / "benchmarks" / "bench_tensor.py",
    ROOT / "benchmarks" / "bench_mlp.py",
]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _percent(label: str, text: str) -> float:
    match = re.search(rf"{label}\s+([\d.]+)%", text)
    assert match is not None, text
    return float(match.group(1))


def test_spiral_demo_reaches_95_percent_and_writes_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    demo = _load("spiral_demo")
    assert demo.main(["--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\r[" in out  # the progress bar
    assert _percent("train accuracy", out) >= 95.0
    assert re.search(r"final loss\s+0\.\d+", out)
    assert (tmp_path / "spiral_loss.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "spiral_boundary.png").read_bytes()[:4] == b"\x89PNG"
    graph = "spiral_step_graph.png" if shutil.which("dot") else "spiral_step_graph.dot"
    assert (tmp_path / graph).exists()


def test_spiral_demo_without_matplotlib_or_graphviz(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = _load("spiral_demo")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError

    def which(name: str) -> str | None:
        return None  # no program is installed

    monkeypatch.setattr(shutil, "which", which)
    assert demo.main(["--out-dir", str(tmp_path), "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "matplotlib is not installed" in out
    assert "apt-get install graphviz" in out
    assert (tmp_path / "spiral_step_graph.dot").read_text().startswith("digraph g {")
    assert not list(tmp_path.glob("*.png"))


def test_digits_example_reports_test_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    assert _load("digits").main([]) == 0
    assert _percent("test accuracy", capsys.readouterr().out) >= 95.0


def test_mnist_example_without_files_explains_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load("mnist").main(["--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "train-images-idx3-ubyte.gz" in out
    assert str(tmp_path) in out


def test_mnist_example_trains_on_tiny_files(
    tmp_path: Path, tiny_mnist: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load("mnist").main(["--root", str(tmp_path), "--epochs", "1", "--hidden", "8"]) == 0
    assert "epoch 1" in capsys.readouterr().out


def _private_imports(path: Path) -> list[str]:
    """``plugrad`` modules with a private part (``plugrad._typing``, ``plugrad.core._x``) that
    ``path`` imports, or private names it imports from plugrad."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            modules = [node.module, *names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "plugrad" and any(part.startswith("_") for part in parts[1:]):
                found.append(f"line {node.lineno}: {module}")
    return found


@pytest.mark.parametrize("path", USER_PROGRAMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_examples_and_benchmarks_import_no_private_module(path: Path) -> None:
    assert not _private_imports(path), f"{path.name} imports private parts of plugrad"
