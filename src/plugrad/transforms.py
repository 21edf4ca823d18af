"""DeZero's ``dezero.transforms``: small callables applied to each example of a ``Dataset``.

The array transforms work on NumPy arrays (images as ``(C, H, W)``) and need nothing else.
The PIL transforms (``Convert``, ``Resize``, ``ToPIL``) work on PIL images and need Pillow,
the ``image`` extra (``pip install 'plugrad[image]'``); ``CenterCrop``,
``RandomHorizontalFlip`` and ``ToArray`` take either kind.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, TypeGuard, cast

import numpy as np
from numpy.typing import DTypeLike

from plugrad.typing import Array

Transform = Callable[[Any], Any]


def _pil(transform: str) -> ModuleType:
    """``PIL.Image``, or an ImportError that says which transform needs it and how to get it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"plugrad.transforms.{transform} works on PIL images and needs Pillow: "
            "pip install 'plugrad[image]' (or pip install pillow)"
        ) from None
    return Image


def _is_pil_image(obj: object) -> bool:
    module = sys.modules.get("PIL.Image")  # never imported: obj cannot be a PIL image
    return module is not None and isinstance(obj, module.Image)


def _require_pil_image(obj: object, transform: str) -> None:
    if not _is_pil_image(obj):
        raise TypeError(
            f"{transform} takes a PIL image, got {type(obj).__name__}; convert an array with "
            "ToPIL() first"
        )


class Compose:
    """Apply ``transforms`` in order."""

    def __init__(self, transforms: Sequence[Transform] = ()) -> None:
        self.transforms: list[Transform] = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img


# -- PIL images -----------------------------------------------------------------------------------


class Convert:
    """A PIL image in another ``mode`` (``'RGB'``, ``'L'``, ...); ``'BGR'`` gives RGB with the
    channels reversed, as DeZero's does (for weights trained on BGR images)."""

    def __init__(self, mode: str = "RGB") -> None:
        _pil("Convert")
        self.mode: str = mode

    def __call__(self, img: Any) -> Any:
        image = _pil("Convert")
        _require_pil_image(img, "Convert")
        if self.mode == "BGR":
            red, green, blue = img.convert("RGB").split()
            return image.merge("RGB", (blue, green, red))
        return img.convert(self.mode)


class Resize:
    """A PIL image resized to ``size``: an int, or ``(width, height)`` as PIL counts it.

    ``mode`` is PIL's resampling filter (bilinear by default, as in DeZero).
    """

    def __init__(self, size: int | tuple[int, int], mode: int | None = None) -> None:
        image = _pil("Resize")
        self.size: tuple[int, int] = _pair(size, "Resize")
        self.mode: int = int(image.Resampling.BILINEAR) if mode is None else mode

    def __call__(self, img: Any) -> Any:
        _require_pil_image(img, "Resize")
        return img.resize(self.size, self.mode)


class ToPIL:
    """A ``(C, H, W)`` uint8 array (C = 1, 3 or 4) as a PIL image."""

    def __init__(self) -> None:
        _pil("ToPIL")

    def __call__(self, array: Array) -> Any:
        image = _pil("ToPIL")
        given: object = array  # checked at run time
        if not isinstance(given, np.ndarray) or given.ndim != 3 or given.shape[0] not in (1, 3, 4):
            shape = getattr(given, "shape", None)
            raise TypeError(
                f"ToPIL takes a (C, H, W) array with 1, 3 or 4 channels, got "
                f"{type(given).__name__} of shape {shape}"
            )
        if given.dtype != np.uint8:
            raise TypeError(
                f"ToPIL: PIL images hold uint8 values, this array is {given.dtype}; scale it to "
                "0-255 and convert it with AsType(np.uint8) first"
            )
        pixels = given.transpose(1, 2, 0)
        if pixels.shape[2] == 1:
            pixels = pixels[:, :, 0]
        return image.fromarray(np.ascontiguousarray(pixels))


def _positive_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _pair(size: object, transform: str) -> tuple[int, int]:
    if _positive_int(size):
        return size, size
    pair = cast("tuple[object, ...]", size) if isinstance(size, tuple) else ()
    if len(pair) == 2:
        first, second = pair
        if _positive_int(first) and _positive_int(second):
            return first, second
    raise ValueError(f"{transform}: size is a positive int or a pair of them, got {size!r}")


# -- arrays (and PIL images where both make sense) ------------------------------------------------


class ToArray:
    """An image as a ``(C, H, W)`` array of ``dtype``; arrays pass through unchanged.

    Objects that NumPy can convert (a PIL image, for one) become ``(H, W, C)`` arrays first,
    then are transposed, as DeZero does.
    """

    def __init__(self, dtype: DTypeLike = np.float32) -> None:
        self.dtype: DTypeLike = dtype

    def __call__(self, img: Any) -> Array:
        if isinstance(img, np.ndarray):
            return img  # pyright: ignore[reportUnknownVariableType]  # ndarray[Unknown, Unknown]
        array: Array = np.asarray(img)
        if array.ndim == 2:
            array = array[:, :, np.newaxis]
        if array.ndim != 3:
            raise ValueError(f"ToArray: expected an image, got an array of shape {array.shape}")
        return array.transpose(2, 0, 1).astype(self.dtype)


class Normalize:
    """``(array - mean) / std``; ``mean`` and ``std`` are numbers or one value per channel."""

    def __init__(self, mean: float | Sequence[float] = 0.0, std: float | Sequence[float] = 1.0):
        # Checked here, once: a zero or NaN std would turn every image into inf or NaN.
        for name, value in (("mean", mean), ("std", std)):
            numbers = np.asarray(value)
            if numbers.dtype.kind not in "iuf" or not np.all(np.isfinite(numbers)):
                raise ValueError(f"Normalize: {name} must be finite numbers, got {value!r}")
        if np.any(np.asarray(std) == 0):
            raise ValueError(
                f"Normalize: std must be non-zero, got {std!r} (a constant channel has std 0: "
                "divide it by 1 instead)"
            )
        self.mean: float | Sequence[float] = mean
        self.std: float | Sequence[float] = std

    def __call__(self, array: Array) -> Array:
        mean = _per_channel(self.mean, array)
        std = _per_channel(self.std, array)
        result: Array = (array - mean) / std
        return result


def _per_channel(value: float | Sequence[float], array: Array) -> Any:
    if np.isscalar(value):
        return value  # a Python number keeps a float32 array float32
    values = np.asarray(value, dtype=array.dtype if array.dtype.kind == "f" else np.float64)
    shape = [1] * array.ndim
    shape[0] = len(values)
    return values.reshape(shape)


class Flatten:
    """The array as 1-D."""

    def __call__(self, array: Array) -> Array:
        return array.flatten()


class AsType:
    """The array converted to ``dtype``."""

    def __init__(self, dtype: DTypeLike = np.float32) -> None:
        self.dtype: DTypeLike = dtype

    def __call__(self, array: Array) -> Array:
        return array.astype(self.dtype)


ToFloat = AsType


class ToInt(AsType):
    """The array converted to an integer dtype (``int64`` by default)."""

    def __init__(self, dtype: DTypeLike = np.int64) -> None:
        super().__init__(dtype)


class RandomHorizontalFlip:
    """Flip a ``(..., H, W)`` array, or a PIL image, left-right with probability ``p``
    (NumPy's global generator decides)."""

    def __init__(self, p: float = 0.5) -> None:
        self.p: float = p

    def __call__(self, img: Any) -> Any:
        if np.random.rand() >= self.p:
            return img
        if _is_pil_image(img):
            return img.transpose(_pil("RandomHorizontalFlip").Transpose.FLIP_LEFT_RIGHT)
        flipped: Array = img[..., ::-1].copy()
        return flipped


class CenterCrop:
    """The central ``size`` of an image: an int, or a pair in the image's own order.

    For a ``(..., H, W)`` array the pair is ``(height, width)``, NumPy's order; for a PIL
    image it is ``(width, height)``, PIL's order (and DeZero's, whose ``CenterCrop`` takes PIL
    images).  A crop larger than the image is an error.
    """

    def __init__(self, size: int | tuple[int, int]) -> None:
        self.size: tuple[int, int] = _pair(size, "CenterCrop")

    def __call__(self, img: Any) -> Any:
        if _is_pil_image(img):
            width, height = img.size
            out_w, out_h = self.size
            self._check(out_h, out_w, height, width, "(width, height)", (width, height))
            left, top = (width - out_w) // 2, (height - out_h) // 2
            return img.crop((left, top, left + out_w, top + out_h))
        height, width = img.shape[-2:]
        out_h, out_w = self.size
        self._check(out_h, out_w, height, width, "(height, width)", (height, width))
        top, left = (height - out_h) // 2, (width - out_w) // 2
        cropped: Array = img[..., top : top + out_h, left : left + out_w]
        return cropped

    def _check(
        self, out_h: int, out_w: int, height: int, width: int, order: str, size: tuple[int, int]
    ) -> None:
        if out_h > height or out_w > width:
            raise ValueError(
                f"CenterCrop: crop {self.size} is larger than the image, {size} {order}"
            )


__all__ = [
    "AsType",
    "CenterCrop",
    "Compose",
    "Convert",
    "Flatten",
    "Normalize",
    "RandomHorizontalFlip",
    "Resize",
    "ToArray",
    "ToFloat",
    "ToInt",
    "ToPIL",
    "Transform",
]
