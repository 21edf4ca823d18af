"""Listing plugins and ops: the API and ``python -m plugrad plugins [--check]``."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_cli_lists_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.warns(PluginWarning), use_registry(make_registry()):
        assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "good-ops 1.4  good = " in out
    assert "[loaded]" in out
    assert f"my_sin  ({__name__}.MySin, arity 1, double backward)" in out
    assert "gpu-ops 2  gpu = <raises ImportError>  [failed]" in out
    assert "ImportError: no cupy" in out


def test_cli_verbose_shows_descriptions_and_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.warns(PluginWarning), use_registry(make_registry()):
        assert main(["plugins", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "    my_sin  (" in out
    assert "        y = sin(x);  dy/dx = cos(x)" in out  # the docstring's first line
    assert "Traceback" in out


def test_cli_check_passes_good_ops_and_fails_on_a_broken_plugin(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.warns(PluginWarning), use_registry(make_registry()):
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
