"""DeZero's ``MNIST`` data set with the synthetic images of ``_data``: same shapes, dtypes,
default transforms and ``(x, t)`` pairs, built on the framework's own ``Dataset``."""

from __future__ import annotations

import numpy as np

from benchmarks.programs import _data
from plugrad import transforms
from plugrad.datasets import Dataset


class SyntheticMNIST(Dataset):
    """``count`` images of 1x28x28 uint8, labels 0-9; as DeZero's MNIST, the default
    transform flattens each image to 784 float32 values in [0, 1]."""

    def __init__(
        self,
        train: bool = True,
        transform: object = None,
        count: int = 1200,
    ) -> None:
        self.count = count
        if transform is None:
            transform = transforms.Compose(
                [transforms.Flatten(), transforms.ToFloat(), transforms.Normalize(0.0, 255.0)]
            )
        super().__init__(train, transform)  # type: ignore[arg-type]  # any callable

    def prepare(self) -> None:
        self.data, self.label = _data.images(self.count, self.train)


def as_float_image(x: np.ndarray) -> np.ndarray:
    """The VAE's and the GAN's transform: ``(x / 255.0).astype(np.float32)``."""
    return (x / 255.0).astype(np.float32)
