"""Threads: a switch set in one thread (grad mode, train mode, the registry) leaves every other
thread as it was; work running at the same time on separate graphs, models and files gives
each thread its own right answer; a failure in one thread changes nothing in another."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator
from pathlib import Path

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Function, Variable, no_grad, test_mode, using_config
from plugrad.core.config import is_grad_enabled, is_train
from plugrad.models import MLP
from plugrad.ops.arithmetic import Add
from plugrad.registry import LoadSettings, Registry, resolve, use_registry
from plugrad.testing import fake_plugin
from plugrad.typing import Array
from tests.registry.helpers import Twice, registering

TIMEOUT = 10.0


def _twice_registry() -> Registry:
    plugin = fake_plugin(registering(Twice), name="twice", distribution="twice-ops")
    return Registry.from_plugins(plugin, settings=LoadSettings())


def _records_a_graph() -> bool:
    return (Variable(np.ones(2)) * 2.0).creator is not None


def _dropout_is_active() -> bool:
    return bool(np.any(F.dropout(Variable(np.ones(1000)), 0.5).data == 0.0))


@contextlib.contextmanager
def _registry_with_twice() -> Generator[None]:
    with use_registry(_twice_registry()):
        yield


def _sees_twice() -> bool:
    from plugrad.registry import active_registry

    return "twice" in active_registry().classes


# Each row: a switch entered in a worker thread, and what it changes there; the main thread,
# running at the same time, must see the default.
SWITCHES = [
    pytest.param(no_grad, _records_a_graph, True, id="no_grad"),
    pytest.param(
        lambda: using_config("enable_backprop", False), is_grad_enabled, True, id="enable_backprop"
    ),
    pytest.param(test_mode, _dropout_is_active, True, id="test_mode"),
    pytest.param(lambda: using_config("train", False), is_train, True, id="train"),
    pytest.param(_registry_with_twice, _sees_twice, False, id="use_registry"),
]


@pytest.mark.parametrize(("switch", "observe", "default"), SWITCHES)
def test_a_switch_in_one_thread_leaves_the_others_alone(
    switch: Callable[[], contextlib.AbstractContextManager[None]],
    observe: Callable[[], bool],
    default: bool,
) -> None:
    inside = threading.Event()
    release = threading.Event()
    seen: dict[str, object] = {}

    def worker() -> None:
        try:
            with switch():
                seen["worker"] = observe()
                inside.set()
                release.wait(TIMEOUT)
        except Exception as exc:  # reported below: an assert in a thread would be lost
            seen["error"] = exc
            inside.set()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert inside.wait(TIMEOUT)
        assert observe() is default  # the main thread, while the worker is inside
    finally:
        release.set()
        thread.join(TIMEOUT)
    assert "error" not in seen, seen.get("error")
    assert seen["worker"] is (not default)
    assert observe() is default


def _run_together(work: Callable[[int], object], count: int = 4) -> list[object]:
    """``work(i)`` in ``count`` threads started together; their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait(TIMEOUT)
        try:
            results[i] = work(i)
        except BaseException as exc:  # returned for the test to check
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    return results


def _gradient_of_cube(i: int) -> float:
    total = 0.0
    for _ in range(50):
        x = Variable(np.array(float(i + 1)))
        y = x * x * x + F.sin(x) * 0.0
        y.backward()
        assert x.grad is not None
        total = float(x.grad.data)
    return total


class _Fails(Function[Array], name="_fails_in_backward"):
    """y = x; its derivative raises."""

    def forward(self, x: Array) -> Array:
        return x.copy()

    def vjp(self, x: Array, gy: Array) -> Array:
        raise RuntimeError("the rule failed")


def _fails_or_differentiates(i: int) -> object:
    x = Variable(np.array(2.0))
    y = _Fails()(x * 1.0) if i % 2 else x * x
    y.backward()
    assert x.grad is not None
    return float(x.grad.data)


def _concurrent(
    label: str, work: Callable[[int], object], expected: Callable[[int, object], bool]
) -> object:
    """A row: ``work(i)`` run in each thread ``i`` at once; ``expected(i, result)`` holds."""
    return pytest.param(work, expected, id=label)


CONCURRENT = [
    _concurrent("separate graphs", _gradient_of_cube, lambda i, r: r == 3.0 * (i + 1) ** 2),
    _concurrent(
        "a failure beside a success",
        _fails_or_differentiates,
        lambda i, r: isinstance(r, RuntimeError) if i % 2 else r == 4.0,
    ),
]


@pytest.mark.parametrize(("work", "expected"), CONCURRENT)
def test_work_at_the_same_time_gives_each_thread_its_answer(
    work: Callable[[int], object], expected: Callable[[int, object], bool]
) -> None:
    results = _run_together(work)
    for i, result in enumerate(results):
        assert expected(i, result), (i, result)


def test_first_op_calls_from_threads_discover_plugins_once() -> None:
    registry = _twice_registry()  # not loaded yet: the threads' first calls load it

    def work(i: int) -> object:
        with use_registry(registry):  # a thread starts with its own context: enter it there
            return float(F.add(Variable(np.array(float(i))), Variable(np.array(1.0))).data)

    assert _run_together(work, count=8) == [i + 1.0 for i in range(8)]
    assert registry.loaded
    assert [p.origin.entry_point for p in registry.plugin_records()].count("twice") == 1


def test_saving_one_file_from_threads_leaves_one_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "w.npz"
    models: list[MLP] = []
    for seed in range(4):
        np.random.seed(seed)
        model = MLP((3, 2))
        model(np.zeros((1, 2), dtype=np.float32))
        models.append(model)
    results = _run_together(lambda i: models[i].save_weights(target))
    assert results == [None] * 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]  # no temporary files
    loaded = MLP((3, 2))
    loaded.load_weights(target)
    candidates = [[p.data.tolist() for p in m.params()] for m in models]
    assert [p.data.tolist() for p in loaded.params()] in candidates  # one of them, whole


def test_registries_in_threads_resolve_independently() -> None:
    registry = _twice_registry()

    def work(i: int) -> object:
        if i % 2:
            with use_registry(registry):
                return resolve(Add) is Add and _sees_twice()
        return resolve(Add) is Add and not _sees_twice()

    assert _run_together(work) == [True] * 4
