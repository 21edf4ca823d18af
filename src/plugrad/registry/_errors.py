"""Errors the registry raises, and how its complaints reach a program: warning or error."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from typing import Final


class RegistryError(Exception):
    """Base class of the registry's errors."""


class RegistrationError(RegistryError):
    """A plugin registered something invalid, or a name clash that cannot be resolved."""


class PluginLoadError(RegistryError):
    """A plugin failed to load or register (raised instead of warned about in strict mode)."""


class UnknownOpError(RegistryError, LookupError):
    """No op is registered under the requested name."""


class PluginWarning(UserWarning):
    """A plugin failed, registered nothing or clashed; the rest of plugrad keeps working."""


# Tracebacks and pytest's summaries name them by their public home, not this private module.
for _public in (RegistryError, RegistrationError, PluginLoadError, UnknownOpError, PluginWarning):
    _public.__module__ = "plugrad.registry"

# Warnings point at the first frame outside this package (and ``with`` machinery): the user's
# line that made the first op call, not the registry's internals.
_INTERNAL: Final = (
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
    contextlib.__file__,
)


def warn(message: str) -> None:
    """Issue ``message`` as a ``PluginWarning`` attributed to the caller outside plugrad."""
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    warnings.warn(message, PluginWarning, stacklevel=level)


def complain(
    message: str,
    *,
    strict: bool,
    error: type[RegistryError] = RegistrationError,
    cause: BaseException | None = None,
) -> None:
    """Warn with ``message``; in strict mode raise ``error``, saying what strict mode did."""
    if strict:
        raise error(f"{message} {strict_note()}") from cause
    warn(message)


def strict_note() -> str:
    """What strict mode did, for the end of its error messages."""
    from plugrad.registry._settings import STRICT_ENV

    return f"({STRICT_ENV}=1 made this an error instead of a warning.)"
