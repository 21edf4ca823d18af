"""Which registry ops resolve from, and ``resolve`` itself: the registry's share of every op call.

This module stays light (no pluggy, no entry points, no records): ``import plugrad`` loads it
with the op modules, and the ``Registry`` class, with everything discovery needs, is imported
on the first lookup.  The registry in effect is held in a context variable, so ``use_registry``
changes it for the current thread (or asyncio task) only.
"""

from __future__ import annotations

import _thread
from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final, TypeVar

from plugrad.registry._errors import UnknownOpError

if TYPE_CHECKING:
    from plugrad.registry._table import Registry
    from plugrad.typing import AnyFunction

F = TypeVar("F", bound="AnyFunction")

# None until ``use_registry`` sets one: then the process-wide default, made on first use.
_active: Final[ContextVar[Registry | None]] = ContextVar("plugrad_registry", default=None)
_default: list[Registry] = []
_default_lock: Final = _thread.allocate_lock()  # _thread: threading costs ~1 ms to import


def _default_registry() -> Registry:
    if not _default:
        with _default_lock:
            if not _default:
                from plugrad.registry._table import Registry

                _default.append(Registry())
    return _default[0]


def active_registry() -> Registry:
    """The registry ops are resolved from (in this thread or task)."""
    return _active.get() or _default_registry()


def refresh() -> None:
    """Discover the installed plugins again, re-reading the ``PLUGRAD_*`` knobs."""
    active_registry().refresh()


def resolve(cls: type[F]) -> type[F]:
    """The class in use for ``cls``'s op name: ``cls`` itself, or a plugin's override of it."""
    winner = (_active.get() or _default_registry())._winners.get(cls)
    if winner is None:
        winner = _resolve_slowly(cls)
    # Not typing.cast: this runs on every op call, and cast is a function call.
    return winner  # type: ignore[return-value]  # registration checked it is a Function class


def _resolve_slowly(cls: type[AnyFunction]) -> type[AnyFunction]:
    """First lookup (discovery), or a class the registry does not know under that name."""
    registry = active_registry()
    registry.load()
    winner = registry._winners.get(cls)
    if winner is not None:
        return winner
    name = cls.op_name
    if name is None:
        raise UnknownOpError(
            f"{cls.__qualname__} declares no op name, so the registry cannot resolve it"
        )
    return registry.get(name)


@contextmanager
def use_registry(registry: Registry) -> Generator[Registry, None, None]:
    """Resolve ops from ``registry`` inside the block, in this thread or task only (for tests)."""
    registry.load()
    token = _active.set(registry)
    try:
        yield registry
    finally:
        _active.reset(token)


def describe_op(cls: type[AnyFunction]) -> str:
    """``op 'add' (Add) from plugin 'arithmetic' (plugrad 0.2.0, ...)``, for error messages."""
    return active_registry().describe(cls)
