"""Indexing: get_item (``x[slices]``, also ``Variable.__getitem__``) and embed_id.

The gradient of ``x[slices]`` scatters ``gy`` back into zeros of x's shape.  An integer index
array may name the same entry twice, so that case adds with ``numpy.add.at``; basic slices and
boolean masks select each entry at most once, so a plain assignment does (much faster).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plugrad._arrays import get_array_module
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable
from plugrad.ops import _samples
from plugrad.registry import resolve
from plugrad.typing import Array, IndexKey, Operand, Shape, V

# What ``x[...]`` accepts: ints, slices, None, Ellipsis, integer or boolean arrays, lists, and
# tuples of these.  NumPy checks it at run time; ``Any`` is the honest static type.
Index = Any


def _normalized(slices: IndexKey) -> Index:
    """Variables used as indices become their arrays; lists become arrays (NumPy's meaning)."""
    if isinstance(slices, Variable):
        return slices.data
    if isinstance(slices, list):
        return np.asarray(slices)
    if isinstance(slices, tuple):
        return tuple(_normalized(s) for s in slices)
    return slices


def _may_repeat(slices: Index) -> bool:
    """Whether an entry of x can be selected more than once (integer index arrays)."""
    # isinstance narrows Any to a tuple, or an ndarray, of unknowns: NumPy decides what they hold.
    parts: tuple[Index, ...] = slices if isinstance(slices, tuple) else (slices,)  # pyright: ignore[reportUnknownVariableType]  # see above
    return any(isinstance(p, np.ndarray) and p.dtype.kind != "b" for p in parts)  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]  # see above


def _scatter(gy: Array, slices: Index, shape: Shape) -> Array:
    xp = get_array_module(gy)
    gx: Array = xp.zeros(shape, dtype=gy.dtype)
    if _may_repeat(slices):
        xp.add.at(gx, slices, gy)
    else:
        gx[slices] = gy
    return gx


class GetItem(Function[Array], name="get_item", samples=lambda rng: _get_item_samples(rng)):
    """y = x[slices];  gx = zeros like x with gy added at slices"""

    __slots__ = ("slices",)
    retains_inputs = False  # the rule reads the input's shape only

    def __init__(self, slices: IndexKey) -> None:
        self.slices: Index = _normalized(slices)

    def forward(self, x: Array) -> Array:
        try:
            y: Array = x[self.slices]
        except IndexError as error:
            raise IndexError(f"get_item: {error} (input of shape {x.shape})") from None
        return y

    def vjp(self, x: V, gy: V) -> V:
        return GetItemGrad(self.slices, x.shape).of(gy)


def get_item(x: Operand, slices: IndexKey) -> Variable:
    """x[slices]: NumPy's basic and advanced indexing, differentiable in x."""
    return resolve(GetItem)(slices)(x)


class GetItemGrad(
    Function[Array], name="get_item_grad", samples=lambda rng: _get_item_grad_samples(rng)
):
    """y = zeros(in_shape) with gy added at slices;  ggy = ggx[slices]"""

    __slots__ = ("in_shape", "slices")
    retains_inputs = False  # the rule reads nothing of the input

    def __init__(self, slices: IndexKey, in_shape: Shape) -> None:
        self.slices: Index = _normalized(slices)
        self.in_shape: tuple[int, ...] = tuple(in_shape)

    def forward(self, gy: Array) -> Array:
        return _scatter(gy, self.slices, self.in_shape)

    def vjp(self, gy: V, ggx: V) -> V:
        return GetItem(self.slices).of(ggx)


def embed_id(x: Operand, W: Operand) -> Variable:  # noqa: N803  # DeZero's name
    """Rows of the embedding matrix W picked by the integer ids in x: ``W[x]``."""
    ids = x.data if isinstance(x, Variable) else np.asarray(x)
    if ids.dtype.kind not in "iu":
        raise TypeError(
            f"embed_id: x must hold integer ids, got dtype {ids.dtype}; "
            "convert it with x.astype(numpy.int64)"
        )
    rows = (W.data if isinstance(W, Variable) else np.asarray(W)).shape[:1]
    # A negative id would silently pick a row from the end (NumPy's indexing): refuse it.
    if ids.size and rows and (ids.min() < 0 or ids.max() >= rows[0]):
        raise IndexError(
            f"embed_id: ids must lie in [0, {rows[0]}) for W of {rows[0]} rows; got ids from "
            f"{ids.min()} to {ids.max()}"
        )
    return get_item(W, ids)


def _get_item_samples(rng: np.random.Generator) -> list[Sample]:
    x = _samples.uniform(rng, (4, 3), -2.0, 2.0)
    mask = np.array([True, False, True, True])
    settings: list[tuple[str, IndexKey]] = [
        ("row", 1),
        ("slice", (slice(1, 3), slice(None, None, 2))),
        ("repeated ints", np.array([0, 2, 0, 3])),
        ("ints per axis", (np.array([0, 1, 1]), np.array([2, 0, 2]))),
        ("bool mask", mask),
        ("new axis, ellipsis", (None, Ellipsis, 1)),
    ]
    return [
        Sample((x,), make=lambda s=index: GetItem(s), reference=lambda a, s=index: a[s], label=lab)  # type: ignore[misc]  # default-bound lambda
        for lab, index in settings
    ]


def _get_item_grad_samples(rng: np.random.Generator) -> list[Sample]:
    index = np.array([0, 2, 0])
    gy = _samples.uniform(rng, (3, 3), -2.0, 2.0)
    return [Sample((gy,), make=lambda: GetItemGrad(index, (4, 3)), label="repeated ints")]
