"""Image classifiers from DeZero's ``dezero.models``: VGG16, ResNet (50/101/152) and SqueezeNet.

Every layer infers its input size on the first batch, so the models run on any input large
enough for their poolings (32x32 is, for all three); ImageNet's is 224x224.

``pretrained`` takes a path to a local ``.npz`` weights file (as ``save_weights`` writes, with
DeZero's parameter names, such as ``conv1_1/W``), or ``True`` to download DeZero's published
VGG16 / ResNet weights into ``~/.plugrad`` (this needs a network connection).
"""

from __future__ import annotations

import os
from typing import Any, Final

import numpy as np

from plugrad.core.variable import Variable
from plugrad.nn.conv import Conv2d
from plugrad.nn.layer import Layer
from plugrad.nn.linear import Linear
from plugrad.nn.model import Model
from plugrad.nn.normalization import BatchNorm
from plugrad.ops.activation import relu
from plugrad.ops.nn import dropout
from plugrad.ops.pooling import average_pooling, pooling
from plugrad.ops.shape import concat, reshape
from plugrad.typing import Array, Operand

Pretrained = bool | str | os.PathLike[str]

_DEZERO_MODELS: Final = "https://github.com/koki0702/dezero-models/releases/download/v0.1/"


def _load_pretrained(model: Layer, pretrained: Pretrained, url: str | None) -> None:
    """Load ``pretrained`` (a path, or True for ``url``) into ``model``; False loads nothing."""
    if pretrained is False:
        return
    if pretrained is True:
        if url is None:
            raise ValueError(
                f"{type(model).__name__}: there are no published weights to download; pass "
                "pretrained='path/to/weights.npz' to load a local file"
            )
        from plugrad._download import get_file

        path = get_file(url)
    else:
        path = os.fspath(pretrained)
    model.load_weights(path)


def _global_average_pooling_2d(x: Variable) -> Variable:
    """(N, C, H, W) -> (N, C): the mean of each channel."""
    n, c, h, w = x.shape
    return reshape(average_pooling(x, (h, w), stride=1), (n, c))


# -- VGG16 ---------------------------------------------------------------------------------------


class VGG16(Model[[Operand], Variable]):
    """VGG-16 (Simonyan & Zisserman): 13 3x3 convolutions in 5 blocks, then 3 linear layers."""

    WEIGHTS_PATH: Final = _DEZERO_MODELS + "vgg16.npz"

    conv1_1: Conv2d
    conv1_2: Conv2d
    conv2_1: Conv2d
    conv2_2: Conv2d
    conv3_1: Conv2d
    conv3_2: Conv2d
    conv3_3: Conv2d
    conv4_1: Conv2d
    conv4_2: Conv2d
    conv4_3: Conv2d
    conv5_1: Conv2d
    conv5_2: Conv2d
    conv5_3: Conv2d
    fc6: Linear
    fc7: Linear
    fc8: Linear

    def __init__(self, pretrained: Pretrained = False) -> None:
        super().__init__()
        self.conv1_1 = Conv2d(64, kernel_size=3, stride=1, pad=1)
        self.conv1_2 = Conv2d(64, kernel_size=3, stride=1, pad=1)
        self.conv2_1 = Conv2d(128, kernel_size=3, stride=1, pad=1)
        self.conv2_2 = Conv2d(128, kernel_size=3, stride=1, pad=1)
        self.conv3_1 = Conv2d(256, kernel_size=3, stride=1, pad=1)
        self.conv3_2 = Conv2d(256, kernel_size=3, stride=1, pad=1)
        self.conv3_3 = Conv2d(256, kernel_size=3, stride=1, pad=1)
        self.conv4_1 = Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv4_2 = Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv4_3 = Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv5_1 = Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv5_2 = Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv5_3 = Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.fc6 = Linear(4096)
        self.fc7 = Linear(4096)
        self.fc8 = Linear(1000)
        _load_pretrained(self, pretrained, self.WEIGHTS_PATH)

    def forward(self, x: Operand) -> Variable:
        h = _vgg_block(x, (self.conv1_1, self.conv1_2))
        h = _vgg_block(h, (self.conv2_1, self.conv2_2))
        h = _vgg_block(h, (self.conv3_1, self.conv3_2, self.conv3_3))
        h = _vgg_block(h, (self.conv4_1, self.conv4_2, self.conv4_3))
        h = _vgg_block(h, (self.conv5_1, self.conv5_2, self.conv5_3))
        h = reshape(h, (h.shape[0], -1))
        h = dropout(relu(self.fc6(h)))
        h = dropout(relu(self.fc7(h)))
        y: Variable = self.fc8(h)
        return y

    @staticmethod
    def preprocess(
        image: Any, size: tuple[int, int] | None = (224, 224), dtype: Any = np.float32
    ) -> Array:
        """A PIL image -> a (3, H, W) BGR array minus ImageNet's channel means (DeZero's)."""
        image = image.convert("RGB")
        if size:
            image = image.resize(size)
        array = np.asarray(image, dtype=dtype)[:, :, ::-1]
        array = array - np.array([103.939, 116.779, 123.68], dtype=dtype)
        return np.ascontiguousarray(array.transpose((2, 0, 1)))


def _vgg_block(x: Operand, convs: tuple[Conv2d, ...]) -> Variable:
    """3x3 convolutions with ReLU, then 2x2 max pooling."""
    for conv in convs:
        x = relu(conv(x))
    return pooling(x, 2, 2)


# -- ResNet --------------------------------------------------------------------------------------


class BottleneckA(Layer[[Operand], Variable]):
    """The first bottleneck of a stage: it changes the width (and maybe the resolution), so
    the shortcut is a strided 1x1 convolution too."""

    conv1: Conv2d
    bn1: BatchNorm
    conv2: Conv2d
    bn2: BatchNorm
    conv3: Conv2d
    bn3: BatchNorm
    conv4: Conv2d
    bn4: BatchNorm
    in_channels: int

    def __init__(
        self,
        in_channels: int,
        mid_channels: int,
        out_channels: int,
        stride: int = 2,
        downsample_fb: bool = False,
    ) -> None:
        super().__init__()
        # The original MSRA ResNet strides in the 1x1 convolution, Facebook's in the 3x3 one.
        stride_1x1, stride_3x3 = (1, stride) if downsample_fb else (stride, 1)
        self.conv1 = Conv2d(mid_channels, 1, stride_1x1, 0, nobias=True)
        self.bn1 = BatchNorm()
        self.conv2 = Conv2d(mid_channels, 3, stride_3x3, 1, nobias=True)
        self.bn2 = BatchNorm()
        self.conv3 = Conv2d(out_channels, 1, 1, 0, nobias=True)
        self.bn3 = BatchNorm()
        self.conv4 = Conv2d(out_channels, 1, stride, 0, nobias=True)
        self.bn4 = BatchNorm()
        self.in_channels = in_channels  # DeZero's signature; conv1 infers it from the input

    def forward(self, x: Operand) -> Variable:
        h1 = relu(self.bn1(self.conv1(x)))
        h1 = relu(self.bn2(self.conv2(h1)))
        h1 = self.bn3(self.conv3(h1))
        h2 = self.bn4(self.conv4(x))
        return relu(h1 + h2)


class BottleneckB(Layer[[Variable], Variable]):
    """A bottleneck that keeps the width: 1x1 down, 3x3, 1x1 up, plus the identity."""

    conv1: Conv2d
    bn1: BatchNorm
    conv2: Conv2d
    bn2: BatchNorm
    conv3: Conv2d
    bn3: BatchNorm

    def __init__(self, in_channels: int, mid_channels: int) -> None:
        super().__init__()
        self.conv1 = Conv2d(mid_channels, 1, 1, 0, nobias=True)
        self.bn1 = BatchNorm()
        self.conv2 = Conv2d(mid_channels, 3, 1, 1, nobias=True)
        self.bn2 = BatchNorm()
        self.conv3 = Conv2d(in_channels, 1, 1, 0, nobias=True)
        self.bn3 = BatchNorm()

    def forward(self, x: Variable) -> Variable:
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return relu(h + x)


class BuildingBlock(Layer[[Operand], Variable]):
    """One ResNet stage: a ``BottleneckA`` (named ``a``) then ``n_layers - 1`` ``BottleneckB``s
    (``b1``, ``b2``, ...)."""

    a: BottleneckA

    def __init__(
        self,
        n_layers: int,
        in_channels: int,
        mid_channels: int,
        out_channels: int,
        stride: int,
        downsample_fb: bool = False,
    ) -> None:
        super().__init__()
        self.a = BottleneckA(in_channels, mid_channels, out_channels, stride, downsample_fb)
        self._blocks: list[BottleneckA | BottleneckB] = [self.a]
        for i in range(1, n_layers):
            block = BottleneckB(out_channels, mid_channels)
            setattr(self, f"b{i}", block)
            self._blocks.append(block)

    def forward(self, x: Operand) -> Variable:
        h = self.a(x)
        for block in self._blocks[1:]:
            h = block(h)
        return h


_RESNET_STAGES: Final = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


class ResNet(Model[[Operand], Variable]):
    """ResNet (He et al.) with bottleneck blocks; ``n_layers`` is 50, 101 or 152."""

    WEIGHTS_PATH: Final = _DEZERO_MODELS + "resnet{}.npz"

    n_layers: int
    conv1: Conv2d
    bn1: BatchNorm
    res2: BuildingBlock
    res3: BuildingBlock
    res4: BuildingBlock
    res5: BuildingBlock
    fc6: Linear

    def __init__(self, n_layers: int = 152, pretrained: Pretrained = False) -> None:
        super().__init__()
        if n_layers not in _RESNET_STAGES:
            raise ValueError(f"ResNet: n_layers must be 50, 101 or 152, got {n_layers!r}")
        stages = _RESNET_STAGES[n_layers]
        self.n_layers = n_layers
        self.conv1 = Conv2d(64, 7, 2, 3)
        self.bn1 = BatchNorm()
        self.res2 = BuildingBlock(stages[0], 64, 64, 256, 1)
        self.res3 = BuildingBlock(stages[1], 256, 128, 512, 2)
        self.res4 = BuildingBlock(stages[2], 512, 256, 1024, 2)
        self.res5 = BuildingBlock(stages[3], 1024, 512, 2048, 2)
        self.fc6 = Linear(1000)
        _load_pretrained(self, pretrained, self.WEIGHTS_PATH.format(n_layers))

    def forward(self, x: Operand) -> Variable:
        h = relu(self.bn1(self.conv1(x)))
        h = pooling(h, kernel_size=3, stride=2)
        h = self.res5(self.res4(self.res3(self.res2(h))))
        y: Variable = self.fc6(_global_average_pooling_2d(h))
        return y


class ResNet50(ResNet):
    def __init__(self, pretrained: Pretrained = False) -> None:
        super().__init__(50, pretrained)


class ResNet101(ResNet):
    def __init__(self, pretrained: Pretrained = False) -> None:
        super().__init__(101, pretrained)


class ResNet152(ResNet):
    def __init__(self, pretrained: Pretrained = False) -> None:
        super().__init__(152, pretrained)


# -- SqueezeNet ----------------------------------------------------------------------------------


class Fire(Layer[[Operand], Variable]):
    """SqueezeNet's module: a 1x1 squeeze, then 1x1 and 3x3 expands stacked along channels."""

    squeeze: Conv2d
    expand1x1: Conv2d
    expand3x3: Conv2d

    def __init__(self, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze = Conv2d(squeeze, 1)
        self.expand1x1 = Conv2d(expand1x1, 1)
        self.expand3x3 = Conv2d(expand3x3, 3, pad=1)

    def forward(self, x: Operand) -> Variable:
        s = relu(self.squeeze(x))
        return concat([relu(self.expand1x1(s)), relu(self.expand3x3(s))], axis=1)


class SqueezeNet(Model[[Operand], Variable]):
    """SqueezeNet 1.1 (Iandola et al.): AlexNet-level accuracy with 1.2M parameters.

    DeZero's ``SqueezeNet`` is an empty stub; this is the full network.  There are no
    published weights for it, so ``pretrained`` takes a local path only.
    """

    conv1: Conv2d
    fire2: Fire
    fire3: Fire
    fire4: Fire
    fire5: Fire
    fire6: Fire
    fire7: Fire
    fire8: Fire
    fire9: Fire
    conv10: Conv2d

    def __init__(self, n_classes: int = 1000, pretrained: Pretrained = False) -> None:
        super().__init__()
        self.conv1 = Conv2d(64, 3, stride=2)
        self.fire2 = Fire(16, 64, 64)
        self.fire3 = Fire(16, 64, 64)
        self.fire4 = Fire(32, 128, 128)
        self.fire5 = Fire(32, 128, 128)
        self.fire6 = Fire(48, 192, 192)
        self.fire7 = Fire(48, 192, 192)
        self.fire8 = Fire(64, 256, 256)
        self.fire9 = Fire(64, 256, 256)
        self.conv10 = Conv2d(n_classes, 1)
        _load_pretrained(self, pretrained, None)

    def forward(self, x: Operand) -> Variable:
        h = pooling(relu(self.conv1(x)), 3, 2)
        h = pooling(self.fire3(self.fire2(h)), 3, 2)
        h = pooling(self.fire5(self.fire4(h)), 3, 2)
        h = self.fire9(self.fire8(self.fire7(self.fire6(h))))
        h = relu(self.conv10(dropout(h)))
        return _global_average_pooling_2d(h)
