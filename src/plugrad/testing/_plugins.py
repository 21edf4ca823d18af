"""Fake plugins for tests: a plugin in one line, and one that fails to import.

Each is a ``PluginSource`` (an entry point that was never installed), so it goes through the
same loading, validation and clash settlement as an installed plugin.  Hand them to
``Registry([...])``, ``Registry.from_plugins(...)`` or the ``plugrad_registry`` fixture.
"""

from __future__ import annotations

from collections.abc import Callable

from plugrad.plugin import Registrar, hookimpl
from plugrad.registry._records import Origin
from plugrad.registry._sources import PluginSource, plugin_source


def fake_plugin(
    register: Callable[[Registrar], None],
    *,
    name: str,
    distribution: str = "<test>",
    version: str = "0",
) -> PluginSource:
    """A fake entry point whose hook runs ``register(registrar)``: a plugin in one line.

    For tests of registration itself (clashes, overrides, faults)::

        source = fake_plugin(lambda r: r.register(Scale),
                             name="scale", distribution="scale-ops", version="1.0")
        with use_registry(Registry([source])): ...
    """
    return plugin_source(
        _HookPlugin(register), name=name, distribution=distribution, version=version
    )


def failing_source(
    error: BaseException,
    *,
    name: str,
    distribution: str = "<test>",
    version: str = "0",
) -> PluginSource:
    """A fake entry point whose import raises ``error`` (to test how failures are handled)."""

    def load() -> object:
        raise error

    origin = Origin(
        entry_point=name,
        value=f"<raises {type(error).__name__}>",
        distribution=distribution,
        version=version,
    )
    return PluginSource(origin, load)


class _HookPlugin:
    """A plugin object whose hook calls a plain function."""

    def __init__(self, register: Callable[[Registrar], None]) -> None:
        self._register = register

    @hookimpl
    def plugrad_register_ops(self, registrar: Registrar) -> None:
        self._register(registrar)


__all__ = ["PluginSource", "failing_source", "fake_plugin", "plugin_source"]
