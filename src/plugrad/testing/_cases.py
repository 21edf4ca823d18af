"""Test cases for every registered op, for ``pytest.mark.parametrize``.

A distribution's cases come from a registry of plugrad's own ops and that distribution's
plugins only (``Registry.for_distributions``): other installed plugins are never imported, so
someone else's broken plugin is neither a warning nor an error in a plugin author's suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plugrad.registry import OpRecord, PluginRecord, Registry, active_registry, use_registry
from plugrad.registry._settings import normalize
from plugrad.testing._check import check_op

if TYPE_CHECKING:
    import pytest


@dataclass(frozen=True)
class OpCase:
    """One registered op to put through the kit; ``check()`` raises ``OpCheckError``.

    ``registry`` is the one the op was found in; the check runs with it active, so the op's
    rule resolves the ops it calls there too.
    """

    record: OpRecord
    registry: Registry | None = None

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def distribution(self) -> str:
        return self.record.origin.distribution

    def check(self, *, seed: int = 0) -> None:
        registry = self.registry or active_registry()
        with use_registry(registry):
            check_op(self.record, seed=seed, registry=registry)

    def __str__(self) -> str:
        return self.name


def op_cases(
    distribution: str | None = None,
    *,
    names: Iterable[str] | None = None,
    registry: Registry | None = None,
) -> list[OpCase]:
    """A case per registered op, optionally only one distribution's or those in ``names``.

    With a ``distribution`` and no ``registry``, the ops come from plugrad's own and that
    distribution's plugins only, loaded strictly: its own plugin failing to load, registering
    nothing or clashing is an error here, and no other plugin is imported.  Without either,
    they come from the active registry.  An op registered without samples gets a case too,
    which fails: an op the kit cannot check does not pass it.

    Raises ``LookupError`` when the selection is empty (a plugin that is not installed, or not
    loaded because of the ``PLUGRAD_*`` knobs, should fail its tests, not skip them).
    """
    if registry is not None:
        table = registry
    elif distribution is not None:
        table = Registry.for_distributions(distribution)
    else:
        table = active_registry()
    wanted = None if names is None else set(names)
    cases = [
        OpCase(record, table)
        for record in table.ops()
        if (
            distribution is None or normalize(record.origin.distribution) == normalize(distribution)
        )
        and (wanted is None or record.name in wanted)
    ]
    if not cases:
        raise LookupError(
            f"no registered op matches distribution={distribution!r}, "
            f"names={sorted(wanted) if wanted is not None else None}: "
            f"{_why_none(table, distribution)}"
        )
    return cases


def _plugin_state(plugin: PluginRecord) -> str:
    name = f"plugin {plugin.origin.entry_point!r}"
    if plugin.status == "loaded":
        return f"{name} registers {', '.join(plugin.ops)}"
    return f"{name} is {plugin.status}" + (f": {plugin.reason}" if plugin.reason else "")


def _why_none(registry: Registry, distribution: str | None) -> str:
    plugins = registry.plugin_records()
    if distribution is not None:
        own = [p for p in plugins if normalize(p.origin.distribution) == normalize(distribution)]
        if not own:
            return (
                f"no installed distribution named {distribution!r} has a plugrad plugin (an "
                "entry point in the 'plugrad.plugins' group); install it first, such as with "
                "`pip install -e .` in its folder"
            )
        return "; ".join(_plugin_state(p) for p in own)
    loaded = sorted({p.origin.distribution for p in plugins if p.status == "loaded"})
    return (
        f"distributions loaded: {', '.join(loaded) or 'none'} "
        "(`plugrad plugins` shows why others are not)"
    )


def op_tests(
    distribution: str | None = None,
    *,
    names: Iterable[str] | None = None,
    registry: Registry | None = None,
) -> Callable[[OpCase], None]:
    """The one-liner for plugin authors: ``test_ops = op_tests(distribution="my-plugin")``.

    Returns a pytest test function parametrized over ``op_cases(...)``, one test per op: a
    distribution's ops are tested beside plugrad's own, isolated from every other plugin.
    """
    import pytest

    cases = op_cases(distribution, names=names, registry=registry)
    params: list[pytest.ParameterSet] = [pytest.param(case, id=case.name) for case in cases]

    @pytest.mark.parametrize("op_case", params)
    def test_registered_op(op_case: OpCase) -> None:
        op_case.check()

    return test_registered_op
