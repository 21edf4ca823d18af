"""Data sets and loaders, through the public API: files that are missing, damaged, of the wrong
kind or claiming more than they hold are refused by name, before anything large is allocated;
loader and data set arguments are checked where they are given."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plugrad.dataloaders import DataLoader, SeqDataLoader
from plugrad.datasets import CIFAR10, CIFAR100, MNIST, Shakespear, SinCurve, Spiral
from tests.data._formats import idx_gz, mnist_files
from tests.reliability._table import bad, bad_in, good, run_bad, run_good, untyped

MIB = 1 << 20


def _mnist(folder: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    for name, body in mnist_files(images, labels, train=True).items():
        (folder / name).write_bytes(body)
    return folder


def _images(count: int = 5, size: tuple[int, int] = (28, 28)) -> np.ndarray:
    return np.arange(count * size[0] * size[1], dtype=np.uint8).reshape(count, *size)


IMAGES = "train-images-idx3-ubyte.gz"
LABELS = "train-labels-idx1-ubyte.gz"


def _replace(name: str, body: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        _mnist(folder, _images(), np.arange(5))
        (folder / name).write_bytes(body)
        return folder

    return make


FILES_BAD = [
    bad_in("MNIST missing", lambda d: d, FileNotFoundError, IMAGES, "download=False"),
    bad_in(
        "MNIST counts differ",
        lambda d: _mnist(d, _images(5), np.arange(4)),
        ValueError,
        "5 images",
        "4 labels",
    ),
    bad_in(
        "MNIST label 11",
        lambda d: _mnist(d, _images(5), np.array([0, 1, 2, 3, 11])),
        ValueError,
        LABELS,
        "11",
    ),
    bad_in(
        "MNIST 27x28 images",
        lambda d: _mnist(d, _images(5, (27, 28)), np.arange(5)),
        ValueError,
        IMAGES,
        "(5, 27, 28)",
    ),
    bad_in(
        "MNIST labels as images",
        _replace(IMAGES, idx_gz(np.arange(5))),
        ValueError,
        IMAGES,
        "(N, 28, 28)",
    ),
    bad_in("MNIST text", _replace(IMAGES, b"<html>not found</html>"), ValueError, IMAGES, "gzip"),
    bad_in(
        "MNIST cut short", _replace(IMAGES, idx_gz(_images())[:-40]), ValueError, IMAGES, "gzip"
    ),
    bad_in("MNIST empty", _replace(LABELS, b""), ValueError, LABELS),
    bad_in(
        "MNIST bad magic",
        _replace(IMAGES, gzip.compress(b"\x01\x02\x08\x03" + bytes(64))),
        ValueError,
        IMAGES,
        "IDX",
    ),
    bad_in(
        "MNIST trailing data",
        _replace(LABELS, gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, 5) + bytes(9))),
        ValueError,
        LABELS,
        "more data",
    ),
    bad_in(
        "MNIST too many labels claimed",
        _replace(LABELS, gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, 60_001))),
        ValueError,
        LABELS,
        "60,001",
    ),
    bad_in(
        "MNIST float images",
        _replace(IMAGES, gzip.compress(struct.pack(">BBBB3I", 0, 0, 0x0D, 3, 5, 28, 28))),
        ValueError,
        IMAGES,
    ),
]


@pytest.mark.parametrize(("make", "error", "words"), FILES_BAD)
def test_a_bad_mnist_folder_is_refused_by_name(
    tmp_path: Path, make: Callable[[Path], Path], error: type[Exception], words: list[str]
) -> None:
    folder = make(tmp_path)
    run_bad(lambda: MNIST(root=folder, download=False), error, words)


@pytest.mark.parametrize(
    "dims", [(65536, 65536, 65536), (2**31, 28, 28)], ids=["2^48 pixels", "2^31 images"]
)
def test_an_idx_header_claiming_huge_data_allocates_nothing(
    tmp_path: Path, dims: tuple[int, int, int]
) -> None:
    header = struct.pack(">BBBB3I", 0, 0, 8, 3, *dims)
    _mnist(tmp_path, _images(), np.arange(5))
    (tmp_path / IMAGES).write_bytes(gzip.compress(header + bytes(100)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=IMAGES):
            MNIST(root=tmp_path, download=False)
        assert tracemalloc.get_traced_memory()[1] < 2 * MIB
    finally:
        tracemalloc.stop()


TEXT_BAD = [
    bad("not UTF-8", lambda: b"\xff\xfe\x00", ValueError, "shakespear.txt", "UTF-8"),
    bad("empty", lambda: b"", ValueError, "shakespear.txt", "two or more"),
    bad("one character", lambda: b"a", ValueError, "shakespear.txt", "two or more"),
]


@pytest.mark.parametrize(("body", "error", "words"), TEXT_BAD)
def test_a_bad_text_is_refused_by_name(
    tmp_path: Path, body: Callable[[], bytes], error: type[Exception], words: list[str]
) -> None:
    (tmp_path / "shakespear.txt").write_bytes(body())
    run_bad(lambda: Shakespear(root=tmp_path, download=False), error, words)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (CIFAR10, "cifar-10-python.tar.gz"),
        (CIFAR100, "cifar-100-python.tar.gz"),
        (Shakespear, "shakespear.txt"),
    ],
    ids=["CIFAR10", "CIFAR100", "Shakespear"],
)
def test_a_missing_file_says_where_to_put_it(
    tmp_path: Path, make: Callable[..., object], name: str
) -> None:
    run_bad(lambda: make(root=tmp_path, download=False), FileNotFoundError, [name, str(tmp_path)])


def test_a_non_gzip_cifar_archive_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"<!DOCTYPE html>")
    run_bad(lambda: CIFAR10(root=tmp_path, download=False), ValueError, ["cifar-10-python.tar.gz"])


LOADER_BAD = [
    bad("batch_size 0", lambda: DataLoader(Spiral(), 0), ValueError, "batch_size", "0"),
    bad("batch_size -1", lambda: DataLoader(Spiral(), -1), ValueError, "batch_size", "-1"),
    bad("batch_size str", lambda: DataLoader(Spiral(), untyped("10")), ValueError, "batch_size"),
    bad("batch_size float", lambda: DataLoader(Spiral(), untyped(10.0)), ValueError, "10.0"),
    bad("batch_size bool", lambda: DataLoader(Spiral(), untyped(True)), ValueError, "True"),
    bad("batch_size None", lambda: DataLoader(Spiral(), untyped(None)), ValueError, "None"),
    bad("gpu", lambda: DataLoader(Spiral(), 10, gpu=True), RuntimeError, "NumPy only"),
    bad("seq gpu", lambda: SeqDataLoader(SinCurve(), 10, gpu=True), RuntimeError, "NumPy only"),
    bad("to_gpu", lambda: DataLoader(Spiral(), 10).to_gpu(), RuntimeError, "NumPy only"),
    bad("index slice", lambda: Spiral()[untyped(slice(0, 2))], TypeError, "Spiral", "slice"),
    bad("index float", lambda: Spiral()[untyped(1.0)], TypeError, "Spiral", "float"),
    bad("index str", lambda: Spiral()[untyped("0")], TypeError, "Spiral", "str"),
    bad("index list", lambda: Spiral()[untyped([0, 1])], TypeError, "Spiral", "DataLoader"),
    bad("index bool", lambda: Spiral()[untyped(True)], TypeError, "Spiral", "bool"),
]


@pytest.mark.parametrize(("call", "error", "words"), LOADER_BAD)
def test_a_bad_loader_argument_is_refused(
    call: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(call, error, words)


def _epochs(loader: DataLoader, count: int) -> list[list[Any]]:
    return [[x.tolist() for x, _ in loader] for _ in range(count)]


LOADER_GOOD = [
    good(
        "batches and a partial last one",
        lambda: [len(x) for x, _ in DataLoader(Spiral(), 128)],
        lambda n: n == [128, 128, 44],
    ),
    good(
        "labels kept in step",
        lambda: next(iter(DataLoader(Spiral(), 300, shuffle=False)))[1][:3].tolist(),
        lambda t: t == Spiral().label[:3].tolist(),
    ),
    good(
        "a seeded generator repeats",
        lambda: (
            _epochs(DataLoader(Spiral(), 100, rng=np.random.default_rng(1)), 1)
            == _epochs(DataLoader(Spiral(), 100, rng=np.random.default_rng(1)), 1)
        ),
        bool,
    ),
    good(
        "each epoch reshuffles",
        lambda: (lambda e: e[0] != e[1])(
            _epochs(DataLoader(Spiral(), 300, rng=np.random.default_rng(2)), 2)
        ),
        bool,
    ),
    good(
        "sequence batches",
        lambda: next(iter(SeqDataLoader(SinCurve(), 3)))[0].shape,
        lambda s: s == (3, 1),
    ),
    good(
        "negative index (NumPy's)",
        lambda: Spiral()[-1][1],
        lambda t: int(t) == int(Spiral().label[-1]),
    ),
    good("numpy int index", lambda: Spiral()[untyped(np.int64(0))][0].shape, lambda s: s == (2,)),
]


@pytest.mark.parametrize(("call", "check"), LOADER_GOOD)
def test_legitimate_loaders_work(
    call: Callable[[], object], check: Callable[[Any], object]
) -> None:
    run_good(call, check)


def test_mnist_from_tiny_files_gives_what_the_files_hold(tmp_path: Path) -> None:
    images, labels = _images(5), np.array([3, 1, 4, 1, 5])
    data = MNIST(root=_mnist(tmp_path, images, labels), download=False)
    assert len(data) == 5
    x, t = data[2]
    np.testing.assert_allclose(x, images[2].reshape(-1) / 255.0, rtol=1e-6)
    assert x.dtype == np.float32
    assert int(t) == 4
