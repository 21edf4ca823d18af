"""The op table: a plain dict of classes, filled once by discovery.

Typed wrappers call ``resolve(name, DefaultClass)`` on every op call; its fast path is one dict
lookup.  Discovery happens on the first lookup, not during ``import plugrad``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, TypeVar

from plugrad.plugin import ENTRY_POINT_GROUP
from plugrad.registry._errors import UnknownOpError
from plugrad.registry._loader import load_plugin, merge
from plugrad.registry._records import OpRecord, PluginRecord

if TYPE_CHECKING:
    from plugrad.core.function import AnyFunction

F = TypeVar("F", bound="AnyFunction")

STRICT_ENV = "PLUGRAD_STRICT_PLUGINS"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class Registry:
    """Ops by name, the plugins they came from, and the clashes found while loading."""

    def __init__(self, entry_points: Iterable[EntryPoint] | None = None) -> None:
        # None means "the installed entry points"; tests pass their own.
        self._entry_points = None if entry_points is None else list(entry_points)
        self.classes: dict[str, type[AnyFunction]] = {}
        self.records: dict[str, OpRecord] = {}
        self.plugins: list[PluginRecord] = []
        self.clashes: list[str] = []
        self.loaded = False

    def load(self) -> None:
        """Discover plugins now (once; later calls do nothing until ``refresh``)."""
        if self.loaded:
            return
        strict = _env_flag(STRICT_ENV)
        found = self._find_entry_points()
        all_records: list[OpRecord] = []
        for entry_point in found:
            plugin, records = load_plugin(entry_point, strict=strict)
            self.plugins.append(plugin)
            all_records.extend(records)
        self.records, self.clashes = merge(all_records, strict=strict)
        self.classes = {name: record.spec.function for name, record in self.records.items()}
        self.loaded = True

    def refresh(self) -> None:
        """Forget everything and discover again (after installing a plugin in a notebook)."""
        self.classes, self.records, self.plugins, self.clashes = {}, {}, [], []
        self.loaded = False
        self.load()

    def _find_entry_points(self) -> list[EntryPoint]:
        found = (
            list(entry_points(group=ENTRY_POINT_GROUP))
            if self._entry_points is None
            else self._entry_points
        )
        # Sorted, so nothing depends on the order in which distributions were installed.
        return sorted(found, key=lambda ep: (ep.dist.name if ep.dist else "", ep.name, ep.value))

    def get(self, name: str) -> type[AnyFunction]:
        """The op class registered under ``name``; ``UnknownOpError`` suggests close names."""
        self.load()
        try:
            return self.classes[name]
        except KeyError:
            raise self._unknown(name) from None

    def record(self, name: str) -> OpRecord:
        self.load()
        try:
            return self.records[name]
        except KeyError:
            raise self._unknown(name) from None

    def _unknown(self, name: str) -> UnknownOpError:
        close = difflib.get_close_matches(name, list(self.classes), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        return UnknownOpError(
            f"no op named {name!r} is registered.{hint} "
            "`python -m plugrad plugins` lists the registered ops and the plugins they came from."
        )


_active = Registry()


def active_registry() -> Registry:
    """The registry ops are resolved from."""
    return _active


def resolve(name: str, expected: type[F]) -> type[F]:
    """The class registered as ``name`` (typed as ``expected``, the class plugrad ships)."""
    cls = _active.classes.get(name)
    if cls is None:
        cls = _active.get(name)
    # Not typing.cast: this runs on every op call, and cast is a function call.
    return cls  # type: ignore[return-value]  # registration checked it is a Function class


@contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Resolve ops from ``registry`` inside the block (an isolated registry for tests)."""
    global _active
    previous = _active
    _active = registry
    try:
        registry.load()
        yield registry
    finally:
        _active = previous


def describe_op(cls: type[AnyFunction]) -> str:
    """``op 'add' (Add) from plugin 'arithmetic' (plugrad 0.1.0, ...)``, for error messages."""
    for record in _active.records.values():
        if record.spec.function is cls:
            return f"op {record.name!r} ({cls.__name__}) from {record.origin}"
    return f"op {cls.__name__} (not registered; defined in {cls.__module__})"
