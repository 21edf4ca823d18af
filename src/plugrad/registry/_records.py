"""Plain records of what discovery found: where each op came from, and how each plugin fared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from plugrad.plugin import OpSpec

PluginStatus = Literal["loaded", "failed", "blocked", "disabled"]


@dataclass(frozen=True)
class Origin:
    """Which plugin an op came from."""

    entry_point: str  # the entry point's name
    value: str  # what it points at, ``module`` or ``module:attr``
    distribution: str
    version: str

    def __str__(self) -> str:
        return f"plugin {self.entry_point!r} ({self.distribution} {self.version}, {self.value})"


@dataclass(frozen=True)
class OpRecord:
    """A registered op: its spec and its origin."""

    spec: OpSpec
    origin: Origin

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class PluginRecord:
    """One entry point and what became of it."""

    origin: Origin
    status: PluginStatus
    reason: str = ""
    ops: list[str] = field(default_factory=list)
