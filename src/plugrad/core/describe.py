"""How error messages name an op: ``op 'add' (Add) from plugin 'arithmetic' (plugrad 0.2.0)``.

The registry writes each op's name and origin here when it loads a plugin, so the engine and
``Function`` can name ops in their errors without importing the registry (the core imports
nothing above it).
"""

from __future__ import annotations

from typing import Final

from plugrad.typing import AnyFunction

# Written by the registry at discovery; read only when an error message is built.
_labels: Final[dict[type[AnyFunction], str]] = {}


def set_label(cls: type[AnyFunction], label: str) -> None:
    """Record how messages should name ``cls`` (the registry calls this)."""
    _labels[cls] = label


def describe(func: AnyFunction | type[AnyFunction]) -> str:
    """The op's name and origin, for error messages."""
    cls = func if isinstance(func, type) else type(func)
    label = _labels.get(cls)
    if label is not None:
        return label
    return f"op {cls.__name__} (not registered; defined in {cls.__module__})"
