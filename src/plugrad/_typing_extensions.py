"""``typing_extensions``' ``TypeVar``, ``ParamSpec`` and ``deprecated`` on every Python plugrad
supports, without depending on ``typing_extensions`` at run time.

Type checkers read ``typing_extensions``' (whose stubs they ship):

- ``TypeVar`` and ``ParamSpec`` with defaults (PEP 696), so ``Layer`` and ``Dataset`` written
  without type arguments mean ``Layer[..., Any]`` and ``Dataset[Any, Any]``.  At run time a
  default plays no part, and Python 3.11 and 3.12's ``typing`` do not take one: these drop it.
- ``deprecated`` (PEP 702), which plugrad puts on ``@overload`` signatures only, to mark
  arguments the type system cannot exclude but the run time refuses: ``bool`` is a subtype of
  ``int``, so ``x + True`` matches ``Operand``; an overload for ``bool`` marked ``deprecated``
  is reported by pyright (``reportDeprecated``, an error in strict mode) and by mypy (error
  code ``deprecated``, which mypy leaves off unless enabled).  Overload signatures never run,
  so at run time the decorator returns its function unchanged.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import ParamSpec as ParamSpec
    from typing_extensions import TypeVar as TypeVar
    from typing_extensions import deprecated as deprecated
else:

    def TypeVar(name, *constraints, default=None, **options):  # noqa: N802  # typing's name
        return typing.TypeVar(name, *constraints, **options)

    def ParamSpec(name, *, default=None, **options):  # noqa: N802  # typing's name
        return typing.ParamSpec(name, **options)

    def deprecated(message, /, *, category=DeprecationWarning, stacklevel=1):
        return lambda overload_signature: overload_signature


__all__ = ["ParamSpec", "TypeVar", "deprecated"]
