"""DeZero's ``dezero.datasets``: ``Dataset`` and every data set of DeZero.

A dataset is indexable: ``dataset[i]`` is ``(x, t)`` with the transforms applied, and
``len(dataset)`` is the number of examples; iterating over it gives every ``(x, t)`` in order.
Subclasses fill ``self.data`` and ``self.label`` in ``prepare()``.

``Dataset[X, T]`` is generic over what ``dataset[i]`` gives: ``X`` is what ``transform``
returns and ``T`` what ``target_transform`` returns, inferred from the transforms passed
(``Spiral(transform=f)`` is a ``Spiral[<f's result>, Any]``).  Without a transform an example
is a row of an ndarray as NumPy's indexing gives it, which NumPy types as ``Any``.

The data sets made of files (``MNIST``, ``CIFAR10``, ``CIFAR100``, ``Shakespear``, and
``ImageNet.labels()``) take them from ``root`` (default: ``data_dir()``, which is
``$PLUGRAD_DATA`` or ``~/.plugrad``) and download what is missing or damaged there through the
verifying download layer (``download=False`` reads what is there, as it is, and never
downloads).  Their readers check each file's header against what the data set can be before
they allocate anything, never read past the size the header gives, and name the file in every
error.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, Generic, TypeAlias, cast

import numpy as np

from plugrad._download import KNOWN_FILES, DownloadError, data_dir, fetch
from plugrad._typing_extensions import TypeVar
from plugrad.transforms import Compose, Flatten, Normalize, ToFloat
from plugrad.typing import Array

# What ``dataset[i]`` gives: the example (what ``transform`` returns) and its label (what
# ``target_transform`` returns).  Unstated, both are ``Any``: a row of an ndarray, as NumPy's
# stubs type it.
X = TypeVar("X", default=Any)
T = TypeVar("T", default=Any)

Transform: TypeAlias = Callable[[Array], X]
"""A transform of a data set: it takes one row of ``data`` (or ``label``)."""

PathLike: TypeAlias = str | os.PathLike[str]


def _identity(x: Array) -> Any:
    return x


class Dataset(Generic[X, T]):
    """Base class: ``prepare()`` sets ``data`` (and ``label``, or leaves it ``None``)."""

    train: bool
    transform: Transform[X]
    target_transform: Transform[T]
    # Filled by prepare(): whatever a subclass stores there, indexable by an int (a DeZero
    # program may store a list), and ``label`` None for a data set without labels.  Every
    # data set plugrad ships stores ndarrays and declares them so.
    data: Any
    label: Any

    def __init__(
        self,
        train: bool = True,
        transform: Transform[X] | None = None,
        target_transform: Transform[T] | None = None,
    ) -> None:
        self.train = train
        self.transform = _identity if transform is None else transform
        self.target_transform = _identity if target_transform is None else target_transform
        self.data = None
        self.label = None
        self.prepare()

    def __getitem__(self, index: int) -> tuple[X, T]:
        given: object = index  # checked at run time: a slice or list is a common mistake
        if not isinstance(given, int | np.integer) or isinstance(given, bool):
            raise TypeError(
                f"{type(self).__name__}[index] takes one int index, got {type(index).__name__}; "
                "use a DataLoader for batches"
            )
        x = self.transform(self.data[index])
        if self.label is None:
            return x, None  # type: ignore[return-value]  # DeZero's (x, None), unlabeled
        return x, self.target_transform(self.label[index])

    def __iter__(self) -> Iterator[tuple[X, T]]:
        """Every ``(x, t)`` in order (``for x, t in dataset``)."""
        for index in range(len(self)):
            yield self[index]

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


# -- toy data sets ------------------------------------------------------------------------------


def get_spiral(train: bool = True) -> tuple[Array, Array]:
    """DeZero's three-armed spiral: 300 points ``x`` (float32, ``(300, 2)``), labels ``t``.

    As in DeZero, NumPy's global generator is seeded (1984 for train, 2020 for test) and then
    drawn from, so a book program that builds its model after loading the data (step 48) gets
    DeZero's weights and numbers, the same on every run.
    """
    np.random.seed(1984 if train else 2020)
    num_data, num_class, input_dim = 100, 3, 2
    data_size = num_class * num_data
    x = np.zeros((data_size, input_dim), dtype=np.float32)
    t = np.zeros(data_size, dtype=np.int64)
    for j in range(num_class):
        for i in range(num_data):
            rate = i / num_data
            radius = 1.0 * rate
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            ix = num_data * j + i
            x[ix] = (radius * np.sin(theta), radius * np.cos(theta))
            t[ix] = j
    indices = np.random.permutation(data_size)
    return x[indices], t[indices]


class Spiral(Dataset[X, T]):
    """The spiral of ``get_spiral`` as a dataset (it seeds NumPy's global generator too)."""

    data: Array
    label: Array

    def prepare(self) -> None:
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset[X, T]):
    """A sine wave for sequence models: ``x`` is y(t), the label is y(t + 1).

    Training data is ``sin`` plus uniform noise in [-0.05, 0.05] from NumPy's global generator;
    test data is ``cos``.  The noise is drawn for both, as DeZero draws it, so the generator
    moves on the same way.
    """

    data: Array
    label: Array

    def prepare(self) -> None:
        num_data = 1000
        x = np.linspace(0, 2 * np.pi, num_data)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = np.sin(x) + noise if self.train else np.cos(x)
        y = y.astype(np.float64)
        self.data = y[:-1][:, np.newaxis]
        self.label = y[1:][:, np.newaxis]


class Digits(Dataset[X, T]):
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images; no download needed).

    ``data`` is ``(N, 64)`` float32 in [0, 1] (reshape to ``(N, 1, 8, 8)`` for a CNN) and
    ``label`` ``(N,)`` int64.  A fifth of each class, picked by ``seed``, is the test split, so
    the train (1,442 images) and test (355) splits are disjoint and balanced.  Needs
    scikit-learn, which is imported only here.
    """

    data: Array
    label: Array
    seed: int

    def __init__(
        self,
        train: bool = True,
        transform: Transform[X] | None = None,
        target_transform: Transform[T] | None = None,
        *,
        seed: int = 0,
    ) -> None:
        self.seed = seed
        super().__init__(train, transform, target_transform)

    def prepare(self) -> None:
        import importlib

        try:
            # scikit-learn has no type information: its module is typed ModuleType, so what
            # it hands over is Any, here only.
            sklearn_datasets = importlib.import_module("sklearn.datasets")
        except ImportError:
            raise ImportError(
                "plugrad.datasets.Digits needs scikit-learn, which ships the digits: "
                "pip install scikit-learn"
            ) from None
        digits = sklearn_datasets.load_digits()
        images = (digits.data / 16.0).astype(np.float32)
        labels = digits.target.astype(np.int64)
        rng = np.random.default_rng(self.seed)
        test = np.zeros(len(labels), dtype=bool)
        for label in range(10):
            members = rng.permutation(np.flatnonzero(labels == label))
            test[members[: len(members) // 5]] = True
        keep = ~test if self.train else test
        self.data, self.label = images[keep], labels[keep]


# -- data sets made of files ---------------------------------------------------------------------


class _FileDataset(Dataset[X, T]):
    """A data set read from files in ``root`` that the download layer can fetch."""

    data: Array
    label: Array
    root: str
    download: bool

    def __init__(
        self,
        train: bool,
        transform: Transform[X] | None,
        target_transform: Transform[T] | None,
        *,
        root: PathLike | None,
        download: bool,
    ) -> None:
        self.root = os.fspath(root) if root is not None else data_dir()
        self.download = download
        super().__init__(train, transform, target_transform)

    def _file(self, name: str) -> str:
        """The local path of the known file ``name``, fetched if needed (and allowed)."""
        return fetch(KNOWN_FILES[name], self.root, download=self.download)


MNIST_FILES: Final = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


class MNIST(_FileDataset[X, T]):
    """The MNIST digits from the four standard gzip IDX files.

    Images are ``(N, 1, 28, 28)`` uint8 and labels ``(N,)`` uint8 (N = 60,000 for train,
    10,000 for test); the default transform gives each image as 784 float32 values in [0, 1],
    as DeZero's does.
    """

    data: Array
    label: Array

    def __init__(
        self,
        train: bool = True,
        transform: Transform[X] | None = None,
        target_transform: Transform[T] | None = None,
        *,
        root: PathLike | None = None,
        download: bool = True,
    ) -> None:
        chosen = (
            Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)])
            if transform is None
            else transform
        )
        super().__init__(train, chosen, target_transform, root=root, download=download)

    def prepare(self) -> None:
        image_name, label_name = MNIST_FILES[self.train]
        most = 60_000 if self.train else 10_000
        image_path = self._file(image_name)
        label_path = self._file(label_name)
        images = read_idx(image_path, shape=(None, 28, 28), max_items=most)
        labels = read_idx(label_path, shape=(None,), max_items=most)
        for path, array in ((image_path, images), (label_path, labels)):
            if array.dtype != np.uint8:
                raise ValueError(f"{path}: MNIST files hold unsigned bytes, this one {array.dtype}")
        if len(images) != len(labels):
            raise ValueError(
                f"MNIST: {image_path} has {len(images):,} images but {label_path} has "
                f"{len(labels):,} labels"
            )
        if labels.size and int(labels.max()) > 9:
            raise ValueError(f"{label_path}: a label is {int(labels.max())}; MNIST's are 0 to 9")
        self.data = images.reshape(-1, 1, 28, 28)
        self.label = labels

    def show(self, row: int = 10, col: int = 10) -> None:
        """Show ``row`` x ``col`` random images with matplotlib (DeZero's ``show``)."""
        _show_grid(self.data, row, col)

    @staticmethod
    def labels() -> dict[int, str]:
        return {i: str(i) for i in range(10)}


_CIFAR_IMAGE_BYTES: Final = 3 * 32 * 32
CIFAR10_LABELS: Final = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
CIFAR100_COARSE_LABELS: Final = (
    "aquatic mammals",
    "fish",
    "flowers",
    "food containers",
    "fruit and vegetables",
    "household electrical device",
    "household furniture",
    "insects",
    "large carnivores",
    "large man-made outdoor things",
    "large natural outdoor scenes",
    "large omnivores and herbivores",
    "medium-sized mammals",
    "non-insect invertebrates",
    "people",
    "reptiles",
    "small mammals",
    "trees",
    "vehicles 1",
    "vehicles 2",
)
CIFAR100_FINE_LABELS: Final = tuple(  # the order of the archive's meta file
    """apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus
    butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch
    crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo
    keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse
    mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy
    porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper
    snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television
    tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm""".split()  # noqa: SIM905  # 100 names, 8 lines
)


def _default_cifar_transform() -> Compose:
    return Compose([ToFloat(), Normalize(mean=0.5, std=0.5)])  # DeZero's, as it is


class CIFAR10(_FileDataset[X, T]):
    """CIFAR-10 from its python version (``cifar-10-python.tar.gz``): 32x32 colour images.

    Images are ``(N, 3, 32, 32)`` uint8 (N = 50,000 for train, 10,000 for test) and labels
    ``(N,)`` int64 in 0-9.  The default transform is DeZero's: float32, then
    ``Normalize(mean=0.5, std=0.5)``.  The batches are read from the archive without unpacking
    it, and their pickles without running any code they name.
    """

    data: Array
    label: Array

    archive: str = "cifar-10-python.tar.gz"

    def __init__(
        self,
        train: bool = True,
        transform: Transform[X] | None = None,
        target_transform: Transform[T] | None = None,
        *,
        root: PathLike | None = None,
        download: bool = True,
    ) -> None:
        chosen = _default_cifar_transform() if transform is None else transform
        super().__init__(train, chosen, target_transform, root=root, download=download)

    def prepare(self) -> None:
        if self.train:
            members = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
        else:
            members = ["cifar-10-batches-py/test_batch"]
        self.data, self.label = read_cifar(
            self._file(self.archive), members, label_key="labels", n_classes=10, per_member=10_000
        )

    def show(self, row: int = 10, col: int = 10) -> None:
        """Show ``row`` x ``col`` random images with matplotlib (DeZero's ``show``)."""
        _show_grid(self.data, row, col)

    @staticmethod
    def labels() -> dict[int, str]:
        return dict(enumerate(CIFAR10_LABELS))


class CIFAR100(CIFAR10[X, T]):
    """CIFAR-100 from its python version: like ``CIFAR10``, with 100 classes.

    ``label_type`` is ``"fine"`` (the 100 classes) or ``"coarse"`` (their 20 superclasses).
    """

    data: Array
    label: Array

    archive = "cifar-100-python.tar.gz"

    def __init__(
        self,
        train: bool = True,
        transform: Transform[X] | None = None,
        target_transform: Transform[T] | None = None,
        label_type: str = "fine",
        *,
        root: PathLike | None = None,
        download: bool = True,
    ) -> None:
        if label_type not in ("fine", "coarse"):
            raise ValueError(f"CIFAR100: label_type is 'fine' or 'coarse', got {label_type!r}")
        self.label_type: str = label_type
        super().__init__(train, transform, target_transform, root=root, download=download)

    def prepare(self) -> None:
        split = "train" if self.train else "test"
        self.data, self.label = read_cifar(
            self._file(self.archive),
            [f"cifar-100-python/{split}"],
            label_key=f"{self.label_type}_labels",
            n_classes=100 if self.label_type == "fine" else 20,
            per_member=50_000 if self.train else 10_000,
        )

    @staticmethod
    def labels(label_type: str = "fine") -> dict[int, str]:
        if label_type not in ("fine", "coarse"):
            raise ValueError(f"CIFAR100: label_type is 'fine' or 'coarse', got {label_type!r}")
        return dict(
            enumerate(CIFAR100_FINE_LABELS if label_type == "fine" else CIFAR100_COARSE_LABELS)
        )


class ImageNet(Dataset[X, T]):
    """ImageNet's class names (``ImageNet.labels()``); its images are not downloadable."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError(
            "ImageNet: the images are not distributed for download (DeZero's ImageNet() holds "
            "no data either); ImageNet.labels() gives the 1,000 class names"
        )

    @staticmethod
    def labels(*, root: PathLike | None = None, download: bool = True) -> dict[int, str]:
        """The 1,000 class names by index (``{0: 'tench, Tinca tinca', ...}``), from the file
        DeZero reads, parsed as a literal (never run as code)."""
        folder = os.fspath(root) if root is not None else data_dir()
        remote = KNOWN_FILES["imagenet1000_clsidx_to_labels.txt"]
        return read_imagenet_labels(fetch(remote, folder, download=download), remote.limit)


class Shakespear(_FileDataset[X, T]):
    """Tiny Shakespeare (1,115,394 characters) for character models: DeZero's name and shapes.

    ``data`` is the id of each character but the last, ``label`` the id of the next one (both
    ``(N,)`` int64); ``char_to_id`` and ``id_to_char`` number the characters in order of first
    appearance, as DeZero does.
    """

    data: Array
    label: Array

    char_to_id: dict[str, int]
    id_to_char: dict[int, str]

    def __init__(
        self,
        train: bool = True,
        transform: Transform[X] | None = None,
        target_transform: Transform[T] | None = None,
        *,
        root: PathLike | None = None,
        download: bool = True,
    ) -> None:
        super().__init__(train, transform, target_transform, root=root, download=download)

    def prepare(self) -> None:
        remote = KNOWN_FILES["shakespear.txt"]
        path = self._file(remote.name)
        text = read_text(path, remote.limit)
        if len(text) < 2:
            raise ValueError(f"{path}: {len(text)} character(s); a text needs two or more")
        ids, alphabet = _ids_by_first_appearance(text)
        self.data = ids[:-1]
        self.label = ids[1:]
        self.char_to_id = {char: i for i, char in enumerate(alphabet)}
        self.id_to_char = dict(enumerate(alphabet))


def _ids_by_first_appearance(text: str) -> tuple[Array, list[str]]:
    """Each character's id, ids given in order of first appearance; and the characters."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty(len(unique), dtype=np.int64)
    rank[order] = np.arange(len(unique))
    alphabet = [chr(int(code)) for code in unique[order]]
    return rank[inverse], alphabet


# -- readers -------------------------------------------------------------------------------------

_IDX_DTYPES: Final[dict[int, np.dtype[Any]]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_READ_CHUNK: Final = 1 << 20


def read_idx(
    path: PathLike, *, shape: tuple[int | None, ...] | None = None, max_items: int | None = None
) -> Array:
    """Read an IDX file (gzip-compressed when the name ends in ``.gz``) into an ndarray.

    ``shape`` is the shape the file must have (``None`` for "any length" in the first axis) and
    ``max_items`` bounds that length; both are checked against the header before any data is
    read.  Memory grows only with the data actually read, never past what the header gives:
    extra data after it, a short file, or a damaged gzip stream is an error naming the file.
    """
    name = os.fspath(path)
    try:
        with _open_maybe_gzip(name) as file:
            dtype, dims = _read_idx_header(file, name)
            _check_idx_shape(dims, shape, max_items, name)
            raw = _read_exactly(file, math.prod(dims) * dtype.itemsize, dims, name)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{name}: not a readable gzip file ({type(exc).__name__}: {exc}); delete it, and "
            "it is downloaded again (or copy a good one there)"
        ) from None
    data = np.frombuffer(raw, dtype=dtype).reshape(dims)
    if dtype.itemsize == 1:
        return data
    native: Array = data.astype(dtype.newbyteorder("="))
    return native


def _open_maybe_gzip(name: str) -> io.BufferedIOBase:
    if name.endswith(".gz"):
        return gzip.open(name, "rb")
    return open(name, "rb")  # closed by the caller's with-statement


def _read_idx_header(file: io.BufferedIOBase, name: str) -> tuple[np.dtype[Any], tuple[int, ...]]:
    magic = file.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{name}: not an IDX file (bad magic number {magic!r}; IDX files start with two "
            "zero bytes, a type code and the number of dimensions)"
        )
    ndim = magic[3]
    dims_raw = file.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise ValueError(f"{name}: the IDX header is cut short (expected {ndim} dimensions)")
    return _IDX_DTYPES[magic[2]], struct.unpack(f">{ndim}I", dims_raw)


def _check_idx_shape(
    dims: tuple[int, ...],
    shape: tuple[int | None, ...] | None,
    max_items: int | None,
    name: str,
) -> None:
    if shape is not None:
        fits = len(dims) == len(shape) and all(
            want is None or want == got for want, got in zip(shape, dims, strict=True)
        )
        if not fits:
            wanted = "(" + ", ".join("N" if d is None else str(d) for d in shape) + ")"
            raise ValueError(
                f"{name}: the IDX header says shape {dims}, but this file must have shape "
                f"{wanted}: it is not the file its name says"
            )
    if max_items is not None and dims and dims[0] > max_items:
        raise ValueError(
            f"{name}: the IDX header says {dims[0]:,} items; this file has at most {max_items:,}"
        )


def _read_exactly(
    file: io.BufferedIOBase, size: int, dims: tuple[int, ...], name: str
) -> bytearray:
    """``size`` bytes from ``file``, grown as they arrive; an error if there are fewer or more."""
    raw = bytearray()
    while len(raw) < size:
        chunk = file.read(min(_READ_CHUNK, size - len(raw)))
        if not chunk:
            raise ValueError(
                f"{name}: the IDX header says shape {dims} ({size:,} bytes of data), but the "
                f"file ends after {len(raw):,}"
            )
        raw += chunk
    if file.read(1):
        raise ValueError(
            f"{name}: more data follows the {size:,} bytes its IDX header (shape {dims}) "
            "accounts for: a damaged file, or not an IDX file"
        )
    return raw


def read_text(path: PathLike, limit: int) -> str:
    """A UTF-8 text file of at most ``limit`` bytes, with universal newlines (as DeZero's
    ``open(path)`` reads it)."""
    name = os.fspath(path)
    size = os.path.getsize(name)
    if size > limit:
        raise ValueError(f"{name}: {size:,} bytes, more than this file can have ({limit:,})")
    with open(name, "rb") as file:
        raw = file.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"{name}: grew past {limit:,} bytes while it was read")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name}: not UTF-8 text (byte {exc.start:,}: {exc.reason}); delete it, and it is "
            "downloaded again"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_imagenet_labels(path: PathLike, limit: int) -> dict[int, str]:
    """The class names in ``path``: a Python dict literal ``{0: 'tench, Tinca tinca', ...}``
    with keys 0-999, parsed as a literal (DeZero runs it through ``eval``)."""
    import ast

    name = os.fspath(path)
    text = read_text(name, limit)
    try:
        parsed: object = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise ValueError(
            f"{name}: not a dict literal of class names ({type(exc).__name__}); delete it, and "
            "it is downloaded again"
        ) from None
    entries = _as_dict(parsed)
    labels = {
        key: value
        for key, value in (entries or {}).items()
        if type(key) is int and isinstance(value, str)
    }
    if entries is None or len(labels) != len(entries) or set(labels) != set(range(1000)):
        raise ValueError(
            f"{name}: not ImageNet's class names (a dict of 1,000 names keyed 0 to 999)"
        )
    return labels


def _as_dict(obj: object) -> dict[object, object] | None:
    """``obj`` if it is a dict (of anything: what a file held), else None."""
    return cast("dict[object, object]", obj) if isinstance(obj, dict) else None


def _as_tuple(obj: object) -> tuple[object, ...] | None:
    """``obj`` if it is a tuple (of anything: what a file held), else None."""
    return cast("tuple[object, ...]", obj) if isinstance(obj, tuple) else None


def _as_list(obj: object) -> list[object] | None:
    """``obj`` if it is a list (of anything: what a file held), else None."""
    return cast("list[object]", obj) if isinstance(obj, list) else None


# -- CIFAR: tar.gz archives of pickled batches ----------------------------------------------------


def read_cifar(
    path: PathLike,
    members: Sequence[str],
    *,
    label_key: str,
    n_classes: int,
    per_member: int,
) -> tuple[Array, Array]:
    """Images ``(N, 3, 32, 32)`` uint8 and labels ``(N,)`` int64 from CIFAR batches.

    ``members`` are the batches in the archive to read, in order; each holds at most
    ``per_member`` images, which bounds its size before it is read.  Each batch is a pickle
    written by Python 2: it is checked instruction by instruction before it is unpickled, and
    only the few NumPy names a batch contains are allowed, stood in for by plugrad's own
    classes, so loading it runs no code the file names.
    """
    name = os.fspath(path)
    limit = per_member * (_CIFAR_IMAGE_BYTES + 256) + (64 << 10)
    found: dict[str, tuple[Array, Array]] = {}
    for member, raw in _tar_members(name, {m: limit for m in members}):
        where = f"{name}: {member}"
        batch = _load_batch_pickle(raw, where)
        found[member] = _cifar_arrays(batch, where, label_key, n_classes, per_member)
    parts = [found.pop(member) for member in members]
    if len(parts) == 1:
        data, labels = parts[0]
    else:
        data = np.concatenate([part[0] for part in parts])
        labels = np.concatenate([part[1] for part in parts])
    return data.reshape(-1, 3, 32, 32), labels


def _tar_members(name: str, limits: dict[str, int]) -> Iterator[tuple[str, bytes]]:
    """The contents of the members ``limits`` names, each checked against its size limit
    (from the tar header) before it is read; the archive is read once, front to back."""
    import tarfile

    remaining = dict(limits)
    try:
        with tarfile.open(name, "r|gz") as archive:
            for member in archive:
                limit = remaining.pop(member.name, None)
                if limit is None:
                    continue
                if not member.isfile() or member.size > limit:
                    raise ValueError(
                        f"{name}: {member.name} is {member.size:,} bytes (a "
                        f"{'file' if member.isfile() else 'link or folder'}); that batch has "
                        f"at most {limit:,}"
                    )
                extracted = archive.extractfile(member)
                if extracted is None:
                    raise ValueError(f"{name}: {member.name} cannot be read")
                yield member.name, extracted.read(member.size)
                if not remaining:
                    return
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"{name}: not a readable tar.gz archive ({type(exc).__name__}: {exc}); delete it, "
            "and it is downloaded again"
        ) from None
    raise ValueError(
        f"{name}: no {', '.join(sorted(remaining))} in the archive: is it the python version "
        "of the data set (a *-python.tar.gz)?"
    )


def _cifar_arrays(
    batch: object, where: str, label_key: str, n_classes: int, most: int
) -> tuple[Array, Array]:
    entries = _as_dict(batch)
    if entries is None:
        raise ValueError(f"{where}: a {type(batch).__name__}, not a CIFAR batch (a dict)")
    data = _as_array(entries.get(b"data"))
    labels = _as_list(entries.get(label_key.encode()))
    if data is None or labels is None:
        raise ValueError(f"{where}: not a CIFAR batch (no 'data' array and '{label_key}' list)")
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _CIFAR_IMAGE_BYTES:
        raise ValueError(
            f"{where}: images are {data.dtype} {data.shape}; CIFAR's are uint8 (N, 3072)"
        )
    if len(data) > most or len(labels) != len(data):
        raise ValueError(
            f"{where}: {len(data):,} images and {len(labels):,} labels (at most {most:,} each, "
            "as many labels as images)"
        )
    if not all(type(label) is int and 0 <= label < n_classes for label in labels):
        raise ValueError(f"{where}: '{label_key}' holds something not in 0 to {n_classes - 1}")
    return data, np.array(labels, dtype=np.int64)


def _as_array(obj: object) -> Array | None:
    return cast("Array", obj) if isinstance(obj, np.ndarray) else None


class _NdarrayName:
    """Stands in for ``numpy.ndarray`` where a batch names it (only as an argument)."""


class _DtypeState:
    """Stands in for ``numpy.dtype(name, align, copy)`` while a batch is unpickled."""

    def __init__(self, name: object, align: object = 0, copy: object = 0) -> None:
        self.name = name.decode("latin-1") if isinstance(name, bytes) else name
        self.byteorder = "|"

    def __setstate__(self, state: object) -> None:
        fields = _as_tuple(state)
        if fields is not None and len(fields) > 1:
            order = fields[1]
            self.byteorder = order.decode("latin-1") if isinstance(order, bytes) else str(order)

    def dtype(self, where: str) -> np.dtype[Any]:
        try:
            dtype = np.dtype(str(self.name))
        except TypeError:
            raise ValueError(f"{where}: an array of unknown type {self.name!r}") from None
        if dtype.kind not in "biuf":
            raise ValueError(f"{where}: an array of {dtype}, not numbers")
        if self.byteorder == ">":
            return dtype.newbyteorder(">")
        if self.byteorder == "<":
            return dtype.newbyteorder("<")
        return dtype


class _ArrayState:
    """Stands in for ``numpy.core.multiarray._reconstruct(...)``: the pickle's next instruction
    hands it the array's state (shape, dtype, raw bytes), checked before it becomes an array."""

    def __init__(self, *args: object) -> None:
        self.state: object = None

    def __setstate__(self, state: object) -> None:
        self.state = state

    def array(self, where: str) -> Array:
        state = _as_tuple(self.state)
        if state is None or len(state) != 5:
            raise ValueError(f"{where}: an array pickled in an unknown layout")
        _version, shape_state, dtype_state, fortran, raw = state
        dims = _as_tuple(shape_state) or ()
        shape = tuple([d for d in dims if type(d) is int and d >= 0])
        if (
            not isinstance(shape_state, tuple)
            or len(shape) != len(dims)
            or not isinstance(dtype_state, _DtypeState)
            or not isinstance(raw, bytes)
        ):
            raise ValueError(f"{where}: an array pickled in an unknown layout")
        dtype = dtype_state.dtype(where)
        if math.prod(shape) * dtype.itemsize != len(raw):
            raise ValueError(
                f"{where}: an array of shape {shape} ({dtype}) with {len(raw):,} bytes of data"
            )
        return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")


_PICKLE_NAMES: Final[dict[tuple[str, str], object]] = {
    ("numpy.core.multiarray", "_reconstruct"): _ArrayState,
    ("numpy._core.multiarray", "_reconstruct"): _ArrayState,
    ("numpy", "ndarray"): _NdarrayName,
    ("numpy", "dtype"): _DtypeState,
}
# Instructions a batch written by Python 2 never holds: names from the stack, object creation
# by other routes, and out-of-band buffers.  BINBYTES* are left to the length check below.
_PICKLE_REFUSED: Final = frozenset(
    {
        "STACK_GLOBAL",
        "INST",
        "OBJ",
        "NEWOBJ",
        "NEWOBJ_EX",
        "EXT1",
        "EXT2",
        "EXT4",
        "PERSID",
        "BINPERSID",
        "NEXT_BUFFER",
        "READONLY_BUFFER",
    }
)


def _load_batch_pickle(raw: bytes, where: str) -> object:
    """Unpickle one CIFAR batch after checking every instruction (see ``read_cifar``)."""
    import pickle

    _check_pickle(raw, where)

    class BatchUnpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            return _PICKLE_NAMES[(module, name)]  # the only names _check_pickle lets through

    try:
        batch = BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as exc:
        raise ValueError(f"{where}: a damaged pickle ({type(exc).__name__}: {exc})") from None
    return _resolve_arrays(batch, where)


def _check_pickle(raw: bytes, where: str) -> None:
    """Refuse a pickle with an instruction or name a CIFAR batch never has, or one that claims
    more data than it holds (the unpickler would allocate the claim before reading it)."""
    import pickletools

    refused: str | None = None
    try:
        for opcode, arg, _position in pickletools.genops(raw):
            if opcode.name in _PICKLE_REFUSED:
                refused = f"the pickle instruction {opcode.name}"
            elif opcode.name == "GLOBAL":
                module, _, attribute = str(arg).partition(" ")
                if (module, attribute) not in _PICKLE_NAMES:
                    refused = f"the name {module}.{attribute}"
            if refused is not None:
                break
    except ValueError as exc:  # a length past the end, an unknown instruction, no STOP
        raise ValueError(f"{where}: a damaged pickle ({exc})") from None
    if refused is not None:
        raise ValueError(
            f"{where}: uses {refused}, which a CIFAR batch never does; not loaded (the "
            "archive is not the one the data set publishes)"
        )


def _resolve_arrays(batch: object, where: str) -> object:
    entries = _as_dict(batch)
    if entries is not None:
        return {key: _resolve_arrays(value, where) for key, value in entries.items()}
    if isinstance(batch, _ArrayState):
        return batch.array(where)
    if isinstance(batch, _DtypeState | _NdarrayName):
        raise ValueError(f"{where}: a stray NumPy name in the batch")
    return batch


# -- showing images ----------------------------------------------------------------------------


def _show_grid(images: Array, row: int, col: int) -> None:
    """``row`` x ``col`` images picked at random (NumPy's global generator, as in DeZero)."""
    import importlib

    try:
        # Typed ModuleType: matplotlib's pyplot leaves **kwargs unannotated.
        plt = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise ImportError("show() needs matplotlib: pip install 'plugrad[plot]'") from None
    channels, height, width = images.shape[1:]
    grid = np.zeros((height * row, width * col, channels), dtype=np.uint8)
    for r in range(row):
        for c in range(col):
            image = images[np.random.randint(0, len(images))]
            grid[r * height : (r + 1) * height, c * width : (c + 1) * width] = image.transpose(
                1, 2, 0
            )
    if channels == 1:
        plt.imshow(grid[:, :, 0], cmap="gray", interpolation="nearest")
    else:
        plt.imshow(grid, interpolation="nearest")
    plt.axis("off")
    plt.show()


__all__ = [
    "CIFAR10",
    "CIFAR100",
    "MNIST",
    "MNIST_FILES",
    "Dataset",
    "Digits",
    "DownloadError",
    "ImageNet",
    "Shakespear",
    "SinCurve",
    "Spiral",
    "data_dir",
    "get_spiral",
    "read_cifar",
    "read_idx",
    "read_imagenet_labels",
    "read_text",
]
