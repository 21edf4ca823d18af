"""Shared by the registry's tests: op classes declared under test names, and fake plugins."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

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


def install_fake_distribution(
    root: Path,
    name: str,
    *,
    version: str = "1.0",
    entry_points: dict[str, str],
    files: dict[str, str],
) -> None:
    """Lay out an "installed" distribution under ``root`` (a ``sys.path`` entry): its modules
    and a ``.dist-info`` folder whose ``entry_points.txt`` names them in plugrad's group.

    ``importlib.metadata`` finds it like any installed distribution, so discovery, the CLI
    and the kit see a real entry point, without pip.
    """
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = [f"{ep} = {value}" for ep, value in entry_points.items()]
    (info / "entry_points.txt").write_text("[plugrad.plugins]\n" + "\n".join(lines) + "\n")


BROKEN_PLUGIN = {"broken_ops.py": "import no_such_module_anywhere\n"}
