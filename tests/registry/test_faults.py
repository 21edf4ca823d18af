"""What a faulty plugin does to plugrad: it warns, names itself and how to disable it, and the
rest keeps working.  Clashes name both origins; overrides never depend on install order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from plugrad import Variable
from plugrad._typing import Array
from plugrad.core.function import AnyFunction
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
    failing_source,
    plugin_source,
    use_registry,
)
from tests.registry.helpers import registering, source

SETTINGS = LoadSettings()  # the environment's knobs play no part here


class TwoGradients(Sin):
    """A bug: one input, two gradients."""

    __slots__ = ()

    def backward_array(self, gy: Array) -> tuple[Array, Array]:  # type: ignore[override]  # the bug under test
        return gy, gy


class WrongShape(Sin):
    """A bug: the gradient is summed to a scalar."""

    __slots__ = ()

    def backward_array(self, gy: Array) -> Array:
        return np.asarray(gy.sum())


def healthy() -> PluginSource:
    return source(registering("twice", Sin), "healthy", distribution="healthy-ops")


def record_of(registry: Registry, entry_point: str) -> PluginRecord:
    return next(p for p in registry.plugin_records() if p.origin.entry_point == entry_point)


def test_a_plugin_that_fails_to_import_warns_and_the_rest_works() -> None:
    broken = failing_source(
        ImportError("No module named 'cupy'"), name="gpu", distribution="gpu-ops", version="2.1"
    )
    registry = Registry([healthy(), broken], settings=SETTINGS)
    with pytest.warns(PluginWarning) as caught:
        registry.load()
    message = str(caught[0].message)
    for expected in (
        "'gpu'",  # the entry point
        "gpu-ops 2.1",  # distribution and version
        "ImportError: No module named 'cupy'",  # the original error
        "Traceback",  # with its traceback
        "PLUGRAD_BLOCK_PLUGINS=gpu",  # how to disable it
    ):
        assert expected in message
    assert registry.get("twice") is Sin
    failed = record_of(registry, "gpu")
    assert failed.status == "failed"
    assert isinstance(failed.error, ImportError)
    assert "No module named 'cupy'" in failed.reason


def test_a_hook_that_raises_loses_only_its_own_ops() -> None:
    def register(registrar: Registrar) -> None:
        registrar.register("thrice", Cos, arity=1, description="3x")
        raise RuntimeError("config file missing")

    registry = Registry([healthy(), source(register, "flaky")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="RuntimeError: config file missing"):
        registry.load()
    assert record_of(registry, "flaky").status == "failed"
    assert "thrice" not in registry.classes  # a half-registered plugin contributes nothing
    assert registry.get("twice") is Sin


def test_a_misspelled_hook_is_reported() -> None:
    class Misspelled:
        @hookimpl
        def plugrad_register_op(self, registrar: Registrar) -> None:  # "ops" is missing
            registrar.register("twice", Sin, arity=1, description="2x")

    registry = Registry([plugin_source(Misspelled(), name="typo")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="plugrad_register_op"):
        registry.load()
    assert record_of(registry, "typo").status == "failed"


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (lambda x: x, "must be a plugrad.Function subclass"),
        (np.ndarray, "must be a plugrad.Function subclass"),
    ],
)
def test_registering_a_non_function_fails_that_plugin(bad: object, match: str) -> None:
    def register(registrar: Registrar) -> None:
        registrar.register("bad", bad, arity=1, description="?")  # type: ignore[arg-type]  # the fault under test

    registry = Registry([healthy(), source(register, "sloppy")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match=match):
        registry.load()
    assert record_of(registry, "sloppy").status == "failed"
    assert registry.get("twice") is Sin


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"arity": 2}, "arity=2, but Sin.forward takes 1"),
        ({"arity": -2}, "has arity -2"),
        ({"arity": 1, "name": "not an identifier"}, "must be an identifier"),
        ({"arity": 1, "samples": [1, 2]}, "samples must be a function"),
        ({"arity": 1, "priority": "high"}, "priority must be an int"),
    ],
)
def test_invalid_registrations_are_rejected(options: dict[str, object], match: str) -> None:
    name = options.pop("name", "twice")

    def register(registrar: Registrar) -> None:
        registrar.register(name, Sin, description="2x", **options)  # type: ignore[arg-type]  # the fault under test

    registry = Registry([source(register, "sloppy")], settings=SETTINGS)
    with pytest.warns(PluginWarning, match=match):
        registry.load()


def test_a_name_registered_twice_is_an_error_naming_both_origins() -> None:
    one = source(registering("scale", Sin), "one", distribution="scale-a", version="1.2")
    two = source(registering("scale", Cos), "two", distribution="scale-b", version="0.3")
    registry = Registry([one, two], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="'scale' is registered by 2 plugins"):
        registry.load()
    with pytest.raises(RegistrationError) as info:
        registry.get("scale")
    message = str(info.value)
    for origin in ("scale-a 1.2", "scale-b 0.3", "'one'", "'two'", "Sin", "Cos"):
        assert origin in message
    assert "override=True" in message  # and says how to replace an op on purpose


def test_a_clash_with_a_builtin_keeps_the_builtin() -> None:
    builtin = source(registering("scale", Sin), "family", distribution="plugrad")
    rival = source(registering("scale", Cos), "rival", distribution="rival-ops")
    registry = Registry([rival, builtin], settings=SETTINGS)
    with pytest.warns(PluginWarning, match="plugrad's own 'scale' stays in use"):
        registry.load()
    assert registry.get("scale") is Sin


def test_override_with_priority_wins_whatever_the_order() -> None:
    plain = source(registering("scale", Sin), "plain", distribution="plain-ops")
    low = source(registering("scale", Cos, override=True, priority=1), "low", "low-ops")
    high = source(registering("scale", Sin, override=True, priority=5), "high", "zz-high-ops")
    for order in itertools.permutations([plain, low, high]):
        registry = Registry(order, settings=SETTINGS)
        assert registry.record("scale").origin.entry_point == "high"
        shadowed = [r.origin.entry_point for r in registry.shadowed["scale"]]
        assert shadowed == ["low", "plain"]


def test_an_override_tie_is_an_error() -> None:
    a = source(registering("scale", Sin, override=True, priority=3), "a", "a-ops")
    b = source(registering("scale", Cos, override=True, priority=3), "b", "b-ops")
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
    with pytest.raises(LookupError, match="python -m plugrad plugins"):
        registry.get("completely_different")


def test_calling_an_op_while_plugins_load_is_a_clear_error() -> None:
    from plugrad.functions import square

    def register(registrar: Registrar) -> None:
        square(np.array(2.0))  # an op call at registration time

    registry = Registry([source(register, "eager")], settings=SETTINGS)
    with (
        pytest.warns(PluginWarning, match="while plugrad was still loading"),
        use_registry(registry),
    ):
        pass


@pytest.mark.parametrize(
    ("cls", "error", "match"),
    [
        (TwoGradients, TypeError, "backward returned 2 gradient"),
        (WrongShape, ValueError, r"gradient of shape \(\) for input 0, whose shape is \(2, 3\)"),
    ],
)
def test_a_wrong_backward_is_an_engine_error_naming_op_and_plugin(
    cls: type[AnyFunction], error: type[Exception], match: str
) -> None:
    plugin = source(registering("buggy", cls), "bugs", "bug-ops", "6.6")
    with use_registry(Registry([plugin], settings=SETTINGS)) as registry:
        x = Variable(np.ones((2, 3)))
        y = registry.get("buggy")().apply(x)[0]
        with pytest.raises(error, match=match) as info:
            y.backward()
    message = str(info.value)
    assert "op 'buggy'" in message
    assert "plugin 'bugs' (bug-ops 6.6" in message
