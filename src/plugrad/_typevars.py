"""``TypeVar`` and ``ParamSpec`` with defaults (PEP 696) on every Python plugrad supports.

Type checkers read ``typing_extensions``' (whose stubs they ship), so ``Layer`` and ``Dataset``
written without type arguments mean ``Layer[..., Any]`` and ``Dataset[Any, Any]``.  At run time
a default plays no part, and Python 3.11 and 3.12's ``typing`` do not take one: these drop it,
so plugrad does not depend on ``typing_extensions``.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import ParamSpec as ParamSpec
    from typing_extensions import TypeVar as TypeVar
else:

    def TypeVar(name, *constraints, default=None, **options):  # noqa: N802  # typing's name
        return typing.TypeVar(name, *constraints, **options)

    def ParamSpec(name, *, default=None, **options):  # noqa: N802  # typing's name
        return typing.ParamSpec(name, **options)


__all__ = ["ParamSpec", "TypeVar"]
