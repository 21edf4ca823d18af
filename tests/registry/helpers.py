"""Shared by the registry's tests: fake plugins that register one op each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plugrad.core.function import AnyFunction
from plugrad.plugin import Registrar
from plugrad.registry import PluginSource, fake_plugin

Register = Callable[[Registrar], None]


def registering(op_name: str, cls: type[AnyFunction], **options: Any) -> Register:
    """A hook body that registers ``cls`` (a one-input op) as ``op_name``."""

    def register(registrar: Registrar) -> None:
        registrar.register(op_name, cls, arity=1, description="test op", **options)

    return register


def source(
    register: Register, name: str, distribution: str = "dist-a", version: str = "1.0"
) -> PluginSource:
    return fake_plugin(register, name=name, distribution=distribution, version=version)
