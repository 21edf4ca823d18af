"""The plugin contract: the hook, the registrar and the types an op plugin needs.

(Besides this module, a plugin uses ``plugrad.Function`` and ``plugrad.Variable`` for its ops,
``plugrad.functions`` inside differentiable backwards, ``plugrad.registry.resolve`` in its
typed wrappers, and ``plugrad.testing`` in its tests.)

A plugin is a module (or an object) with a ``plugrad_register_ops`` hook implementation, named
by an entry point in the ``plugrad.plugins`` group of its distribution::

    [project.entry-points."plugrad.plugins"]
    special = "plugrad_special.ops"

plugrad calls the hook once, at discovery, with a ``Registrar``; the plugin registers its
``Function`` classes with the metadata the test kit needs, under names namespaced by the plugin
(``special.erf``).  After that, calling an op never goes through pluggy: the registry is a plain
dict of classes.  docs/writing-a-plugin.md walks through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Protocol, TypeAlias

import numpy as np
import pluggy

from plugrad._typing import Array as Array
from plugrad._typing import Operand as Operand

if TYPE_CHECKING:
    from plugrad.core.function import AnyFunction

PROJECT: Final = "plugrad"
ENTRY_POINT_GROUP: Final = "plugrad.plugins"

hookspec: Final = pluggy.HookspecMarker(PROJECT)
hookimpl: Final = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class Sample:
    """One call of an op for the test kit: its inputs and, if it takes arguments, a builder.

    ``make`` builds the op instance (for ops with constructor arguments such as an axis);
    without it the op's class is called with no arguments.  ``reference``, when given,
    computes the expected forward result from the same inputs.
    """

    inputs: tuple[Array, ...]
    make: Callable[[], AnyFunction] | None = None
    reference: Callable[..., Array | tuple[Array, ...]] | None = None
    label: str = ""


# A string alias: evaluating ``np.random`` here would import numpy.random (~10 ms) at
# ``import plugrad`` time, for an annotation.
SampleFactory: TypeAlias = "Callable[[np.random.Generator], Sequence[Sample]]"


@dataclass(frozen=True)
class OpSpec:
    """What a plugin says about one op when it registers it."""

    name: str
    function: type[AnyFunction]
    arity: int  # number of inputs; -1 for a variadic op
    description: str
    samples: SampleFactory | None = None
    double_backward: bool = True
    override: bool = False
    priority: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)


class Registrar(Protocol):
    """Handed to ``plugrad_register_ops``; collects the plugin's ops."""

    def register(
        self,
        name: str,
        function: type[AnyFunction],
        *,
        arity: int,
        description: str,
        samples: SampleFactory | None = None,
        double_backward: bool = True,
        override: bool = False,
        priority: int = 0,
    ) -> None:
        """Register ``function`` under ``name``.

        ``override=True`` replaces an op of the same name from another plugin; of several
        overrides the highest ``priority`` wins (a tie is an error), so the outcome never
        depends on install order.
        """


class PluginSpec:
    """The hook specification.  A class-based plugin may subclass it, so mypy checks it."""

    @hookspec
    def plugrad_register_ops(self, registrar: Registrar) -> None:
        """Register this plugin's ops with ``registrar.register(...)``."""


class OpsPlugin(Protocol):
    """A module-level plugin; check yours with ``plugin: OpsPlugin = your_module``."""

    def plugrad_register_ops(self, registrar: Registrar) -> None: ...


__all__ = [
    "ENTRY_POINT_GROUP",
    "PROJECT",
    "Array",
    "Operand",
    "OpSpec",
    "OpsPlugin",
    "PluginSpec",
    "Registrar",
    "Sample",
    "SampleFactory",
    "hookimpl",
    "hookspec",
]
