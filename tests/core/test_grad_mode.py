"""Grad mode and train mode: ``no_grad``, ``using_config``, ``test_mode``, ``Config``, threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from plugrad import Config, Variable, is_grad_enabled, is_train, no_grad, test_mode, using_config
from plugrad.functions import square


# Read through functions, so mypy does not narrow ``Config.enable_backprop`` to a literal
# across a ``with`` block that changes it.
def backprop_setting() -> bool:
    return Config.enable_backprop


def train_setting() -> bool:
    return Config.train


def test_defaults() -> None:
    assert Config.enable_backprop is True
    assert Config.train is True
    assert is_grad_enabled()
    assert is_train()


def test_no_grad_records_no_graph() -> None:
    x = Variable(np.array(2.0))
    with no_grad():
        assert backprop_setting() is False
        y = square(x)
    assert y.data == 4.0
    assert y.creator is None
    assert y.generation == 0
    assert backprop_setting() is True
    assert square(x).creator is not None


def test_using_config_enable_backprop() -> None:
    x = Variable(np.array(2.0))
    with using_config("enable_backprop", False):
        assert not is_grad_enabled()
        y = square(square(x))
    assert y.creator is None
    y.backward()  # a leaf now
    assert x.grad is None


def test_using_config_restores_on_error() -> None:
    with pytest.raises(RuntimeError), using_config("enable_backprop", False):
        raise RuntimeError("boom")
    assert backprop_setting() is True


def test_nested_modes() -> None:
    with no_grad():
        with using_config("enable_backprop", True):
            assert backprop_setting() is True
        assert backprop_setting() is False
    assert backprop_setting() is True


def test_test_mode() -> None:
    with test_mode():
        assert train_setting() is False
        assert not is_train()
        assert backprop_setting() is True  # test mode does not switch off the graph
    assert train_setting() is True
    with using_config("train", False):
        assert train_setting() is False
    assert train_setting() is True


def test_unknown_setting_is_an_error_naming_the_known_ones() -> None:
    with (
        pytest.raises(AttributeError, match=r"enable_backprop.*train"),
        using_config("trian", True),
    ):
        pass


def test_setattr_on_config_as_dezero_code_does() -> None:
    try:
        setattr(Config, "enable_backprop", False)  # noqa: B010  # DeZero's own idiom
        assert backprop_setting() is False
        assert square(Variable(np.array(1.0))).creator is None
        Config.train = False
        assert is_train() is False
    finally:
        Config.enable_backprop = True
        Config.train = True
    assert square(Variable(np.array(1.0))).creator is not None


def test_no_grad_in_one_thread_does_not_affect_another() -> None:
    inside = threading.Event()
    checked = threading.Event()
    seen: dict[str, object] = {}

    def quiet() -> None:
        with no_grad():
            inside.set()
            checked.wait(timeout=10)
            seen["quiet_enable_backprop"] = Config.enable_backprop
            seen["quiet_creator"] = square(Variable(np.array(1.0))).creator

    def busy() -> None:
        inside.wait(timeout=10)
        seen["busy_enable_backprop"] = Config.enable_backprop
        seen["busy_creator"] = square(Variable(np.array(1.0))).creator
        checked.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=busy)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert inside.is_set()
    assert checked.is_set()
    assert seen["busy_enable_backprop"] is True
    assert seen["busy_creator"] is not None
    assert seen["quiet_enable_backprop"] is False
    assert seen["quiet_creator"] is None
    assert backprop_setting() is True  # the main thread was never touched


def test_test_mode_in_one_thread_does_not_affect_another() -> None:
    inside = threading.Event()
    done = threading.Event()
    seen: list[bool] = []

    def evaluate() -> None:
        with test_mode():
            inside.set()
            done.wait(timeout=10)

    thread = threading.Thread(target=evaluate)
    thread.start()
    inside.wait(timeout=10)
    seen.append(Config.train)
    done.set()
    thread.join(timeout=20)
    assert seen == [True]
