"""The loading knobs: autoload off, allow-list, block-list, strict mode; lazy, cached discovery."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from plugrad.registry import (
    LoadSettings,
    PluginLoadError,
    PluginWarning,
    RegistrationError,
    Registry,
    UnknownOpError,
)
from plugrad.testing import failing_source
from tests.registry.helpers import Thrice, Twice, TwiceAgain, registering, source


def sources() -> list[object]:
    """plugrad's own family (always loads) and two third-party plugins."""
    return [
        source(registering(Twice), "family", distribution="plugrad", version="0.1.0"),
        source(registering(Thrice), "thrice_ep", distribution="thrice-ops"),
        source(registering(TwiceAgain), "again", distribution="again-ops"),
    ]


def statuses(registry: Registry) -> dict[str, str]:
    return {p.origin.entry_point: p.status for p in registry.plugin_records()}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for knob in (
        "PLUGRAD_DISABLE_PLUGIN_AUTOLOAD",
        "PLUGRAD_PLUGINS",
        "PLUGRAD_BLOCK_PLUGINS",
        "PLUGRAD_STRICT_PLUGINS",
    ):
        monkeypatch.delenv(knob, raising=False)


def test_everything_loads_by_default() -> None:
    registry = Registry(sources())
    assert statuses(registry) == {"family": "loaded", "thrice_ep": "loaded", "again": "loaded"}
    assert set(registry.classes) == {"twice", "thrice", "twice_again"}


def test_disable_autoload_keeps_builtins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_DISABLE_PLUGIN_AUTOLOAD", "1")
    registry = Registry(sources())
    assert statuses(registry) == {"family": "loaded", "thrice_ep": "disabled", "again": "disabled"}
    assert set(registry.classes) == {"twice"}
    disabled = next(p for p in registry.plugins if p.origin.entry_point == "thrice_ep")
    assert "PLUGRAD_PLUGINS" in disabled.reason  # says how to load it anyway


@pytest.mark.parametrize(
    "selector", ["thrice_ep", "thrice-ops", "Thrice_Ops", "thrice-ops:thrice_ep"]
)
def test_allow_list_works_with_autoload_off(monkeypatch: pytest.MonkeyPatch, selector: str) -> None:
    monkeypatch.setenv("PLUGRAD_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PLUGRAD_PLUGINS", selector)
    registry = Registry(sources())
    assert statuses(registry) == {"family": "loaded", "thrice_ep": "loaded", "again": "disabled"}


def test_allow_list_restricts_with_autoload_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_PLUGINS", "again")
    registry = Registry(sources())
    assert statuses(registry) == {"family": "loaded", "thrice_ep": "disabled", "again": "loaded"}


def test_allow_list_naming_an_unknown_plugin_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_PLUGINS", "thrice_ep,no_such_plugin")
    with pytest.warns(PluginWarning, match="no_such_plugin.*thrice_ep"):
        Registry(sources()).load()


def test_block_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_BLOCK_PLUGINS", " again , unrelated")
    registry = Registry(sources())
    assert statuses(registry) == {"family": "loaded", "thrice_ep": "loaded", "again": "blocked"}
    with pytest.raises(UnknownOpError):
        registry.get("twice_again")


def test_block_wins_over_allow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_PLUGINS", "again")
    monkeypatch.setenv("PLUGRAD_BLOCK_PLUGINS", "again")
    assert statuses(Registry(sources()))["again"] == "blocked"


def test_builtins_cannot_be_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_BLOCK_PLUGINS", "family")
    registry = Registry(sources())
    with pytest.warns(PluginWarning, match="always load"):
        registry.load()
    assert statuses(registry)["family"] == "loaded"


def test_strict_mode_turns_a_failure_into_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_STRICT_PLUGINS", "1")
    broken = failing_source(ImportError("no module named 'gpu_lib'"), name="broken")
    registry = Registry([*sources(), broken])
    with pytest.raises(PluginLoadError, match="broken") as info:
        registry.load()
    assert isinstance(info.value.__cause__, ImportError)  # the original error is chained
    assert not registry.loaded  # nothing half-loaded; the next lookup tries again


def test_strict_mode_turns_a_clash_into_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_STRICT_PLUGINS", "yes")
    clashing = source(registering(Thrice), "other", distribution="other-ops")
    with pytest.raises(RegistrationError, match="'thrice' is registered by 2 plugins"):
        Registry([*sources(), clashing]).load()


def test_settings_given_in_code_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGRAD_DISABLE_PLUGIN_AUTOLOAD", "1")
    registry = Registry(sources(), settings=LoadSettings(block=frozenset({"Again"})))
    assert statuses(registry) == {"family": "loaded", "thrice_ep": "loaded", "again": "blocked"}


def test_two_entry_points_with_one_name_warn_and_both_load() -> None:
    one = source(registering(Thrice), "ops", distribution="first-ops")
    two = source(registering(Twice), "ops", distribution="second-ops")
    registry = Registry([one, two])
    with pytest.warns(PluginWarning, match="2 plugins share the entry-point name 'ops'"):
        registry.load()
    assert set(registry.classes) == {"twice", "thrice"}


def test_discovery_happens_once_and_refresh_repeats_it() -> None:
    loads: list[str] = []

    def register(registrar: object) -> None:
        loads.append("hook ran")
        registering(Twice)(registrar)  # type: ignore[arg-type]  # a real Registrar

    registry = Registry([source(register, "counted")])
    assert not registry.loaded  # constructing a registry discovers nothing
    registry.get("twice")
    registry.get("twice")
    registry.ops()
    assert loads == ["hook ran"]
    registry.refresh()
    assert loads == ["hook ran", "hook ran"]


def test_refresh_rereads_the_knobs(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry(sources())
    assert registry.get("thrice") is Thrice
    monkeypatch.setenv("PLUGRAD_BLOCK_PLUGINS", "thrice_ep")
    registry.refresh()
    assert statuses(registry)["thrice_ep"] == "blocked"


def test_import_plugrad_does_not_scan_entry_points() -> None:
    """Discovery is lazy: ``import plugrad`` neither scans entry points nor imports plugins."""
    script = textwrap.dedent(
        """
        import importlib.metadata as metadata
        calls = []
        original = metadata.entry_points
        metadata.entry_points = lambda *a, **k: calls.append(1) or original(*a, **k)
        import plugrad, plugrad.functions, plugrad.registry
        assert not plugrad.registry.active_registry().loaded
        print("scans after import:", len(calls))
        import numpy as np
        plugrad.functions.square(plugrad.Variable(np.array(3.0)))
        print("scans after first op:", len(calls))
        plugrad.functions.exp(plugrad.Variable(np.array(3.0)))
        print("scans after second op:", len(calls))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "scans after import: 0" in out
    assert "scans after first op: 1" in out
    assert "scans after second op: 1" in out
