"""The op registry: plugins found through entry points, ops looked up by name.

Knobs (read at discovery; ``refresh()`` re-reads them): ``PLUGRAD_DISABLE_PLUGIN_AUTOLOAD=1``
loads no third-party plugin, ``PLUGRAD_PLUGINS=a,b`` loads only those (autoload off or on),
``PLUGRAD_BLOCK_PLUGINS=a,b`` never loads those, ``PLUGRAD_STRICT_PLUGINS=1`` makes plugin
failures and clashes errors.  plugrad's own op families always load.

Fake plugins for tests (``fake_plugin``, ``failing_source``, ``plugin_source``) live in
``plugrad.testing``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugrad.registry._active import active_registry as active_registry
from plugrad.registry._active import describe_op as describe_op
from plugrad.registry._active import refresh as refresh
from plugrad.registry._active import resolve as resolve
from plugrad.registry._active import use_registry as use_registry
from plugrad.registry._errors import PluginLoadError as PluginLoadError
from plugrad.registry._errors import PluginWarning as PluginWarning
from plugrad.registry._errors import RegistrationError as RegistrationError
from plugrad.registry._errors import RegistryError as RegistryError
from plugrad.registry._errors import UnknownOpError as UnknownOpError

if TYPE_CHECKING:  # imported on first use below: ``import plugrad`` needs only ``resolve``
    from plugrad.registry._records import Clash as Clash
    from plugrad.registry._records import OpRecord as OpRecord
    from plugrad.registry._records import Origin as Origin
    from plugrad.registry._records import PluginRecord as PluginRecord
    from plugrad.registry._records import PluginStatus as PluginStatus
    from plugrad.registry._settings import LoadSettings as LoadSettings
    from plugrad.registry._sources import PluginSource as PluginSource
    from plugrad.registry._table import Registry as Registry

# The registry's heavier parts (pluggy, entry points, records): loaded when first named.
_LAZY = {
    "Clash": "plugrad.registry._records",
    "OpRecord": "plugrad.registry._records",
    "Origin": "plugrad.registry._records",
    "PluginRecord": "plugrad.registry._records",
    "PluginStatus": "plugrad.registry._records",
    "LoadSettings": "plugrad.registry._settings",
    "PluginSource": "plugrad.registry._sources",
    "Registry": "plugrad.registry._table",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'plugrad.registry' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def plugins() -> list[PluginRecord]:
    """Every plugin of the active registry: distribution, version, entry point, status, ops."""
    return active_registry().plugin_records()


def ops() -> list[OpRecord]:
    """Every usable op of the active registry, with its spec and origin."""
    return active_registry().ops()


__all__ = [
    "Clash",
    "LoadSettings",
    "OpRecord",
    "Origin",
    "PluginLoadError",
    "PluginRecord",
    "PluginSource",
    "PluginStatus",
    "PluginWarning",
    "RegistrationError",
    "Registry",
    "RegistryError",
    "UnknownOpError",
    "active_registry",
    "describe_op",
    "ops",
    "plugins",
    "refresh",
    "resolve",
    "use_registry",
]
