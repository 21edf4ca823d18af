"""Listing plugins and ops: the API and ``python -m plugrad plugins [--check]``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from importlib.metadata import version

import numpy as np
import pytest

from plugrad.__main__ import main
from plugrad.ops.elementwise import Cos, Sin
from plugrad.plugin import Registrar, Sample
from plugrad.registry import (
    LoadSettings,
    PluginWarning,
    Registry,
    ops,
    plugins,
    use_registry,
)
from plugrad.testing import failing_source, fake_plugin
from plugrad.typing import V


def samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((rng.uniform(-1, 1, size=3),))]


class MySin(Sin, name="my_sin", samples=samples):
    """y = sin(x);  dy/dx = cos(x)"""

    __slots__ = ()


class BadSin(Sin, name="bad_sin", samples=samples):
    """y = sin(x), with the derivative's sign wrong"""

    __slots__ = ()

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * -Cos().of(x)
        return gx


class FastSin(Sin, name="my_sin", override=True, priority=2):
    """y = sin(x), replacing my_sin"""

    __slots__ = ()


class Twin(Sin, name="twin"):
    """y = sin(x), registered by two plugins"""

    __slots__ = ()


def register_good(registrar: Registrar) -> None:
    registrar.register(MySin)


def register_bad(registrar: Registrar) -> None:
    registrar.register(BadSin)


def make_registry(*, bad: bool = False) -> Registry:
    sources = [
        fake_plugin(register_good, name="good", distribution="good-ops", version="1.4"),
        failing_source(ImportError("no cupy"), name="gpu", distribution="gpu-ops", version="2"),
    ]
    if bad:
        sources.append(fake_plugin(register_bad, name="bad", distribution="bad-ops"))
    # plugrad's own ops are there too: the rules' arithmetic on Variables (mul, neg) uses them.
    return Registry.from_plugins(*sources, settings=LoadSettings(block=frozenset({"nothing"})))


def test_the_api_lists_plugins_and_op_origins() -> None:
    registry = make_registry()
    with pytest.warns(PluginWarning):
        registry.load()
    with use_registry(registry):
        listed = {p.origin.entry_point: p for p in plugins()}
        assert listed["good"].status == "loaded"
        assert listed["good"].ops == ["my_sin"]
        assert listed["good"].origin.distribution == "good-ops"
        assert listed["good"].origin.version == "1.4"
        assert listed["gpu"].status == "failed"
        assert "ImportError: no cupy" in listed["gpu"].reason
        (record,) = [r for r in ops() if r.origin.distribution == "good-ops"]
        assert record.name == "my_sin"
        assert record.origin.entry_point == "good"
        assert record.spec.function is MySin
        assert record.spec.description == "y = sin(x);  dy/dx = cos(x)"
        assert record.spec.arity == 1


def test_the_builtin_families_are_listed_with_their_ops() -> None:
    listed = {p.origin.entry_point: p for p in plugins()}  # the real, installed registry
    assert listed["arithmetic"].status == "loaded"
    assert listed["arithmetic"].origin.distribution == "plugrad"
    assert {"add", "mul"} <= set(listed["arithmetic"].ops)
    assert next(r for r in ops() if r.name == "exp").origin.entry_point == "elementwise"


@pytest.fixture
def cli_registry(monkeypatch: pytest.MonkeyPatch) -> Callable[[Registry], Registry]:
    """Hand the CLI a registry that it discovers itself (``use_registry`` would load it first)."""

    def install(registry: Registry) -> Registry:
        monkeypatch.setattr("plugrad.__main__.active_registry", lambda: registry)
        return registry

    return install


def test_cli_lists_plugins(
    capsys: pytest.CaptureFixture[str], cli_registry: Callable[[Registry], Registry]
) -> None:
    cli_registry(make_registry())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the listing shows the failure: no warning besides
        assert main(["plugins"]) == 0
    out, err = capsys.readouterr()
    assert "good-ops 1.4  good = " in out
    assert "[loaded]" in out
    assert f"my_sin  ({__name__}.MySin, arity 1, double backward)" in out
    assert "gpu-ops 2  gpu = <raises ImportError>  [failed]\n    ImportError: no cupy\n" in out
    assert out.count("no cupy") == 1  # once, not twice
    assert "Traceback" not in out
    assert err == ""
    assert re.search(r"\n\d+ plugin\(s\): \d+ loaded, 1 failed; \d+ op\(s\) registered$", out)


def test_cli_lists_an_empty_plugin_with_its_cause(
    capsys: pytest.CaptureFixture[str], cli_registry: Callable[[Registry], Registry]
) -> None:
    idle = fake_plugin(lambda registrar: None, name="idle", distribution="idle-ops")
    cli_registry(Registry.from_plugins(idle))
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "idle-ops 0  idle = <_HookPlugin>  [empty]\n    its plugrad_register_ops hook ran" in out
    assert ", 1 empty;" in out
    assert main(["plugins", "--check"]) == 1
    assert "FAIL  plugin 'idle' (idle-ops 0, <_HookPlugin>): registers no ops" in (
        capsys.readouterr().out
    )


def test_cli_in_strict_mode_says_what_strict_mode_did(
    capsys: pytest.CaptureFixture[str], cli_registry: Callable[[Registry], Registry]
) -> None:
    broken = failing_source(ImportError("no cupy"), name="gpu", distribution="gpu-ops")
    cli_registry(Registry.from_plugins(broken, settings=LoadSettings(strict=True)))
    assert main(["plugins"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("plugrad: error: plugin 'gpu' (gpu-ops 0, <raises ImportError>) ")
    assert "PLUGRAD_STRICT_PLUGINS=1 made this an error instead of a warning" in err
    assert "Traceback" not in err
    assert "`plugrad plugins -v` shows the traceback" in err
    assert main(["plugins", "-v"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_cli_json(
    capsys: pytest.CaptureFixture[str], cli_registry: Callable[[Registry], Registry]
) -> None:
    cli_registry(make_registry(bad=True))
    assert main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    plugins = {p["entry_point"]: p for p in data["plugins"]}
    assert plugins["good"]["status"] == "loaded"
    assert plugins["good"]["ops"] == ["my_sin"]
    assert plugins["good"]["version"] == "1.4"
    assert plugins["gpu"]["status"] == "failed"
    assert plugins["gpu"]["reason"] == "ImportError: no cupy"
    assert "Traceback" in plugins["gpu"]["traceback"]
    assert plugins["arithmetic"]["builtin"] is True
    ops = {op["name"]: op for op in data["ops"]}
    assert ops["my_sin"]["class"] == f"{__name__}.MySin"
    assert ops["my_sin"]["origin"]["distribution"] == "good-ops"
    assert ops["my_sin"]["arity"] == 1
    assert ops["my_sin"]["samples"] is True
    assert "checks" not in data
    assert main(["plugins", "--json", "--check"]) == 1
    checks = json.loads(capsys.readouterr().out)["checks"]
    by_subject = {c["subject"]: c for c in checks}
    assert by_subject["my_sin"]["error"] is None
    assert "check 'gradient' failed" in by_subject["bad_sin"]["error"]
    assert by_subject["plugin 'gpu' (gpu-ops 2, <raises ImportError>)"]["kind"] == "plugin"


def test_help_is_plain_text_with_the_right_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/plugrad", "--help"])
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: plugrad [-h] COMMAND ...")
    assert "``" not in out
    assert "new-plugin" in out
    assert "PLUGRAD_BLOCK_PLUGINS=a,b" in out
    run = subprocess.run(
        [sys.executable, "-m", "plugrad", "--help"], capture_output=True, text=True, check=True
    )
    assert run.stdout.startswith("usage: python -m plugrad [-h] COMMAND ...")


def test_cli_verbose_shows_descriptions_and_tracebacks(
    capsys: pytest.CaptureFixture[str], cli_registry: Callable[[Registry], Registry]
) -> None:
    cli_registry(make_registry())
    assert main(["plugins", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "    my_sin  (" in out
    assert "        y = sin(x);  dy/dx = cos(x)" in out  # the docstring's first line
    assert "Traceback" in out


def test_cli_check_passes_good_ops_and_fails_on_a_broken_plugin(
    capsys: pytest.CaptureFixture[str], cli_registry: Callable[[Registry], Registry]
) -> None:
    cli_registry(make_registry())
    assert main(["plugins", "--check"]) == 1  # the failed gpu plugin fails the check
    out = capsys.readouterr().out
    assert "ok    my_sin (good-ops)" in out
    assert "FAIL  plugin 'gpu'" in out


def test_cli_check_fails_on_a_wrong_gradient(capsys: pytest.CaptureFixture[str]) -> None:
    good_only = Registry.from_plugins(
        fake_plugin(register_good, name="good", distribution="good-ops"),
        fake_plugin(register_bad, name="bad", distribution="bad-ops"),
    )
    with use_registry(good_only):
        assert main(["plugins", "--check"]) == 1
    out = capsys.readouterr().out
    assert "ok    my_sin (good-ops)" in out
    assert "FAIL  bad_sin (bad-ops): op 'bad_sin' (BadSin)" in out
    assert "check 'gradient' failed" in out
    total = len(good_only.records)
    assert f"{total - 1} of {total} op(s) passed" in out


def test_python_dash_m_plugrad_plugins_check_in_a_fresh_process() -> None:
    env = {**os.environ, "PLUGRAD_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "plugrad", "plugins", "--check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    listed = f"plugrad {version('plugrad')}  arithmetic = plugrad.ops.families:arithmetic  [loaded]"
    assert listed in result.stdout
    assert "0 plugin(s) failed to load" in result.stdout


def test_the_listing_shows_overrides_and_clashes(capsys: pytest.CaptureFixture[str]) -> None:
    registry = Registry.from_plugins(
        fake_plugin(register_good, name="good", distribution="good-ops"),
        fake_plugin(lambda r: r.register(FastSin), name="fast", distribution="fast-ops"),
        fake_plugin(lambda r: r.register(Twin), name="left", distribution="left-ops"),
        fake_plugin(lambda r: r.register(Twin), name="right", distribution="right-ops"),
    )
    with pytest.warns(PluginWarning, match="'twin' is registered by 2 plugins"):
        registry.load()
    with use_registry(registry):
        assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "my_sin  (shadowed by 'fast' of fast-ops)" in out
    assert "overrides, priority 2" in out
    assert "twin  (unusable: clash, see below)" in out
    assert "clashes (unresolved):" in out


class Unsampled(Sin, name="unsampled"):
    """y = sin(x), declared without samples"""

    __slots__ = ()


def test_an_op_without_samples_is_listed_unchecked_and_fails_the_check(
    capsys: pytest.CaptureFixture[str], cli_registry: Callable[[Registry], Registry]
) -> None:
    plugin = fake_plugin(lambda r: r.register(Unsampled), name="u", distribution="u-ops")
    cli_registry(Registry.from_plugins(plugin))
    assert main(["plugins", "--check"]) == 1
    out = capsys.readouterr().out
    assert f"unsampled  ({__name__}.Unsampled, arity 1, double backward, no samples: " in out
    assert "FAIL  unsampled (u-ops): declares no samples (samples=... on its class" in out
