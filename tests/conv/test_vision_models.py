"""VGG16, ResNet and SqueezeNet: they build, run forward on a small input, and load weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import plugrad.models as M  # DeZero's convention
from plugrad import test_mode


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((1, 3, 32, 32), dtype=np.float32)


@pytest.mark.slow
def test_vgg16_forward() -> None:
    np.random.seed(0)
    model = M.VGG16()
    with test_mode():  # no dropout
        y = model(_image())
    assert y.shape == (1, 1000)
    assert y.dtype == np.float32
    assert model.fc6.W.data.shape == (512, 4096)  # 32x32 pooled five times is 1x1
    assert len(list(model.params())) == 16 * 2


def test_resnet50_forward_and_backward() -> None:
    np.random.seed(1)
    model = M.ResNet50()
    y = model(_image())
    assert y.shape == (1, 1000)
    assert y.dtype == np.float32
    y.sum().backward()
    assert model.conv1.W.grad is not None
    assert model.conv1.W.grad.shape == (64, 3, 7, 7)
    with test_mode():
        assert np.all(np.isfinite(model(_image(1)).data))


@pytest.mark.parametrize(
    ("cls", "stages"),
    [(M.ResNet50, (3, 4, 6, 3)), (M.ResNet101, (3, 4, 23, 3)), (M.ResNet152, (3, 8, 36, 3))],
)
def test_resnet_depths(cls: type[M.ResNet], stages: tuple[int, ...]) -> None:
    model = cls()
    blocks = [model.res2, model.res3, model.res4, model.res5]
    assert [len(block._blocks) for block in blocks] == list(stages)
    # 3 convolutions per bottleneck, plus conv1 and fc6: the depth in the name
    assert 3 * sum(stages) + 2 == model.n_layers
    assert isinstance(M.ResNet(n_layers=model.n_layers), M.ResNet)


def test_resnet_rejects_other_depths() -> None:
    with pytest.raises(ValueError, match=r"ResNet: n_layers must be 50, 101 or 152, got 34"):
        M.ResNet(n_layers=34)


def test_squeezenet_forward_and_backward() -> None:
    np.random.seed(2)
    model = M.SqueezeNet(n_classes=10)
    y = model(_image())
    assert y.shape == (1, 10)
    y.sum().backward()
    grads = [p.grad for p in model.params()]
    assert all(g is not None for g in grads)
    # the fire module stacks its two expands: 64 + 64 channels feed fire3's squeeze
    assert model.fire3.squeeze.W.data.shape == (16, 128, 1, 1)


def test_squeezenet_has_no_published_weights() -> None:
    with pytest.raises(ValueError, match=r"SqueezeNet: there are no published weights"):
        M.SqueezeNet(pretrained=True)


@pytest.mark.parametrize("cls", [M.SqueezeNet, pytest.param(M.ResNet50, marks=pytest.mark.slow)])
def test_pretrained_loads_a_local_npz(cls: type, tmp_path: Path) -> None:
    np.random.seed(3)
    source = cls()
    source(_image())  # creates every parameter (and moves the running statistics)
    path = tmp_path / "weights.npz"
    source.save_weights(str(path))

    np.random.seed(4)  # a different initialization, overwritten by the file
    loaded = cls(pretrained=str(path))
    with test_mode():
        expected = source(_image(5)).data
        got = loaded(_image(5)).data
    np.testing.assert_array_equal(got, expected)


def test_vgg16_preprocess() -> None:
    image_module = pytest.importorskip("PIL.Image")
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 10, 20, 30
    out = M.VGG16.preprocess(image_module.fromarray(rgb), size=(5, 3))
    assert out.shape == (3, 3, 5)  # (channels, height, width); PIL sizes are (width, height)
    assert out.dtype == np.float32
    # BGR order, minus ImageNet's BGR means
    np.testing.assert_allclose(out[:, 0, 0], [30 - 103.939, 20 - 116.779, 10 - 123.68], rtol=1e-6)
