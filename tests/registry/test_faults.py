"""What a faulty plugin does to plugrad: it warns, names itself and how to disable it, and the
rest keeps working.  Clashes name both origins; overrides never depend on install order."""

from __future__ import annotations

import itertools
import types

import numpy as np
import pytest

from plugrad import Function, Variable
from plugrad.ops.elementwise import Cos, Sin
from plugrad.plugin import Registrar, hookimpl
from plugrad.registry import (
    LoadSettings,
    PluginRecord,
    PluginSource,
    PluginWarning,
    RegistrationError,
    Registry,
    UnknownOpError,
    use_registry,
)
from plugrad.testing import failing_source, plugin_source
from plugrad.typing import AnyFunction, Array, V
from tests.registry.helpers import CosScale, SinScale, Twice, registering, source

SETTINGS = LoadSettings()  # the environment's knobs play no part here


class TwoGradients(Sin, name="buggy"):
    """A bug: one input, two gradients."""

    __slots__ = ()

    def vjp(self, x: V, gy: V) -> tuple[V, V]:  # type: ignore[override]  # the bug under test
        return gy, gy


class WrongShape(Sin, name="buggy"):
    """A bug: the gradient is summed to a scalar."""

    __slots__ = ()

    def vjp_array(self, x: Array, gy: Array) -> Array:
        return np.asarray(gy.sum())


class CosOverride(Cos, name="scale", override=True, priority=1):
    """y = cos(x), replacing 'scale' at priority 1"""

    __slots__ = ()


class SinOverride(Sin, name="scale", override=True, priority=5):
    """y = sin(x), replacing 'scale' at priority 5"""

    __slots__ = ()


class SinTie(Sin, name="scale", override=True, priority=3):
    """y = sin(x), replacing 'scale' at priority 3"""

    __slots__ = ()


class CosTie(Cos, name="scale", override=True, priority=3):
    """y = cos(x), replacing 'scale' at priority 3 too"""

    __slots__ = ()


def healthy() -> PluginSource:
    return source(registering(Twice), "healthy", distribution="healthy-ops")


def record_of(registry: Registry, entry_point: str) -> PluginRecord:
    return next(p for p in registry.plugin_records() if p.origin.entry_point == entry_point)


def test_a_plugin_that_fails_to_import_warns_and_the_rest_works() -> None:
    broken = failing_source(
        ImportError("No module named 'cupy'"), name="gpu", distribution="gpu-ops", version="2.1"
    )
    registry = Registry([healthy(), broken], settings=SETTINGS)
    with pytest.warns(PluginWarning) as caught:
        registry.load()
    (warning,) = caught
    message = str(warning.message)
    for expected in (
        "plugin 'gpu'",  # the entry point
        "gpu-ops 2.1",  # distribution and version
        "ImportError: No module named 'cupy'",  # the error's last line
        "PLUGRAD_BLOCK_PLUGINS=gpu",  # how to block it
        "`plugrad plugins -v` shows the full traceback",  # where the rest is
    ):
        assert expected in message
    assert "\n" not in message  # one line, no traceback in every program's stderr
    assert warning.filename == __file__  # the line that triggered discovery, not plugrad's
    assert registry.get("twice") is Twice
    failed = record_of(registry, "gpu")
    assert failed.status == "failed"
    assert isinstance(failed.error, ImportError)
    assert failed.reason == "ImportError: No module named 'cupy'"
    assert "Traceback" in failed.details


def test_a_multi_line_error_is_shown_by_its_first_line() -> None:
    broken = failing_source(ValueError("bad config\nline 2\nline 3"), name="cfg")
    registry = Registry([broken], settings=SETTINGS)
    with pytest.warns(PluginWarning, match=r"ValueError: bad config \.\.\.\. Block it") as caught:
        registry.load()
    assert "line 2" not in str(caught[0].message)
    assert "line 3" in record_of(registry, "cfg").details


def test_a_hook_that_raises_loses_only_its_own_ops() -> None:
    class Thrice(Cos, name="thrice"):
        """y = cos(x)"""

    def register(registrar: Registrar) -> None:
        registrar.register(Thrice)
        raise RuntimeError("config file missing")

    registry = Registry([healthy(), source(register, "flaky")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="RuntimeError: config file missing"):
        registry.load()
    assert record_of(registry, "flaky").status == "failed"
    assert "thrice" not in registry.classes  # a half-registered plugin contributes nothing
    assert registry.get("twice") is Twice


def test_a_misspelled_hook_is_reported() -> None:
    class Misspelled:
        @hookimpl
        def plugrad_register_op(self, registrar: Registrar) -> None:  # "ops" is missing
            registrar.register(Twice)

    registry = Registry([plugin_source(Misspelled(), name="typo")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="plugrad_register_op"):
        registry.load()
    assert record_of(registry, "typo").status == "failed"


class Unnamed(Sin):
    """y = sin(x), with no name declared"""

    __slots__ = ()


class NoDerivative(Function[Array], name="no_derivative"):
    """y = x, and no rule"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x


def _a_plain_function(x: object) -> object:
    return x


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (_a_plain_function, "register\\(\\) takes plugrad.Function subclasses"),
        (np.ndarray, "register\\(\\) takes plugrad.Function subclasses"),
        (Unnamed, "Unnamed declares no op name"),
        (NoDerivative, "'no_derivative' \\(NoDerivative\\) defines no derivative"),
    ],
)
def test_registering_a_bad_class_fails_that_plugin(bad: object, match: str) -> None:
    def register(registrar: Registrar) -> None:
        registrar.register(bad)  # type: ignore[arg-type]  # the fault under test

    registry = Registry([healthy(), source(register, "sloppy")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match=match):
        registry.load()
    sloppy = record_of(registry, "sloppy")
    assert sloppy.status == "failed"
    assert isinstance(sloppy.error, RegistrationError)
    assert registry.get("twice") is Twice


def test_one_plugin_registering_a_name_twice_fails() -> None:
    registry = Registry([source(registering(SinScale, CosScale), "twins")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="registers op 'scale' twice"):
        registry.load()
    assert record_of(registry, "twins").status == "failed"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"name": "not valid"}, "name='not valid' must be an identifier"),
        ({"name": "special."}, "name='special.' must be an identifier"),
        ({"name": 3}, "name=3 must be an identifier"),
        ({"name": "ok", "samples": [1, 2]}, "samples must be a function"),
        ({"name": "ok", "priority": "high"}, "priority must be an int"),
        ({"name": "ok", "override": "yes"}, "override must be a bool"),
        ({"name": "ok", "double_backward": 1}, "double_backward must be a bool"),
    ],
)
def test_a_bad_declaration_fails_at_class_creation(options: dict[str, object], match: str) -> None:
    """The class statement itself raises, naming the class: no plugin gets to load it."""
    with pytest.raises(TypeError, match=match) as info:
        types.new_class("BadlyDeclared", (Sin,), dict(options))
    assert "op class BadlyDeclared" in str(info.value)


def test_register_module_of_a_module_without_named_ops_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = types.ModuleType("empty_ops")
    monkeypatch.setitem(__import__("sys").modules, "empty_ops", empty)

    def register(registrar: Registrar) -> None:
        registrar.register_module("empty_ops")

    registry = Registry([healthy(), source(register, "empty")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="module 'empty_ops' defines no op class with a name"):
        registry.load()
    record = record_of(registry, "empty")
    assert record.status == "failed"
    assert isinstance(record.error, RegistrationError)
    assert "name='my_op'" in str(record.error)  # and says how to declare one
    assert registry.get("twice") is Twice


def test_register_module_takes_the_name_of_an_imported_module() -> None:
    def register(registrar: Registrar) -> None:
        registrar.register_module("no_such_module_anywhere")

    registry = Registry([source(register, "typo")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="register_module\\(__name__\\)"):
        registry.load()
    assert isinstance(record_of(registry, "typo").error, RegistrationError)


def test_register_module_registers_the_named_classes_defined_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("mixed_ops")
    named = types.new_class("Named", (Sin,), {"name": "mixed.named"})
    unnamed = types.new_class("Helper", (Sin,))
    named.__module__ = unnamed.__module__ = "mixed_ops"
    module.Named, module.Helper, module.Imported = named, unnamed, Sin  # type: ignore[attr-defined]  # a module built by hand
    monkeypatch.setitem(__import__("sys").modules, "mixed_ops", module)

    def register(registrar: Registrar) -> None:
        registrar.register_module("mixed_ops")

    registry = Registry([source(register, "mixed")], settings=SETTINGS)
    registry.load()
    assert set(registry.classes) == {"mixed.named"}  # not Helper (no name), not Sin (imported)
    assert registry.get("mixed.named") is named


def test_a_name_registered_twice_is_an_error_naming_both_origins() -> None:
    one = source(registering(SinScale), "one", distribution="scale-a", version="1.2")
    two = source(registering(CosScale), "two", distribution="scale-b", version="0.3")
    registry = Registry([one, two], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="'scale' is registered by 2 plugins"):
        registry.load()
    with pytest.raises(RegistrationError) as info:
        registry.get("scale")
    message = str(info.value)
    for origin in ("scale-a 1.2", "scale-b 0.3", "'one'", "'two'", "SinScale", "CosScale"):
        assert origin in message
    assert "override=True" in message  # and says how to replace an op on purpose


def test_a_clash_with_a_builtin_keeps_the_builtin() -> None:
    builtin = source(registering(SinScale), "family", distribution="plugrad")
    rival = source(registering(CosScale), "rival", distribution="rival-ops")
    registry = Registry([rival, builtin], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="plugrad's own 'scale' stays in use"):
        registry.load()
    assert registry.get("scale") is SinScale


def test_override_with_priority_wins_whatever_the_order() -> None:
    plain = source(registering(SinScale), "plain", distribution="plain-ops")
    low = source(registering(CosOverride), "low", "low-ops")
    high = source(registering(SinOverride), "high", "zz-high-ops")
    for order in itertools.permutations([plain, low, high]):
        registry = Registry(order, settings=SETTINGS)
        assert registry.record("scale").origin.entry_point == "high"
        assert registry.get("scale") is SinOverride
        shadowed = [r.origin.entry_point for r in registry.shadowed["scale"]]
        assert shadowed == ["low", "plain"]


def test_resolve_follows_an_override_from_any_registered_class() -> None:
    from plugrad.registry import resolve

    plain = source(registering(SinScale), "plain", distribution="plain-ops")
    high = source(registering(SinOverride), "high", "zz-high-ops")
    with use_registry(Registry([plain, high], settings=SETTINGS)):
        shadowed: type[AnyFunction] = resolve(SinScale)
        assert shadowed is SinOverride  # the shadowed class's wrapper gets the winner
        assert resolve(SinOverride) is SinOverride


def test_an_override_tie_is_an_error() -> None:
    a = source(registering(SinTie), "a", "a-ops")
    b = source(registering(CosTie), "b", "b-ops")
    for order in ([a, b], [b, a]):
        registry = Registry(order, settings=SETTINGS)
        with pytest.warns(PluginWarning, match="same priority"):
            registry.load()
        with pytest.raises(RegistrationError, match=r"(?s)a-ops.*b-ops"):
            registry.get("scale")


def test_an_unknown_op_name_suggests_close_matches() -> None:
    registry = Registry([healthy()], settings=SETTINGS)
    with pytest.raises(UnknownOpError, match=r"no op named 'twise'.*Did you mean 'twice'"):
        registry.get("twise")
    with pytest.raises(LookupError, match="`plugrad plugins` lists the registered ops"):
        registry.get("completely_different")


def test_calling_an_op_while_plugins_load_is_a_clear_error() -> None:
    """The active registry discovers its plugins on the first op call (or on ``refresh``);
    a plugin calling an op from its hook then gets an error that says so."""
    from plugrad.functions import square
    from plugrad.registry import refresh

    def register(registrar: Registrar) -> None:
        square(np.array(2.0))  # an op call at registration time

    registry = Registry([source(register, "eager")], settings=SETTINGS)
    # Loaded before it is active, the call goes to the outer registry: the hook registers nothing.
    with pytest.warns(PluginWarning, match="registers no ops"):
        registry.load()
    with use_registry(registry):
        with pytest.warns(PluginWarning, match="while plugrad was still loading"):
            refresh()  # discovery of the active registry
        assert record_of(registry, "eager").status == "failed"


@pytest.mark.parametrize(
    ("cls", "error", "match"),
    [
        (TwoGradients, TypeError, "backward returned 2 gradient"),
        (WrongShape, ValueError, r"gradient of shape \(\) for input 0, whose shape is \(2, 3\)"),
    ],
)
def test_a_wrong_rule_is_an_engine_error_naming_op_and_plugin(
    cls: type[AnyFunction], error: type[Exception], match: str
) -> None:
    plugin = source(registering(cls), "bugs", "bug-ops", "6.6")
    with use_registry(Registry([plugin], settings=SETTINGS)) as registry:
        x = Variable(np.ones((2, 3)))
        y = registry.get("buggy")().apply(x)[0]
        with pytest.raises(error, match=match) as info:
            y.backward()
    message = str(info.value)
    assert "op 'buggy'" in message
    assert "plugin 'bugs' (bug-ops 6.6" in message
