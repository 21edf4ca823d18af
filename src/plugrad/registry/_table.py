"""The op table: a plain dict of classes, filled once by discovery.

``Registry`` discovers the plugins (through pluggy and the entry points), settles clashes and
keeps, for ``resolve`` (in ``_active``), each registered class's winner.  Discovery happens on
the first lookup, not during ``import plugrad``; it runs once and is cached until ``refresh()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from plugrad.core.describe import set_label
from plugrad.registry._errors import RegistrationError, RegistryError, UnknownOpError, complain
from plugrad.registry._loader import load_plugin
from plugrad.registry._merge import merge
from plugrad.registry._records import Clash, OpRecord, PluginRecord, PluginStatus
from plugrad.registry._settings import (
    ALLOW_ENV,
    BLOCK_ENV,
    DISABLE_AUTOLOAD_ENV,
    LoadSettings,
    normalize,
    selectors,
)
from plugrad.registry._sources import PluginSource, as_sources, installed_sources

if TYPE_CHECKING:
    from plugrad.typing import AnyFunction


class Registry:
    """Ops by name, the plugins they came from, and the clashes found while loading.

    ``Registry()`` discovers the installed entry points and reads the ``PLUGRAD_*`` knobs.
    For tests, ``Registry(sources)`` takes entry points, ``PluginSource``s (see
    ``plugrad.testing.fake_plugin``) or plain plugin objects, and
    ``Registry.from_plugins(...)`` adds plugrad's own ops to them; pass ``settings`` to fix
    the knobs instead of reading them.
    """

    def __init__(
        self,
        entry_points: Iterable[object] | None = None,
        *,
        settings: LoadSettings | None = None,
    ) -> None:
        given = None if entry_points is None else list(entry_points)
        self._sources: Callable[[], list[PluginSource]] = (
            installed_sources if given is None else lambda: as_sources(given)
        )
        self._settings = settings
        self._scope = ""  # what a restricted registry leaves out, for unknown-op messages
        self._lock = threading.RLock()
        self._loading = False
        self._reset()

    @classmethod
    def from_plugins(
        cls,
        *plugins: object,
        builtins: bool = True,
        settings: LoadSettings | None = None,
    ) -> Registry:
        """An isolated registry: plugrad's own ops (unless ``builtins=False``) plus ``plugins``.

        ``plugins`` are plugin objects (modules, or anything with the hook) or
        ``PluginSource``s; nothing is installed and the environment's knobs are ignored.
        """

        def sources() -> list[PluginSource]:
            found = installed_sources(builtins_only=True) if builtins else []
            return found + as_sources(plugins)

        registry = cls([], settings=settings or LoadSettings())
        registry._sources = sources
        return registry

    @classmethod
    def for_distributions(
        cls, *distributions: str, settings: LoadSettings | None = None
    ) -> Registry:
        """plugrad's own ops plus the installed plugins of ``distributions``, and nothing else.

        Other installed plugins are never imported, so a broken one cannot disturb a plugin's
        test suite.  The environment's knobs are ignored (the distributions are named here),
        and loading is strict by default: a failure of the named plugins is an error.
        """
        wanted = {normalize(name) for name in distributions}

        def sources() -> list[PluginSource]:
            return [
                source
                for source in installed_sources()
                if source.origin.builtin or normalize(source.origin.distribution) in wanted
            ]

        registry = cls([], settings=settings or LoadSettings(strict=True))
        registry._sources = sources
        registry._scope = (
            f" This registry holds plugrad's own ops and those of {', '.join(distributions)} "
            "only (Registry.for_distributions, which op_tests and plugrad_isolate use): name "
            "any other distribution whose ops these call there too."
        )
        return registry

    def _reset(self) -> None:
        # Read-only views for everyone else; discovery replaces them whole.
        self.classes: Mapping[str, type[AnyFunction]] = MappingProxyType({})
        self.records: Mapping[str, OpRecord] = MappingProxyType({})
        self.shadowed: Mapping[str, tuple[OpRecord, ...]] = MappingProxyType({})
        self.plugins: tuple[PluginRecord, ...] = ()
        self.clashes: tuple[Clash, ...] = ()
        # Warnings about the set of plugins (not one plugin's failure): shared entry-point
        # names, allow-list entries that match nothing, attempts to block a built-in.
        self.notes: tuple[str, ...] = ()
        self.loaded: bool = False
        # resolve()'s table: every registered class (winner or shadowed) -> its name's winner.
        self._winners: dict[type[AnyFunction], type[AnyFunction]] = {}

    # -- discovery ----------------------------------------------------------------------------

    def load(self) -> None:
        """Discover plugins now (once; later calls do nothing until ``refresh``)."""
        if self.loaded:
            return
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self.loaded:  # another thread finished while this one waited for the lock
            return
        if self._loading:
            raise RegistryError(
                "an op was looked up while plugrad was still loading plugins (from a "
                "plugin's import or its plugrad_register_ops hook); ops can be called only "
                "after loading: move the call into a function"
            )
        self._loading = True
        try:
            self._discover()
        finally:
            self._loading = False

    def refresh(self) -> None:
        """Forget everything and discover again (after installing a plugin in a notebook)."""
        import importlib

        importlib.invalidate_caches()  # so newly installed distributions are seen
        with self._lock:
            self._reset()
            self.load()

    def _discover(self) -> None:
        settings = self._settings or LoadSettings.from_env()
        sources = _deduplicated(sorted(self._sources(), key=_source_order))
        notes = [*_shared_entry_point_names(sources), *_unknown_allowed(sources, settings)]
        notes.extend(
            _blocked_builtin(source) for source in sources if _blocks_builtin(source, settings)
        )
        for note in notes:
            complain(note, strict=settings.strict)
        plugins: list[PluginRecord] = []
        records: list[OpRecord] = []
        for source in sources:
            skipped = _skip_reason(source, settings)
            if skipped is not None:
                plugins.append(PluginRecord(source.origin, skipped[0], reason=skipped[1]))
                continue
            plugin, found = load_plugin(source, strict=settings.strict)
            plugins.append(plugin)
            records.extend(found)
        winners, shadowed, clashes = merge(records, strict=settings.strict)
        # Published together at the end: a strict-mode error leaves the registry unloaded.
        self.records = MappingProxyType(winners)
        self.shadowed = MappingProxyType({k: tuple(v) for k, v in shadowed.items()})
        self.clashes = tuple(clashes)
        self.plugins = tuple(plugins)
        self.notes = tuple(notes)
        self.classes = MappingProxyType(
            {name: record.spec.function for name, record in winners.items()}
        )
        self._winners = _winner_table(records, winners)
        for record in records:
            set_label(record.spec.function, self.describe(record.spec.function))
        self.loaded = True

    # -- lookup -------------------------------------------------------------------------------

    def get(self, name: str) -> type[AnyFunction]:
        """The op class registered under ``name``; ``UnknownOpError`` suggests close names."""
        return self.record(name).spec.function

    def record(self, name: str) -> OpRecord:
        """What is known about op ``name``: its spec (class, arity, samples) and origin."""
        self.load()
        try:
            return self.records[name]
        except KeyError:
            raise self._missing(name) from None

    def ops(self) -> list[OpRecord]:
        """Every usable op, sorted by name."""
        self.load()
        return [self.records[name] for name in sorted(self.records)]

    def plugin_records(self) -> list[PluginRecord]:
        """Every plugin found, loaded or not, sorted by distribution and entry point."""
        self.load()
        return list(self.plugins)

    def _missing(self, name: str) -> RegistryError:
        for clash in self.clashes:
            if clash.name == name:
                return RegistrationError(clash.message)
        owner = _likely_owner(name, self.plugins)
        if owner is not None:
            return UnknownOpError(
                f"no op named {name!r} is registered: its {_not_loaded(owner)}. "
                "`plugrad plugins` lists every plugin and its status."
            )
        import difflib  # deferred: only error messages need it

        close = difflib.get_close_matches(name, list(self.classes), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        absent = [p for p in self.plugins if p.status != "loaded"]
        if absent:
            listed = "; ".join(_not_loaded(p) for p in absent[:5])
            more = f" (and {len(absent) - 5} more)" if len(absent) > 5 else ""
            hint += f" Plugins not loaded, one of which may provide it: {listed}{more}."
        return UnknownOpError(
            f"no op named {name!r} is registered.{hint}{self._scope} "
            "`plugrad plugins` lists the registered ops and the plugins they came from."
        )

    def describe(self, cls: type[AnyFunction]) -> str:
        """``op 'add' (Add) from plugin 'arithmetic' (plugrad 0.1.0, ...)``."""
        for record in self.records.values():
            if record.spec.function is cls:
                return f"op {record.name!r} ({cls.__name__}) from {record.origin}"
        for records in self.shadowed.values():
            for record in records:
                if record.spec.function is cls:
                    return f"op {record.name!r} ({cls.__name__}, shadowed) from {record.origin}"
        return f"op {cls.__name__} (not registered; defined in {cls.__module__})"


def _source_order(source: PluginSource) -> tuple[str, str, str]:
    # Sorted, so nothing depends on the order in which distributions were installed.
    origin = source.origin
    return (normalize(origin.distribution), origin.entry_point, origin.value)


def _deduplicated(sources: list[PluginSource]) -> list[PluginSource]:
    """One source per origin (a distribution seen twice on sys.path is listed twice)."""
    seen: set[object] = set()
    unique: list[PluginSource] = []
    for source in sources:
        if source.origin not in seen:
            seen.add(source.origin)
            unique.append(source)
    return unique


def _shared_entry_point_names(sources: list[PluginSource]) -> list[str]:
    """Two distributions with one entry-point name: both load, but say so (pluggy is silent)."""
    by_name: dict[str, list[PluginSource]] = {}
    for source in sources:
        by_name.setdefault(source.origin.entry_point, []).append(source)
    return [
        f"plugrad: {len(same)} plugins share the entry-point name {name!r} "
        f"({'; '.join(str(s.origin) for s in same)}). Both load, but {BLOCK_ENV}={name} would "
        "block both; name one as 'distribution:entry_point'. Ask the authors to rename one."
        for name, same in by_name.items()
        if len(same) > 1
    ]


def _unknown_allowed(sources: list[PluginSource], settings: LoadSettings) -> list[str]:
    if settings.allow is None:
        return []
    known: set[str] = set()
    for source in sources:
        known |= selectors(source.origin.entry_point, source.origin.distribution)
    unknown = sorted(name for name in settings.allow if normalize(name) not in known)
    if not unknown:
        return []
    third_party = sorted({s.origin.entry_point for s in sources if not s.origin.builtin})
    return [
        f"plugrad: {ALLOW_ENV} names {', '.join(unknown)}, but no installed plugin has that "
        f"name (third-party plugins found: {', '.join(third_party) or 'none'})."
    ]


def _blocks_builtin(source: PluginSource, settings: LoadSettings) -> bool:
    origin = source.origin
    return origin.builtin and settings.blocks(selectors(origin.entry_point, origin.distribution))


def _blocked_builtin(source: PluginSource) -> str:
    return (
        f"plugrad: {BLOCK_ENV} names {source.origin}, one of plugrad's own op families, which "
        "always load; to replace one of its ops, register yours with override=True."
    )


def _skip_reason(source: PluginSource, settings: LoadSettings) -> tuple[PluginStatus, str] | None:
    """Why ``source`` is not loaded, or None if it is."""
    origin = source.origin
    if origin.builtin:
        return None
    names = selectors(origin.entry_point, origin.distribution)
    if settings.blocks(names):
        return "blocked", f"named in {BLOCK_ENV}"
    if settings.allow is not None:
        if settings.allows(names):
            return None
        return "disabled", f"not named in {ALLOW_ENV}"
    if not settings.autoload:
        return "disabled", f"{DISABLE_AUTOLOAD_ENV} is set; name it in {ALLOW_ENV} to load it"
    return None


def _likely_owner(name: str, plugins: Iterable[PluginRecord]) -> PluginRecord | None:
    """The plugin, not loaded, that would have provided op ``name``, as far as can be told.

    A failed plugin may have registered the name before it raised; otherwise the op's
    namespace (``special`` of ``special.erf``) is matched against each plugin's entry-point
    name, distribution (with or without a ``plugrad-`` prefix) and top-level module.
    """
    absent = [p for p in plugins if p.status != "loaded"]
    for plugin in absent:
        if name in plugin.attempted:
            return plugin
    namespace, dot, _ = name.rpartition(".")
    if not dot:
        return None
    wanted = {normalize(namespace), normalize(f"plugrad-{namespace}")}
    for plugin in absent:
        origin = plugin.origin
        module = origin.value.partition(":")[0].partition(".")[0]
        names = {normalize(origin.entry_point), normalize(origin.distribution), normalize(module)}
        if names & wanted:
            return plugin
    return None


def _not_loaded(plugin: PluginRecord) -> str:
    """``its plugin 'special' (plugrad-special 0.2.0) is blocked by PLUGRAD_BLOCK_PLUGINS``."""
    origin = plugin.origin
    who = f"plugin {origin.entry_point!r} ({origin.distribution} {origin.version})"
    if plugin.status == "blocked":
        return f"{who} is blocked by {BLOCK_ENV}"
    if plugin.status == "disabled":
        return f"{who} is disabled: {plugin.reason}"
    if plugin.status == "failed":
        return f"{who} failed to load: {plugin.reason}"
    if plugin.status == "empty":
        return f"{who} registers no ops: {plugin.reason}"
    return f"{who} is {plugin.status}"


def _winner_table(
    records: list[OpRecord], winners: Mapping[str, OpRecord]
) -> dict[type[AnyFunction], type[AnyFunction]]:
    """Each registered class -> the class that won its name (itself, or an override)."""
    table: dict[type[AnyFunction], type[AnyFunction]] = {}
    for record in records:
        winner = winners.get(record.name)
        if winner is not None:
            table[record.spec.function] = winner.spec.function
    return table
