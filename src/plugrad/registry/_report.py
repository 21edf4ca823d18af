"""The plain-text listing behind ``python -m plugrad plugins``."""

from __future__ import annotations

from plugrad.registry._records import OpRecord, PluginRecord
from plugrad.registry._table import Registry


def format_plugins(registry: Registry, *, verbose: bool = False) -> str:
    """Each plugin (distribution, version, entry point, status, ops), then the clashes.

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
    loaded = sum(1 for p in plugins if p.status == "loaded")
    lines.append("")
    lines.append(
        f"{len(plugins)} plugin(s), {loaded} loaded; {len(registry.records)} op(s) registered"
    )
    return "\n".join(lines)


def _plugin_lines(registry: Registry, plugin: PluginRecord, *, verbose: bool) -> list[str]:
    origin = plugin.origin
    lines = [
        f"{origin.distribution} {origin.version}  {origin.entry_point} = {origin.value}  "
        f"[{plugin.status}]"
    ]
    if plugin.reason:
        reason = plugin.reason if verbose else plugin.reason.splitlines()[-1]
        lines.extend(f"    {line}" for line in reason.splitlines())
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
    parts = [f"{spec.function.__module__}.{spec.function.__qualname__}"]
    parts.append("variadic" if spec.arity == -1 else f"arity {spec.arity}")
    if spec.double_backward:
        parts.append("double backward")
    if spec.override:
        parts.append(f"overrides, priority {spec.priority}")
    if spec.samples is None:
        parts.append("no samples")
    return "(" + ", ".join(parts) + ")"
