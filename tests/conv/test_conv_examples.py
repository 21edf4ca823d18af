"""examples/cnn_digits.py and examples/lstm_sin.py run end to end with quick settings."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_conv_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _number(label: str, text: str) -> float:
    match = re.search(rf"{label}\s+([\d.]+)", text)
    assert match is not None, text
    return float(match.group(1))


def test_cnn_digits_learns(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    assert _load("cnn_digits").main(["--epochs", "3"]) == 0
    assert _number("test accuracy", capsys.readouterr().out) >= 85.0


def test_lstm_sin_predicts_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "lstm.png"
    assert _load("lstm_sin").main(["--epochs", "20", "--hidden", "30", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert _number("one-step prediction MSE on cos:", out) < 0.05  # a constant guess: ~0.5
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_lstm_sin_without_matplotlib(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    png = tmp_path / "lstm.png"
    assert _load("lstm_sin").main(["--epochs", "1", "--hidden", "5", "--png", str(png)]) == 0
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not png.exists()
