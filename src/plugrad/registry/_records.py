"""Plain records of what discovery found: where each op came from, and how each plugin fared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from plugrad.plugin import OpSpec

# The distribution whose entry points are plugrad's own op families: they always load.
BUILTIN_DISTRIBUTION: Final = "plugrad"

# loaded: its hook ran and registered ops.  failed: import or hook raised (reason says why).
# empty: it loaded but registered no op (no hook found, or a hook that registers nothing).
# blocked: named in PLUGRAD_BLOCK_PLUGINS.  disabled: autoload is off, or it is not in
# PLUGRAD_PLUGINS.
PluginStatus = Literal["loaded", "failed", "empty", "blocked", "disabled"]


@dataclass(frozen=True)
class Origin:
    """Which plugin an op came from: its entry point and distribution."""

    entry_point: str  # the entry point's name
    value: str  # what it points at, ``module`` or ``module:attr``
    distribution: str
    version: str

    @property
    def builtin(self) -> bool:
        """Whether this is one of plugrad's own op families."""
        return self.distribution == BUILTIN_DISTRIBUTION

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
    reason: str = ""  # one line: why it failed, is empty, was blocked or disabled
    ops: list[str] = field(default_factory=list[str])  # the op names it registered
    error: BaseException | None = None  # the original exception of a failed plugin
    details: str = ""  # a failed plugin's full traceback
    # The names a failed plugin registered before it raised (none of them is in the registry):
    # an unknown-op error for one of them can say which plugin would have provided it.
    attempted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clash:
    """One op name that several plugins registered and no rule could settle."""

    name: str
    candidates: tuple[OpRecord, ...]
    message: str
