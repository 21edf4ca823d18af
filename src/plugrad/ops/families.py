"""plugrad's own op families as plugins, one entry point each (see ``pyproject.toml``).

Each family is registered exactly the way a third party's ops are: an entry point in the
``plugrad.plugins`` group names a plugin whose ``plugrad_register_ops`` hook hands the family's
module to the registrar.  The hooks live here rather than in the op modules so that importing
an op module (which ``import plugrad`` does) does not import pluggy: this module is loaded only
at plugin discovery, on the first op call.
"""

from __future__ import annotations

import importlib
from typing import Final

from plugrad.plugin import Registrar, hookimpl


class Family:
    """The plugin for one module of plugrad's ops."""

    def __init__(self, module: str) -> None:
        self.module = module

    @hookimpl
    def plugrad_register_ops(self, registrar: Registrar) -> None:
        importlib.import_module(self.module)
        registrar.register_module(self.module)

    def __repr__(self) -> str:
        return f"Family({self.module!r})"


arithmetic: Final = Family("plugrad.ops.arithmetic")
elementwise: Final = Family("plugrad.ops.elementwise")
shape: Final = Family("plugrad.ops.shape")
reduction: Final = Family("plugrad.ops.reduction")
linalg: Final = Family("plugrad.ops.linalg")
indexing: Final = Family("plugrad.ops.indexing")
activation: Final = Family("plugrad.ops.activation")
loss: Final = Family("plugrad.ops.loss")
nn: Final = Family("plugrad.ops.nn")
conv: Final = Family("plugrad.ops.conv")
pooling: Final = Family("plugrad.ops.pooling")
