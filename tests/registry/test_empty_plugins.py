"""A plugin that loads but registers nothing is not silent: it is ``empty``, with its likely
cause (a hook without ``@hookimpl``, an entry point naming the wrong module), and strict mode
makes it an error."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator

import pytest

from plugrad.plugin import Registrar, hookimpl
from plugrad.registry import (
    LoadSettings,
    PluginLoadError,
    PluginRecord,
    PluginWarning,
    Registry,
    UnknownOpError,
)
from plugrad.testing import plugin_source
from tests.registry.helpers import Twice, registering, source

SETTINGS = LoadSettings()


def hook_function() -> Callable[[Registrar], None]:
    """A new, unmarked hook function (``hookimpl`` marks the very function it is given)."""

    def plugrad_register_ops(registrar: Registrar) -> None:
        registrar.register(Twice)

    return plugrad_register_ops


@pytest.fixture
def modules() -> Iterator[dict[str, types.ModuleType]]:
    """Install hand-made modules in ``sys.modules`` for one test."""
    made: dict[str, types.ModuleType] = {}
    yield made
    for name in made:
        sys.modules.pop(name, None)


def module(
    made: dict[str, types.ModuleType], name: str, *, package: bool = False
) -> types.ModuleType:
    result = types.ModuleType(name)
    if package:
        result.__path__ = []
    sys.modules[name] = made[name] = result
    return result


def only_plugin(registry: Registry) -> PluginRecord:
    (record,) = registry.plugin_records()
    return record


def load_one(plugin: object, name: str = "twice_ep") -> tuple[Registry, str]:
    source = plugin_source(plugin, name=name, distribution="twice-ops", version="1.0")
    registry = Registry([source], settings=SETTINGS)
    with pytest.warns(PluginWarning) as caught:
        registry.load()
    (warning,) = caught
    return registry, str(warning.message)


def test_a_hook_without_hookimpl_is_empty_and_says_so(modules: dict[str, types.ModuleType]) -> None:
    ops = module(modules, "twice_ops")
    ops.plugrad_register_ops = hook_function()  # type: ignore[attr-defined]  # the bug: unmarked
    registry, message = load_one(ops)
    record = only_plugin(registry)
    assert record.status == "empty"
    assert record.ops == []
    assert "plugin 'twice_ep' (twice-ops 1.0, twice_ops) registers no ops" in message
    assert "defines plugrad_register_ops without the @hookimpl marker" in message
    assert "PLUGRAD_BLOCK_PLUGINS=twice_ep" in message
    assert "\n" not in message
    assert record.reason in message


def test_an_entry_point_naming_the_package_points_at_the_module_with_the_hook(
    modules: dict[str, types.ModuleType],
) -> None:
    package = module(modules, "twice_pkg", package=True)
    ops = module(modules, "twice_pkg.ops")
    ops.plugrad_register_ops = hookimpl(hook_function())  # type: ignore[attr-defined]  # built by hand
    package.twice = Twice  # type: ignore[attr-defined]  # __init__ re-exports, as packages do
    registry, message = load_one(package)
    assert only_plugin(registry).status == "empty"
    assert (
        "the entry point names module 'twice_pkg', which has no plugrad_register_ops hook, "
        "but 'twice_pkg.ops' has one: point the entry point at 'twice_pkg.ops'"
    ) in message


def test_a_package_without_a_hook_anywhere(modules: dict[str, types.ModuleType]) -> None:
    package = module(modules, "hookless_pkg", package=True)
    registry, message = load_one(package)
    assert only_plugin(registry).status == "empty"
    assert "names package 'hookless_pkg' (its __init__)" in message
    assert "'hookless_pkg.ops'" in message  # what the entry point should look like


def test_a_module_without_a_hook(modules: dict[str, types.ModuleType]) -> None:
    plain = module(modules, "hookless_ops")
    _, message = load_one(plain)
    assert "module 'hookless_ops' has no plugrad_register_ops function marked @hookimpl" in message


def test_a_hook_that_registers_nothing() -> None:
    registry = Registry([source(lambda registrar: None, "idle")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="hook ran but registered nothing") as caught:
        registry.load()
    assert "registrar.register_module(__name__)" in str(caught[0].message)
    assert only_plugin(registry).status == "empty"


def test_an_object_without_a_hook_method() -> None:
    class NoHooks:
        def __repr__(self) -> str:
            return "<NoHooks>"

    registry, message = load_one(NoHooks())
    assert "<NoHooks> has no plugrad_register_ops method marked @hookimpl" in message
    assert only_plugin(registry).status == "empty"


def test_a_misspelled_marked_hook_is_still_a_failure() -> None:
    class Misspelled:
        @hookimpl
        def plugrad_register_op(self, registrar: Registrar) -> None:
            registrar.register(Twice)

    registry, message = load_one(Misspelled())
    assert only_plugin(registry).status == "failed"
    assert "plugrad_register_op" in message


def test_strict_mode_makes_an_empty_plugin_an_error(modules: dict[str, types.ModuleType]) -> None:
    ops = module(modules, "strict_twice_ops")
    ops.plugrad_register_ops = hook_function()  # type: ignore[attr-defined]  # unmarked
    source = plugin_source(ops, name="twice_ep", distribution="twice-ops")
    registry = Registry([source], settings=LoadSettings(strict=True))
    with pytest.raises(PluginLoadError) as info:
        registry.load()
    message = str(info.value)
    assert "registers no ops" in message
    assert "without the @hookimpl marker" in message
    assert "PLUGRAD_STRICT_PLUGINS=1 made this an error instead of a warning" in message
    assert not registry.loaded


def test_the_rest_keeps_working_and_the_op_error_names_the_empty_plugin(
    modules: dict[str, types.ModuleType],
) -> None:
    package = module(modules, "extras_pkg", package=True)
    healthy = source(registering(Twice), "healthy", distribution="healthy-ops")
    empty = plugin_source(package, name="extras", distribution="plugrad-extras", version="0.1")
    registry = Registry([healthy, empty], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="registers no ops"):
        registry.load()
    assert registry.get("twice") is Twice
    with pytest.raises(UnknownOpError) as info:
        registry.get("extras.sinh")
    assert "its plugin 'extras' (plugrad-extras 0.1) registers no ops: the entry point names" in (
        str(info.value)
    )
