"""Errors the registry raises."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of the registry's errors."""


class RegistrationError(RegistryError):
    """A plugin registered something invalid, or a name clash that cannot be resolved."""


class PluginLoadError(RegistryError):
    """A plugin failed to load or register (raised instead of warned about in strict mode)."""


class UnknownOpError(RegistryError, LookupError):
    """No op is registered under the requested name."""


class PluginWarning(UserWarning):
    """A plugin failed and was skipped; the rest of plugrad keeps working."""
