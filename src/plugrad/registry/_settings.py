"""The environment knobs that decide which plugins load (modelled on pytest's)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

DISABLE_AUTOLOAD_ENV: Final = "PLUGRAD_DISABLE_PLUGIN_AUTOLOAD"
ALLOW_ENV: Final = "PLUGRAD_PLUGINS"
BLOCK_ENV: Final = "PLUGRAD_BLOCK_PLUGINS"
STRICT_ENV: Final = "PLUGRAD_STRICT_PLUGINS"

_TRUE: Final = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class LoadSettings:
    """Which third-party plugins load, and whether their faults are errors.

    plugrad's own op families load whatever these say.  A third-party plugin loads when it is
    named in ``allow`` or, when ``allow`` is None, when ``autoload`` is on; and it never loads
    when named in ``block``.  A plugin is named by its entry-point name, its distribution name,
    or ``distribution:entry_point``.  ``strict`` turns failures and clashes into errors.
    """

    autoload: bool = True
    allow: frozenset[str] | None = None
    block: frozenset[str] = frozenset()
    strict: bool = False

    def allows(self, names: frozenset[str]) -> bool:
        """Whether ``allow`` names a plugin known by ``names`` (from ``selectors``)."""
        return self.allow is not None and _matches(self.allow, names)

    def blocks(self, names: frozenset[str]) -> bool:
        return _matches(self.block, names)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LoadSettings:
        """Read the ``PLUGRAD_*`` variables (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        allow = env.get(ALLOW_ENV)
        return cls(
            autoload=not _flag(env.get(DISABLE_AUTOLOAD_ENV, "")),
            allow=None if allow is None or not allow.strip() else _names(allow),
            block=_names(env.get(BLOCK_ENV, "")),
            strict=_flag(env.get(STRICT_ENV, "")),
        )


def _flag(value: str) -> bool:
    return value.strip().lower() in _TRUE


def _names(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _matches(given: frozenset[str], names: frozenset[str]) -> bool:
    return any(normalize(name) in names for name in given)


def normalize(name: str) -> str:
    """``Plugrad_Special`` and ``plugrad-special`` name the same distribution (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def selectors(entry_point: str, distribution: str) -> frozenset[str]:
    """The (normalized) names by which a plugin can be allowed or blocked."""
    ep, dist = normalize(entry_point), normalize(distribution)
    return frozenset({ep, dist, f"{dist}:{ep}"})
