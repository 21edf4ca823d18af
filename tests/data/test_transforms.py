"""DeZero's PIL transforms (Pillow, the ``image`` extra), and the array transforms that take PIL
images too."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from plugrad import transforms as T  # short, like F and L

HEIGHT, WIDTH = 4, 6


def _image_module() -> Any:
    return pytest.importorskip(
        "PIL.Image", reason="the PIL transforms need Pillow (plugrad[image])"
    )


def _rgb() -> np.ndarray:
    """A (3, 4, 6) uint8 image whose every pixel differs from the others."""
    return np.arange(3 * HEIGHT * WIDTH, dtype=np.uint8).reshape(3, HEIGHT, WIDTH)


def test_to_pil_and_to_array_round_trip() -> None:
    image_module = _image_module()
    chw = _rgb()
    image = T.ToPIL()(chw)
    assert isinstance(image, image_module.Image)
    assert image.size == (WIDTH, HEIGHT)  # PIL counts (width, height)
    assert image.mode == "RGB"
    back = T.ToArray()(image)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, chw)
    gray = T.ToPIL()(chw[:1])
    assert gray.mode == "L"
    np.testing.assert_array_equal(T.ToArray(np.uint8)(gray), chw[:1])


def test_to_pil_names_what_it_cannot_take() -> None:
    _image_module()
    with pytest.raises(TypeError, match=r"PIL images hold uint8 values, this array is float32"):
        T.ToPIL()(_rgb().astype(np.float32))
    with pytest.raises(TypeError, match=r"\(C, H, W\) array with 1, 3 or 4 channels, got ndarray"):
        T.ToPIL()(np.zeros((2, 4, 4), dtype=np.uint8))


def test_convert_to_bgr_reverses_the_channels() -> None:
    _image_module()
    image = T.ToPIL()(_rgb())
    bgr = T.ToArray(np.uint8)(T.Convert("BGR")(image))
    np.testing.assert_array_equal(bgr, _rgb()[::-1])
    assert T.Convert("L")(image).mode == "L"
    assert T.Convert()(T.ToPIL()(_rgb()[:1])).mode == "RGB"


def test_resize_takes_width_then_height() -> None:
    _image_module()
    image = T.ToPIL()(_rgb())
    assert T.Resize((3, 2))(image).size == (3, 2)
    assert T.Resize(5)(image).size == (5, 5)
    with pytest.raises(TypeError, match=r"Resize takes a PIL image, got ndarray; .* ToPIL\(\)"):
        T.Resize(5)(_rgb())
    with pytest.raises(ValueError, match=r"Resize: size is a positive int or a pair"):
        T.Resize((3, 0))


def test_center_crop_and_flip_agree_on_arrays_and_pil_images() -> None:
    _image_module()
    chw = _rgb()
    image = T.ToPIL()(chw)
    # a pair is (width, height) for PIL images, (height, width) for arrays
    cropped = T.ToArray(np.uint8)(T.CenterCrop((4, 2))(image))
    np.testing.assert_array_equal(cropped, T.CenterCrop((2, 4))(chw))
    np.testing.assert_array_equal(cropped, chw[:, 1:3, 1:5])
    with pytest.raises(ValueError, match=r"larger than the image, \(6, 4\) \(width, height\)"):
        T.CenterCrop((7, 2))(image)
    flipped = T.ToArray(np.uint8)(T.RandomHorizontalFlip(p=1.0)(image))
    np.testing.assert_array_equal(flipped, chw[:, :, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(image) is image


def test_a_dezero_style_pipeline() -> None:
    _image_module()
    pipeline = T.Compose(
        [T.Convert("RGB"), T.Resize(8), T.CenterCrop(4), T.ToArray(), T.Normalize(127.5, 127.5)]
    )
    x = pipeline(T.ToPIL()(_rgb()))
    assert x.shape == (3, 4, 4)
    assert x.dtype == np.float32
    assert -1.0 <= x.min() <= x.max() <= 1.0


def test_without_pillow_the_pil_transforms_say_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL -> ImportError
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    for make in (lambda: T.Resize(3), lambda: T.Convert("BGR"), T.ToPIL):
        with pytest.raises(ImportError, match=r"needs Pillow: pip install 'plugrad\[image\]'"):
            make()
    # the array transforms need nothing
    np.testing.assert_array_equal(T.CenterCrop(2)(_rgb()), _rgb()[:, 1:3, 2:4])
