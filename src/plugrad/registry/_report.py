"""What ``plugrad plugins`` prints: a listing for people, and ``--json`` for tools."""

from __future__ import annotations

from collections import Counter
from typing import Final

from plugrad.registry._records import OpRecord, Origin, PluginRecord, PluginStatus
from plugrad.registry._table import Registry

# The statuses in the order the summary line names them.
_STATUSES: Final[tuple[PluginStatus, ...]] = ("loaded", "failed", "empty", "blocked", "disabled")


def format_plugins(registry: Registry, *, verbose: bool = False) -> str:
    """Each plugin (distribution, version, entry point, status, ops), then clashes and notes.

    ``verbose`` adds failed plugins' full tracebacks and each op's description (the first
    line of its class docstring).
    """
    lines: list[str] = []
    plugins = registry.plugin_records()
    for plugin in plugins:
        lines.extend(_plugin_lines(registry, plugin, verbose=verbose))
    if registry.clashes:
        lines.append("")
        lines.append("clashes (unresolved):")
        lines.extend(f"  {clash.message}" for clash in registry.clashes)
    if registry.notes:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  {note}" for note in registry.notes)
    lines.append("")
    lines.append(_summary(plugins, len(registry.records)))
    return "\n".join(lines)


def _summary(plugins: list[PluginRecord], ops: int) -> str:
    counts = Counter(plugin.status for plugin in plugins)
    parts = [f"{counts[status]} {status}" for status in _STATUSES if counts[status]]
    return f"{len(plugins)} plugin(s): {', '.join(parts) or 'none'}; {ops} op(s) registered"


def _plugin_lines(registry: Registry, plugin: PluginRecord, *, verbose: bool) -> list[str]:
    origin = plugin.origin
    lines = [
        f"{origin.distribution} {origin.version}  {origin.entry_point} = {origin.value}  "
        f"[{plugin.status}]"
    ]
    if verbose and plugin.details:
        lines.extend(f"    {line}" for line in plugin.details.splitlines())
    elif plugin.reason:
        lines.append(f"    {plugin.reason}")
    for name in plugin.ops:
        lines.extend(_op_lines(registry, name, plugin, verbose=verbose))
    return lines


def _op_lines(registry: Registry, name: str, plugin: PluginRecord, *, verbose: bool) -> list[str]:
    record = registry.records.get(name)
    if record is None:
        return [f"    {name}  (unusable: clash, see below)"]
    if record.origin != plugin.origin:
        origin = record.origin
        return [f"    {name}  (shadowed by {origin.entry_point!r} of {origin.distribution})"]
    lines = [f"    {name}  {_details(record)}"]
    if verbose:
        lines.append(f"        {record.spec.description}")
    return lines


def _details(record: OpRecord) -> str:
    spec = record.spec
    parts = [_class_path(record)]
    parts.append("variadic" if spec.arity == -1 else f"arity {spec.arity}")
    if spec.double_backward:
        parts.append("double backward")
    if spec.override:
        parts.append(f"overrides, priority {spec.priority}")
    if spec.samples is None:
        parts.append("no samples: unchecked")
    return "(" + ", ".join(parts) + ")"


def _class_path(record: OpRecord) -> str:
    function = record.spec.function
    return f"{function.__module__}.{function.__qualname__}"


# -- JSON -------------------------------------------------------------------------------------


def plugins_json(registry: Registry) -> dict[str, object]:
    """The listing as plain data: plugins, usable ops, clashes and notes (``--json``)."""
    return {
        "plugins": [_plugin_json(plugin) for plugin in registry.plugin_records()],
        "ops": [_op_json(registry, record) for record in registry.ops()],
        "clashes": [
            {
                "name": clash.name,
                "message": clash.message,
                "candidates": [_origin_json(r.origin) for r in clash.candidates],
            }
            for clash in registry.clashes
        ],
        "notes": list(registry.notes),
    }


def _origin_json(origin: Origin) -> dict[str, object]:
    return {
        "entry_point": origin.entry_point,
        "value": origin.value,
        "distribution": origin.distribution,
        "version": origin.version,
    }


def _plugin_json(plugin: PluginRecord) -> dict[str, object]:
    return {
        **_origin_json(plugin.origin),
        "builtin": plugin.origin.builtin,
        "status": plugin.status,
        "reason": plugin.reason,
        "traceback": plugin.details,
        "ops": list(plugin.ops),
    }


def _op_json(registry: Registry, record: OpRecord) -> dict[str, object]:
    spec = record.spec
    return {
        "name": spec.name,
        "class": _class_path(record),
        "description": spec.description,
        "arity": spec.arity,
        "double_backward": spec.double_backward,
        "override": spec.override,
        "priority": spec.priority,
        "samples": spec.samples is not None,
        "origin": _origin_json(record.origin),
        "shadows": [_origin_json(r.origin) for r in registry.shadowed.get(spec.name, ())],
    }
