"""The table behind ``Variable``'s operators and tensor methods.

The core knows no op: ``x + y`` calls ``operators.add(x, y)``, and ``plugrad.ops`` fills this
table with its typed wrappers when it loads (DeZero's ``setup_variable``, without patching
``Variable`` itself).  ``import plugrad`` loads the op layer, so the table is always full for
users; a missing entry is an error that says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from plugrad.core.variable import Variable
    from plugrad.typing import Axes, IndexKey, Number, Operand, ShapeLike

Binary: TypeAlias = "Callable[[Operand, Operand], Variable]"
Reduction: TypeAlias = "Callable[[Operand, Axes | None, bool], Variable]"


class OperatorTable:
    """The op wrappers ``Variable`` delegates to; each entry is set once by the op layer."""

    __slots__ = (
        "add",
        "div",
        "get_item",
        "matmul",
        "max",
        "min",
        "mul",
        "neg",
        "pow",
        "rdiv",
        "reshape",
        "rsub",
        "sub",
        "sum",
        "transpose",
    )

    add: Binary
    sub: Binary
    rsub: Binary
    mul: Binary
    div: Binary
    rdiv: Binary
    matmul: Binary
    neg: Callable[[Operand], Variable]
    pow: Callable[[Operand, Number], Variable]
    get_item: Callable[[Operand, IndexKey], Variable]
    reshape: Callable[[Operand, ShapeLike], Variable]
    transpose: Callable[..., Variable]
    sum: Reduction
    max: Reduction
    min: Reduction

    def __init__(self) -> None:
        # Until the op layer fills an entry, it raises a clear error.  (Not ``__getattr__``:
        # a class with one pays for it on every attribute read, and these are read per op.)
        for name in self.__slots__:
            setattr(self, name, _missing(name))


def _missing(name: str) -> Callable[..., Any]:
    def unfilled(*args: object) -> Any:
        raise RuntimeError(
            f"Variable's {name!r} operator has no op behind it: plugrad's op layer "
            "(plugrad.ops) was not loaded; import plugrad first"
        )

    return unfilled


operators: OperatorTable = OperatorTable()
