"""Where plugins come from: installed entry points, or plain objects handed over by tests.

Both become a ``PluginSource``: an origin (entry point, distribution, version) and a ``load``
that imports the plugin.  ``importlib.metadata`` is imported only when entry points are
actually scanned, so ``import plugrad`` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from plugrad.plugin import ENTRY_POINT_GROUP
from plugrad.registry._records import Origin

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint


@dataclass(frozen=True)
class PluginSource:
    """A plugin not yet loaded: where it comes from, and how to get it."""

    origin: Origin
    load: Callable[[], object]


def from_entry_point(
    entry_point: EntryPoint, known: dict[int, tuple[str, str]] | None = None
) -> PluginSource:
    """``known`` caches (name, version) per distribution: each read parses its METADATA."""
    dist = entry_point.dist
    if dist is None:
        name, version = "<unknown distribution>", "?"
    elif known is not None and id(dist) in known:
        name, version = known[id(dist)]
    else:
        metadata = dist.metadata
        name, version = metadata["Name"], metadata["Version"]
        if known is not None:
            known[id(dist)] = (name, version)
    origin = Origin(entry_point.name, entry_point.value, name, version)
    return PluginSource(origin, entry_point.load)


def plugin_source(
    plugin: object,
    *,
    name: str | None = None,
    distribution: str = "<test>",
    version: str = "0",
) -> PluginSource:
    """A fake entry point for ``plugin`` (a module or any object with the hook).

    The registry wraps plain plugin objects with this; tests use it through
    ``plugrad.testing.plugin_source``.  The plugin goes through the same loading, validation
    and clash settlement as an installed one, without installing anything.  ``name``
    defaults to the module's or class's name.
    """
    label = name or _default_name(plugin)
    value = plugin.__name__ if isinstance(plugin, ModuleType) else f"<{type(plugin).__name__}>"
    origin = Origin(entry_point=label, value=value, distribution=distribution, version=version)
    return PluginSource(origin, lambda: plugin)


def _default_name(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return plugin.__name__.rpartition(".")[2]
    if isinstance(plugin, type):
        return plugin.__name__
    return type(plugin).__name__


def installed_sources(*, builtins_only: bool = False) -> list[PluginSource]:
    """Every entry point in plugrad's group, from the installed distributions."""
    from importlib.metadata import entry_points  # deferred: a 10-30 ms import

    known: dict[int, tuple[str, str]] = {}
    found = [from_entry_point(ep, known) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    if builtins_only:
        return [source for source in found if source.origin.builtin]
    return found


def as_sources(items: Iterable[object]) -> list[PluginSource]:
    """Accept ``PluginSource``s, ``importlib.metadata.EntryPoint``s and plain plugin objects."""
    from importlib.metadata import EntryPoint

    sources: list[PluginSource] = []
    for item in items:
        if isinstance(item, PluginSource):
            sources.append(item)
        elif isinstance(item, EntryPoint):
            sources.append(from_entry_point(item))
        else:
            sources.append(plugin_source(item))
    return sources
