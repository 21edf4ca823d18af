"""DeZero's ``dezero.datasets``: ``Dataset`` and the data sets of the book (spiral, sine, MNIST).

A dataset is indexable: ``dataset[i]`` is ``(x, t)`` with the transforms applied, and
``len(dataset)`` is the number of examples.  Subclasses fill ``self.data`` and ``self.label``
in ``prepare()``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Final

import numpy as np

from plugrad.transforms import Compose, Flatten, Normalize, ToFloat
from plugrad.typing import Array

Transform = Callable[[Any], Any]


def _identity(x: Any) -> Any:
    return x


class Dataset:
    """Base class: ``prepare()`` sets ``data`` (and ``label``, or leaves it ``None``)."""

    data: Any
    label: Any

    def __init__(
        self,
        train: bool = True,
        transform: Transform | None = None,
        target_transform: Transform | None = None,
    ) -> None:
        self.train = train
        self.transform: Transform = _identity if transform is None else transform
        self.target_transform: Transform = (
            _identity if target_transform is None else target_transform
        )
        self.data = None
        self.label = None
        self.prepare()

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        given: object = index  # checked at run time: a slice or list is a common mistake
        if not isinstance(given, int | np.integer) or isinstance(given, bool):
            raise TypeError(
                f"{type(self).__name__}[index] takes one int index, got {type(index).__name__}; "
                "use a DataLoader for batches"
            )
        x = self.transform(self.data[index])
        if self.label is None:
            return x, None
        return x, self.target_transform(self.label[index])

    def __len__(self) -> int:
        return len(self.data)

    def prepare(self) -> None:
        """Load or generate ``data`` and ``label``."""

    def has_plain_arrays(self) -> bool:
        """True when examples are rows of ndarrays with no transform: batches can be sliced."""
        return (
            self.transform is _identity
            and self.target_transform is _identity
            and isinstance(self.data, np.ndarray)
            and (self.label is None or isinstance(self.label, np.ndarray))
        )


# -- spiral -------------------------------------------------------------------------------------


def get_spiral(train: bool = True) -> tuple[Array, Array]:
    """DeZero's three-armed spiral: 300 points ``x`` (float32, ``(300, 2)``), labels ``t``.

    The same seeds as DeZero (1984 for train, 2020 for test) drawn from a private generator, so
    the points equal DeZero's and NumPy's global random state is left alone.
    """
    rng = np.random.RandomState(1984 if train else 2020)
    num_data, num_class, input_dim = 100, 3, 2
    data_size = num_class * num_data
    x = np.zeros((data_size, input_dim), dtype=np.float32)
    t = np.zeros(data_size, dtype=np.int64)
    for j in range(num_class):
        for i in range(num_data):
            rate = i / num_data
            radius = 1.0 * rate
            theta = j * 4.0 + 4.0 * rate + rng.randn() * 0.2
            ix = num_data * j + i
            x[ix] = (radius * np.sin(theta), radius * np.cos(theta))
            t[ix] = j
    indices = rng.permutation(data_size)
    return x[indices], t[indices]


class Spiral(Dataset):
    """The spiral of ``get_spiral`` as a dataset."""

    def prepare(self) -> None:
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset):
    """A sine wave for sequence models: ``x`` is y(t), the label is y(t + 1).

    Training data is ``sin`` plus uniform noise in [-0.05, 0.05] (NumPy's global generator);
    test data is ``cos``.
    """

    def prepare(self) -> None:
        num_data = 1000
        x = np.linspace(0, 2 * np.pi, num_data)
        if self.train:
            noise = np.random.uniform(-0.05, 0.05, size=x.shape)
            y = np.sin(x) + noise
        else:
            y = np.cos(x)
        y = y.astype(np.float64)
        self.data = y[:-1][:, np.newaxis]
        self.label = y[1:][:, np.newaxis]


# -- MNIST ------------------------------------------------------------------------------------

MNIST_FILES: Final = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
MNIST_MIRRORS: Final = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


class Digits(Dataset):
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images; no download needed).

    ``data`` is ``(N, 64)`` float32 in [0, 1] (reshape to ``(N, 1, 8, 8)`` for a CNN) and
    ``label`` ``(N,)`` int64.  A fifth of each class, picked by ``seed``, is the test split, so
    the train (1,442 images) and test (355) splits are disjoint and balanced.  Needs
    scikit-learn, which is imported only here.
    """

    def __init__(
        self,
        train: bool = True,
        transform: Transform | None = None,
        target_transform: Transform | None = None,
        *,
        seed: int = 0,
    ) -> None:
        self.seed = seed
        super().__init__(train, transform, target_transform)

    def prepare(self) -> None:
        try:
            from sklearn.datasets import load_digits  # type: ignore[import-untyped]  # no stubs
        except ImportError:
            raise ImportError(
                "plugrad.datasets.Digits needs scikit-learn, which ships the digits: "
                "pip install scikit-learn"
            ) from None
        digits = load_digits()
        images = (digits.data / 16.0).astype(np.float32)
        labels = digits.target.astype(np.int64)
        rng = np.random.default_rng(self.seed)
        test = np.zeros(len(labels), dtype=bool)
        for label in range(10):
            members = rng.permutation(np.flatnonzero(labels == label))
            test[members[: len(members) // 5]] = True
        keep = ~test if self.train else test
        self.data, self.label = images[keep], labels[keep]


def _default_mnist_transform() -> Transform:
    return Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)])


class MNIST(Dataset):
    """The MNIST digits from the standard gzip IDX files.

    Images are ``(N, 1, 28, 28)`` uint8 and labels ``(N,)`` uint8; the default transform gives
    each image as 784 float32 values in [0, 1].  The files are looked for in ``root``
    (default: ``~/.plugrad``, DeZero's cache folder renamed); when absent and ``download`` is
    true they are fetched there.
    """

    def __init__(
        self,
        train: bool = True,
        transform: Transform | None = None,
        target_transform: Transform | None = None,
        *,
        root: str | os.PathLike[str] | None = None,
        download: bool = True,
    ) -> None:
        from plugrad._download import cache_dir

        self.root = os.fspath(root) if root is not None else cache_dir
        self.download = download
        chosen = _default_mnist_transform() if transform is None else transform
        super().__init__(train, chosen, target_transform)

    def prepare(self) -> None:
        image_name, label_name = MNIST_FILES[self.train]
        self.data = read_idx(self._locate(image_name)).reshape(-1, 1, 28, 28)
        self.label = read_idx(self._locate(label_name))
        if len(self.data) != len(self.label):
            raise ValueError(
                f"MNIST: {image_name} has {len(self.data)} images but {label_name} has "
                f"{len(self.label)} labels"
            )

    def _locate(self, name: str) -> str:
        path = os.path.join(self.root, name)
        if os.path.exists(path):
            return path
        if self.download:
            _download_mnist_file(name, path)
            if os.path.exists(path):
                return path
        raise FileNotFoundError(
            f"MNIST: {path} not found. Put the four gzip IDX files "
            f"({', '.join(MNIST_FILES[True] + MNIST_FILES[False])}) in {self.root!r} "
            "(or pass root=...), or allow download=True with a network connection"
        )

    @staticmethod
    def labels() -> dict[int, str]:
        return {i: str(i) for i in range(10)}


def _download_mnist_file(name: str, path: str) -> None:
    from plugrad._download import download

    for base in MNIST_MIRRORS:
        try:
            download(base + name, path)
            return
        except OSError:  # URLError, HTTP errors and timeouts: try the next mirror
            continue


_IDX_DTYPES: Final[dict[int, np.dtype[Any]]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike[str]) -> Array:
    """Read an IDX file (gzip-compressed when the name ends in ``.gz``) into an ndarray."""
    import gzip

    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "rb") as file:
        raw = file.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{os.fspath(path)!r} is not an IDX file (bad magic number)")
    dtype = _IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"{os.fspath(path)!r}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header_size != expected:
        raise ValueError(
            f"{os.fspath(path)!r}: IDX header says shape {shape} ({expected} bytes of data), "
            f"but the file has {len(raw) - header_size}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    native: Array = data.astype(dtype.newbyteorder("="))
    return native


__all__ = [
    "MNIST",
    "Dataset",
    "Digits",
    "SinCurve",
    "Spiral",
    "get_spiral",
    "read_idx",
]
