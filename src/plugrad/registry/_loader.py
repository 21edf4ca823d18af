"""Discovery: entry points -> pluggy -> validated op records.

pluggy runs here, once, at load time.  Each plugin gets its own ``PluginManager`` and its own
``Registrar``, so a plugin that raises loses only its own ops, and every op knows its origin.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Iterable
from importlib.metadata import EntryPoint
from typing import TYPE_CHECKING, Any

import pluggy

from plugrad.plugin import PROJECT, OpSpec, PluginSpec, SampleFactory
from plugrad.registry._errors import PluginLoadError, PluginWarning, RegistrationError
from plugrad.registry._records import OpRecord, Origin, PluginRecord

if TYPE_CHECKING:
    from plugrad.core.function import AnyFunction


def origin_of(entry_point: EntryPoint) -> Origin:
    dist = entry_point.dist
    return Origin(
        entry_point=entry_point.name,
        value=entry_point.value,
        distribution=dist.name if dist is not None else "<unknown distribution>",
        version=dist.version if dist is not None else "?",
    )


class CollectingRegistrar:
    """The ``Registrar`` a plugin receives: validates each op and keeps it with its origin."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.records: list[OpRecord] = []

    def register(
        self,
        name: str,
        function: type[AnyFunction],
        *,
        arity: int,
        description: str,
        samples: SampleFactory | None = None,
        double_backward: bool = True,
        override: bool = False,
        priority: int = 0,
    ) -> None:
        # The annotations bind typed plugins only; untyped ones reach here too, so check.
        given: object = name
        if not isinstance(given, str) or not given.isidentifier():
            raise RegistrationError(
                f"{self.origin}: op name {name!r} is not a valid Python identifier"
            )
        # Imported here: the registry must not import the core at load time (the core's
        # operators import the op modules, which import the registry).
        from plugrad.core.function import Function

        candidate: object = function
        if not (isinstance(candidate, type) and issubclass(candidate, Function)):
            raise RegistrationError(
                f"{self.origin}: op {name!r} must be a plugrad.Function subclass, got {function!r}"
            )
        count: object = arity
        if not isinstance(count, int) or count < -1:
            raise RegistrationError(
                f"{self.origin}: op {name!r} has arity {arity!r}; use the number of inputs, "
                "or -1 for a variadic op"
            )
        if any(record.name == name for record in self.records):
            raise RegistrationError(f"{self.origin} registers op {name!r} twice")
        spec = OpSpec(
            name=name,
            function=function,
            arity=arity,
            description=description,
            samples=samples,
            double_backward=double_backward,
            override=override,
            priority=priority,
        )
        self.records.append(OpRecord(spec, self.origin))


def load_plugin(entry_point: EntryPoint, *, strict: bool) -> tuple[PluginRecord, list[OpRecord]]:
    """Import one plugin and run its hook; failures become a ``failed`` record and a warning."""
    origin = origin_of(entry_point)
    registrar = CollectingRegistrar(origin)
    try:
        plugin = entry_point.load()
        manager = pluggy.PluginManager(PROJECT)
        manager.add_hookspecs(PluginSpec)
        manager.register(plugin, name=entry_point.name)
        manager.hook.plugrad_register_ops(registrar=registrar)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        report_failure(origin, reason, exc, strict=strict)
        details = "".join(traceback.format_exception(exc))
        return PluginRecord(origin, "failed", reason=f"{reason}\n{details}"), []
    names = [record.name for record in registrar.records]
    return PluginRecord(origin, "loaded", ops=names), registrar.records


def report_failure(origin: Origin, reason: str, exc: BaseException | None, *, strict: bool) -> None:
    message = (
        f"plugrad: {origin} failed and was skipped: {reason}. "
        f"The rest of plugrad keeps working; to stop loading it, set "
        f"PLUGRAD_BLOCK_PLUGINS={origin.entry_point} or uninstall {origin.distribution}."
    )
    if strict:
        raise PluginLoadError(message) from exc
    warnings.warn(message, PluginWarning, stacklevel=4)


def merge(records: Iterable[OpRecord], *, strict: bool) -> tuple[dict[str, OpRecord], list[str]]:
    """Settle name clashes deterministically; return the winners and the clash messages.

    Plain registrations of one name from two plugins clash.  ``override=True`` registrations
    replace the plain one, the highest ``priority`` winning; equal top priorities clash.  Input
    order does not matter: clashes are settled by priority, then by (distribution, entry point)
    name, never by install order.
    """
    by_name: dict[str, list[OpRecord]] = {}
    for record in records:
        by_name.setdefault(record.name, []).append(record)
    winners: dict[str, OpRecord] = {}
    clashes: list[str] = []
    for name, candidates in by_name.items():
        winner, clash = _settle(name, candidates)
        winners[name] = winner
        if clash:
            clashes.append(clash)
            if strict:
                raise RegistrationError(clash)
            warnings.warn(clash, PluginWarning, stacklevel=3)
    return winners, clashes


def _settle(name: str, candidates: list[OpRecord]) -> tuple[OpRecord, str]:
    def order(record: OpRecord) -> tuple[int, str, str]:
        return (-record.spec.priority, record.origin.distribution, record.origin.entry_point)

    overrides = sorted((r for r in candidates if r.spec.override), key=order)
    plain = sorted((r for r in candidates if not r.spec.override), key=order)
    if overrides:
        top = [r for r in overrides if r.spec.priority == overrides[0].spec.priority]
        if len(top) > 1:
            return top[0], _clash_message(name, top, "override it with the same priority")
        return overrides[0], ""
    if len(plain) > 1:
        return plain[0], _clash_message(name, plain, "register it")
    return plain[0], ""


def _clash_message(name: str, clashing: list[OpRecord], what: str) -> str:
    origins = "; ".join(str(r.origin) for r in clashing)
    return (
        f"plugrad: op {name!r} is registered twice: {len(clashing)} plugins {what} ({origins}). "
        f"Using the one from {clashing[0].origin}. To replace an op on purpose, register with "
        "override=True and a priority; or block one plugin with PLUGRAD_BLOCK_PLUGINS."
    )
