"""A registry in effect is private to its thread (or task), and its tables cannot be edited."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from plugrad import Variable
from plugrad.ops.arithmetic import Add
from plugrad.registry import LoadSettings, Registry, active_registry, resolve, use_registry
from plugrad.testing import fake_plugin
from plugrad.typing import Array
from tests.registry.helpers import Twice, registering, source


class OffByOneAdd(Add, name="add", override=True, priority=1):
    """y = x0 + x1 + 1 (an override anyone would notice)"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> Array:
        return x0 + x1 + 1.0


def off_by_one() -> Registry:
    plugin = fake_plugin(lambda r: r.register(OffByOneAdd), name="off", distribution="off-ops")
    return Registry.from_plugins(plugin, settings=LoadSettings())


def plus(a: float, b: float) -> float:
    return float((Variable(np.array(a)) + Variable(np.array(b))).data)


def test_use_registry_changes_resolution_in_its_own_thread_only() -> None:
    registry = off_by_one()
    inside = threading.Event()
    done = threading.Event()
    seen: dict[str, object] = {}

    def other_thread() -> None:
        inside.wait(timeout=10)
        try:  # runs while the main thread is inside use_registry
            seen["registry"] = active_registry()
            seen["class"] = resolve(Add)
            seen["sum"] = plus(1.0, 2.0)
        except Exception as exc:  # reported below: an assert here would be lost in the thread
            seen["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with use_registry(registry):
        assert resolve(Add) is OffByOneAdd
        assert plus(1.0, 2.0) == 4.0  # `+` resolves through this thread's registry
        inside.set()
        assert done.wait(timeout=10)
        assert plus(1.0, 2.0) == 4.0  # and the other thread changed nothing here
    worker.join(timeout=10)
    assert "error" not in seen, seen.get("error")
    assert seen["registry"] is not registry
    assert seen["class"] is Add
    assert seen["sum"] == 3.0
    assert plus(1.0, 2.0) == 3.0  # restored on leaving the block


def test_a_registry_set_in_another_thread_does_not_leak_here() -> None:
    registry = off_by_one()
    entered = threading.Event()
    release = threading.Event()

    def other_thread() -> None:
        with use_registry(registry):
            entered.set()
            release.wait(timeout=10)

    worker = threading.Thread(target=other_thread)
    worker.start()
    try:
        assert entered.wait(timeout=10)
        assert active_registry() is not registry
        assert resolve(Add) is Add
        assert plus(1.0, 2.0) == 3.0
    finally:
        release.set()
        worker.join(timeout=10)


@pytest.mark.parametrize("table", ["classes", "records", "shadowed"])
def test_the_registry_tables_are_read_only(table: str) -> None:
    registry = Registry([source(registering(Twice), "healthy")], settings=LoadSettings())
    registry.load()
    mapping = getattr(registry, table)
    with pytest.raises(TypeError, match="does not support item assignment"):
        mapping["twice"] = Twice
    with pytest.raises(TypeError):
        del mapping["twice"]
    assert registry.get("twice") is Twice


def test_the_plugin_and_clash_lists_are_tuples() -> None:
    registry = Registry([source(registering(Twice), "healthy")], settings=LoadSettings())
    registry.load()
    assert isinstance(registry.plugins, tuple)
    assert isinstance(registry.clashes, tuple)
