"""``plugrad new-plugin``: a complete, typed op-plugin distribution, ready to install and test.

``new_plugin("plugrad-hyperbolic", parent)`` creates ``parent/plugrad-hyperbolic/``: a
``pyproject.toml`` with the entry point, the package ``src/plugrad_hyperbolic/`` (``py.typed``,
one example op with samples and a typed wrapper, the registration hook), tests that use the
kit's one-liner, strict mypy settings and a README saying how to build, test and publish.

The templates are the new distribution's files themselves, under ``plugrad/templates/plugin``
(shipped in the wheel as package data): each ``NAME.tmpl`` becomes ``NAME``, the folder
``PACKAGE`` becomes the package, ``gitignore`` becomes ``.gitignore``, and ``{{placeholder}}``
takes the values ``PluginNames`` derives from the distribution's name.
"""

from __future__ import annotations

import keyword
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

import plugrad

# A valid distribution name (PEP 508, the core metadata's "Name" field).
_DISTRIBUTION: Final = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_PLACEHOLDER: Final = re.compile(r"\{\{(\w+)\}\}")
_SUFFIX: Final = ".tmpl"
_RENAMED: Final = {"gitignore": ".gitignore"}


class ScaffoldError(ValueError):
    """The plugin cannot be created: a bad name, or a folder that exists."""


@dataclass(frozen=True)
class PluginNames:
    """The names a new plugin is made of, all derived from its distribution's name.

    ``plugrad-hyperbolic`` gives the package ``plugrad_hyperbolic`` and the namespace
    ``hyperbolic``, which is both the entry point's (the plugin's) name and the prefix of its
    op names (``hyperbolic.log_cosh``).
    """

    distribution: str
    package: str
    namespace: str

    @classmethod
    def of(cls, distribution: str) -> PluginNames:
        """Derive the names; ``ScaffoldError`` says why a name cannot be a plugin's."""
        if not _DISTRIBUTION.match(distribution):
            raise ScaffoldError(
                f"{distribution!r} is not a valid distribution name: use letters, digits and "
                "'-', '_' or '.' between them (such as 'plugrad-hyperbolic')"
            )
        package = re.sub(r"[-.]+", "_", distribution).lower()
        if not package.isidentifier() or keyword.iskeyword(package):
            raise ScaffoldError(
                f"{distribution!r} would give the package name {package!r}, which is not a "
                "Python identifier; start the name with a letter"
            )
        if package == "plugrad":
            raise ScaffoldError(f"{distribution!r} is plugrad's own name; choose another")
        return cls(distribution, package, namespace=package.removeprefix("plugrad_"))

    def placeholders(self) -> dict[str, str]:
        major, minor, *_ = plugrad.__version__.split(".")
        return {
            "distribution": self.distribution,
            "package": self.package,
            "namespace": self.namespace,
            "plugrad_requirement": f"plugrad>={major}.{minor}",
        }


def new_plugin(distribution: str, parent: str | os.PathLike[str] = ".") -> Path:
    """Create ``parent/distribution/``, the new plugin's distribution; return its path.

    Refuses a folder that exists (nothing is ever overwritten) and an invalid name.  The files
    are written into a temporary folder beside the target and renamed into place at the end,
    so a failure never leaves half a plugin behind.
    """
    names = PluginNames.of(distribution)
    base = Path(parent)
    target = base / distribution
    if target.exists():
        raise ScaffoldError(f"{target} already exists; new-plugin never overwrites a folder")
    if not base.is_dir():
        raise ScaffoldError(f"{base} is not a folder")
    rendered = render(names)
    staging = base / f".{distribution}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        for relative, text in rendered.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def render(names: PluginNames) -> dict[str, str]:
    """The new distribution's files: relative path -> text."""
    values = names.placeholders()
    rendered: dict[str, str] = {}
    for relative, template in _templates(files("plugrad") / "templates" / "plugin", ()):
        parts = [
            names.package if part == "PACKAGE" else _RENAMED.get(part, part) for part in relative
        ]
        rendered["/".join(parts)] = _fill(template.read_text(encoding="utf-8"), values, relative)
    return rendered


def _templates(
    folder: Traversable, relative: tuple[str, ...]
) -> list[tuple[tuple[str, ...], Traversable]]:
    found: list[tuple[tuple[str, ...], Traversable]] = []
    for item in sorted(folder.iterdir(), key=lambda item: item.name):
        if item.is_dir():
            if item.name != "__pycache__":
                found.extend(_templates(item, (*relative, item.name)))
        elif item.name.endswith(_SUFFIX):
            found.append(((*relative, item.name.removesuffix(_SUFFIX)), item))
    return found


def _fill(text: str, values: dict[str, str], relative: tuple[str, ...]) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {'/'.join(relative)} uses unknown {{{{{key}}}}}")
        return values[key]

    return _PLACEHOLDER.sub(value, text)


def next_steps(target: Path, names: PluginNames) -> str:
    """What to do after ``new_plugin``: the lines the CLI prints."""
    return "\n".join(
        [
            f"Created {target}: plugin {names.namespace!r} of distribution "
            f"{names.distribution}, with the example op {names.namespace}.log_cosh.",
            "Next:",
            f"  cd {target}",
            '  pip install -e ".[dev]"     # the entry point exists once installed',
            "  pytest                      # the test kit over every op of the plugin",
            "  mypy                        # strict, over src and tests",
            "  plugrad plugins             # lists the plugin and its ops",
            "README.md says how to build and publish it.",
        ]
    )
