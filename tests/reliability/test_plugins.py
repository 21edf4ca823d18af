"""Plugins cannot take the program down: whatever one raises while it loads, ``SystemExit``
included, is isolated and reported like any other failure; only ``KeyboardInterrupt`` (the
user's) passes through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad.__main__ import main
from plugrad.plugin import Registrar, Sample
from plugrad.registry import (
    LoadSettings,
    PluginLoadError,
    PluginRecord,
    PluginWarning,
    Registry,
    use_registry,
)
from plugrad.testing import failing_source, fake_plugin
from tests.registry.helpers import Twice, install_fake_distribution, registering

SETTINGS = LoadSettings()  # the environment's knobs play no part here
STRICT = LoadSettings(strict=True)


class _Custom(BaseException):
    """Something a plugin may raise that is not an ``Exception``."""


FAULTS = [
    pytest.param(SystemExit(0), "SystemExit: it called sys.exit(0)", id="sys.exit(0)"),
    pytest.param(SystemExit(3), "sys.exit(3)", id="sys.exit(3)"),
    pytest.param(SystemExit(), "sys.exit(None)", id="sys.exit()"),
    pytest.param(SystemExit("bye"), "sys.exit('bye')", id="sys.exit('bye')"),
    pytest.param(GeneratorExit(), "GeneratorExit", id="GeneratorExit"),
    pytest.param(_Custom("odd"), "_Custom: odd", id="a BaseException subclass"),
    pytest.param(RecursionError("deep"), "RecursionError: deep", id="RecursionError"),
    pytest.param(MemoryError(), "MemoryError", id="MemoryError"),
    pytest.param(ImportError("No module named 'cupy'"), "ImportError", id="ImportError"),
    pytest.param(SyntaxError("invalid syntax"), "SyntaxError", id="SyntaxError"),
]


def healthy() -> object:
    return fake_plugin(registering(Twice), name="healthy", distribution="healthy-ops")


def record_of(registry: Registry, entry_point: str) -> PluginRecord:
    return next(p for p in registry.plugin_records() if p.origin.entry_point == entry_point)


@pytest.mark.parametrize(("fault", "words"), FAULTS)
def test_a_plugin_failing_at_import_is_isolated(fault: BaseException, words: str) -> None:
    broken = failing_source(fault, name="broken", distribution="broken-ops", version="1.2")
    registry = Registry([healthy(), broken], settings=SETTINGS)
    with pytest.warns(PluginWarning) as caught:
        registry.load()
    message = str(caught[0].message)
    for word in (words, "plugin 'broken'", "broken-ops 1.2", "PLUGRAD_BLOCK_PLUGINS=broken"):
        assert word in message, message
    assert record_of(registry, "broken").status == "failed"
    assert registry.get("twice") is Twice  # the rest works


@pytest.mark.parametrize(("fault", "words"), FAULTS[:6])
def test_a_plugin_hook_failing_is_isolated(fault: BaseException, words: str) -> None:
    def register(registrar: Registrar) -> None:
        registrar.register(Twice)
        raise fault

    registry = Registry([fake_plugin(register, name="flaky")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="plugin 'flaky'"):
        registry.load()
    assert record_of(registry, "flaky").status == "failed"
    assert "twice" not in registry.classes  # a half-registered plugin contributes nothing


@pytest.mark.parametrize(("fault", "words"), FAULTS[:6])
def test_strict_mode_turns_it_into_an_error_naming_the_plugin(
    fault: BaseException, words: str
) -> None:
    broken = failing_source(fault, name="broken", distribution="broken-ops")
    registry = Registry([broken], settings=STRICT)
    with pytest.raises(PluginLoadError, match="plugin 'broken'") as info:
        registry.load()
    assert words in str(info.value)
    assert info.value.__cause__ is fault


def test_ctrl_c_while_a_plugin_loads_is_the_user_s() -> None:
    registry = Registry([failing_source(KeyboardInterrupt(), name="slow")], settings=SETTINGS)
    with pytest.raises(KeyboardInterrupt):
        registry.load()
    assert not registry.loaded


def test_the_listing_reports_a_plugin_that_exits(capsys: pytest.CaptureFixture[str]) -> None:
    registry = Registry(
        [healthy(), failing_source(SystemExit(2), name="quitter")], settings=SETTINGS
    )
    with pytest.warns(PluginWarning, match="quitter"):
        registry.load()
    with use_registry(registry):
        assert main(["plugins"]) == 0
        assert main(["plugins", "--check"]) == 1  # a failed plugin fails the check
    out = capsys.readouterr().out
    assert "quitter" in out
    assert "sys.exit(2)" in out


def test_the_check_survives_an_op_that_exits(capsys: pytest.CaptureFixture[str]) -> None:
    class Exits(Twice, name="exits", samples=lambda rng: [Sample((np.ones(3),))]):
        """y = sin(x), until it calls sys.exit"""

        def forward(self, x: np.ndarray) -> np.ndarray:
            raise SystemExit(5)

    registry = Registry.from_plugins(fake_plugin(registering(Exits), name="exiting"))
    with use_registry(registry):
        assert main(["plugins", "--check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  exits (<test>): the check itself raised SystemExit: it called sys.exit(5)" in out


EXITING_PLUGIN = {
    "exiting_ops.py": """
        import sys
        sys.exit(3)
    """
}


@pytest.fixture
def exiting_distribution(tmp_path: Path) -> dict[str, str]:
    """The environment of a program with an installed plugin that calls sys.exit(3) at import."""
    install_fake_distribution(
        tmp_path,
        "exiting-ops",
        entry_points={"exiting": "exiting_ops"},
        files=EXITING_PLUGIN,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    env["PLUGRAD_PLUGINS"] = "exiting"  # the allow-list loads it with autoload off
    return env


def test_a_program_survives_a_plugin_that_exits_at_import(
    exiting_distribution: dict[str, str],
) -> None:
    program = "import numpy as np, plugrad.functions as F; print(F.exp(np.zeros(1)).data[0])"
    run = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env=exiting_distribution,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1.0"
    assert "plugin 'exiting'" in run.stderr
    assert "sys.exit(3)" in run.stderr


def test_the_command_line_survives_a_plugin_that_exits_at_import(
    exiting_distribution: dict[str, str],
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "plugrad", "plugins"],
        capture_output=True,
        text=True,
        env=exiting_distribution,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "exiting-ops" in run.stdout
    assert "failed" in run.stdout
    assert "sys.exit(3)" in run.stdout


def test_ops_keep_working_after_a_plugin_failed() -> None:
    registry = Registry.from_plugins(failing_source(SystemExit(1), name="gone"))
    with pytest.warns(PluginWarning):
        registry.load()
    with use_registry(registry):
        assert F.exp(np.zeros(1)).data.tolist() == [1.0]
