"""Grad mode and train mode, held in context variables.

DeZero keeps these switches in a global class; plugrad keeps them in ``contextvars`` so that
``no_grad()`` in one thread (or one asyncio task) never changes another.  ``Config`` remains as a
readable, and settable, view for code written against DeZero (``Config.enable_backprop``,
``setattr(Config, "train", False)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from contextvars import ContextVar
from typing import Final

_enable_backprop: Final[ContextVar[bool]] = ContextVar("plugrad_enable_backprop", default=True)
_train: Final[ContextVar[bool]] = ContextVar("plugrad_train", default=True)

_SWITCHES: Final[dict[str, ContextVar[bool]]] = {
    "enable_backprop": _enable_backprop,
    "train": _train,
}


def _switch(name: str) -> ContextVar[bool]:
    try:
        return _SWITCHES[name]
    except KeyError:
        known = ", ".join(sorted(_SWITCHES))
        raise AttributeError(f"plugrad.Config has no setting {name!r}; known: {known}") from None


class _ConfigMeta(type):
    """Turns attribute access on ``Config`` into reads and writes of the context variables."""

    @property
    def enable_backprop(cls) -> bool:
        return _enable_backprop.get()

    @enable_backprop.setter
    def enable_backprop(cls, value: bool) -> None:
        _enable_backprop.set(bool(value))

    @property
    def train(cls) -> bool:
        return _train.get()

    @train.setter
    def train(cls, value: bool) -> None:
        _train.set(bool(value))


class Config(metaclass=_ConfigMeta):
    """DeZero's ``Config``: ``Config.enable_backprop`` and ``Config.train``, per context."""


def is_grad_enabled() -> bool:
    """True when ops record the graph for backpropagation."""
    return _enable_backprop.get()


def is_train() -> bool:
    """True in training mode (dropout active, batch norm updates its statistics)."""
    return _train.get()


@contextlib.contextmanager
def using_config(name: str, value: bool) -> Generator[None, None, None]:
    """Set one setting (``"enable_backprop"`` or ``"train"``) for the ``with`` block."""
    switch = _switch(name)
    token = switch.set(bool(value))
    try:
        yield
    finally:
        switch.reset(token)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Ops inside the block record no graph: for inference and parameter updates."""
    return using_config("enable_backprop", False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record the graph again inside a ``no_grad`` block."""
    return using_config("enable_backprop", True)


def test_mode() -> contextlib.AbstractContextManager[None]:
    """Evaluation mode: dropout passes values through, batch norm uses running statistics."""
    return using_config("train", False)


# pytest would otherwise try to collect ``test_mode`` when a test module imports it.
test_mode.__test__ = False  # type: ignore[attr-defined]  # pytest's documented opt-out flag
