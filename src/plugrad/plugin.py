"""The plugin contract: the hook, the registrar and the types an op plugin needs.

A plugin is a module (or an object) with a ``plugrad_register_ops`` hook implementation, named
by an entry point in the ``plugrad.plugins`` group of its distribution::

    [project.entry-points."plugrad.plugins"]
    special = "plugrad_special.ops"

Each op declares itself once, on its class statement (``OpOptions`` lists the keywords)::

    class Erf(Function[Array], name="special.erf", samples=unary(-2.0, 2.0)):
        '''y = erf(x);  dy/dx = 2 / sqrt(pi) * exp(-x**2)'''
        ...

and the hook hands the module's ops to the registrar::

    @hookimpl
    def plugrad_register_ops(registrar: Registrar) -> None:
        registrar.register_module(__name__)

plugrad calls the hook once, at discovery.  After that, calling an op never goes through
pluggy: the registry is a plain dict of classes.  docs/writing-a-plugin.md walks through it.
"""

from __future__ import annotations

from typing import Final, Protocol

import pluggy

from plugrad.core.spec import VARIADIC as VARIADIC
from plugrad.core.spec import OpOptions as OpOptions
from plugrad.core.spec import OpSpec as OpSpec
from plugrad.core.spec import Sample as Sample
from plugrad.core.spec import SampleFactory as SampleFactory
from plugrad.core.variable import data_of as data_of
from plugrad.typing import AnyFunction, Array, Operand, V

PROJECT: Final = "plugrad"
ENTRY_POINT_GROUP: Final = "plugrad.plugins"

hookspec: Final = pluggy.HookspecMarker(PROJECT)
hookimpl: Final = pluggy.HookimplMarker(PROJECT)


class Registrar(Protocol):
    """Handed to ``plugrad_register_ops``; collects the plugin's ops."""

    def register(self, *functions: type[AnyFunction]) -> None:
        """Register op classes, each under the name its class statement declares."""

    def register_module(self, module: str) -> None:
        """Register every op class defined in ``module`` (by name) that declares a name."""


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
    "VARIADIC",
    "Array",
    "OpOptions",
    "OpSpec",
    "Operand",
    "OpsPlugin",
    "PluginSpec",
    "Registrar",
    "Sample",
    "SampleFactory",
    "V",
    "data_of",
    "hookimpl",
    "hookspec",
]
