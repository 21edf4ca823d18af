"""Shared by the registry's tests: op classes declared under test names, and fake plugins."""

from __future__ import annotations

from collections.abc import Callable

from plugrad.ops.elementwise import Cos, Sin
from plugrad.plugin import Registrar
from plugrad.registry import PluginSource
from plugrad.testing import fake_plugin
from plugrad.typing import AnyFunction

Register = Callable[[Registrar], None]


class Twice(Sin, name="twice"):
    """y = sin(x), registered as 'twice'"""

    __slots__ = ()


class TwiceAgain(Sin, name="twice_again"):
    """y = sin(x), registered as 'twice_again'"""

    __slots__ = ()


class Thrice(Cos, name="thrice"):
    """y = cos(x), registered as 'thrice'"""

    __slots__ = ()


class SinScale(Sin, name="scale"):
    """y = sin(x), registered as 'scale'"""

    __slots__ = ()


class CosScale(Cos, name="scale"):
    """y = cos(x), registered as 'scale'"""

    __slots__ = ()


def registering(*classes: type[AnyFunction]) -> Register:
    """A hook body that registers ``classes``."""

    def register(registrar: Registrar) -> None:
        registrar.register(*classes)

    return register


def source(
    register: Register, name: str, distribution: str = "dist-a", version: str = "1.0"
) -> PluginSource:
    return fake_plugin(register, name=name, distribution=distribution, version=version)
