"""The readers check what a file says about itself against what the data set can be before they
allocate, never read past it, and name the file in every error."""

from __future__ import annotations

import gzip
import pickle
import struct
import tarfile
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from plugrad.datasets import read_cifar, read_idx, read_imagenet_labels, read_text
from tests.data._formats import cifar10_archive, cifar_batch, idx_gz, python2_batch, tar_gz

MIB = 1 << 20


@pytest.fixture
def peak_memory() -> Iterator[Callable[[], int]]:
    """The peak of Python allocations (bytes) since the test started, when called."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _gzip_of_zeros(path: Path, header: bytes, megabytes: int) -> None:
    with gzip.open(path, "wb") as file:
        file.write(header)
        zeros = bytes(MIB)
        for _ in range(megabytes):
            file.write(zeros)


# -- IDX --------------------------------------------------------------------------------------


def test_a_gzip_bomb_of_zeros_stops_at_the_magic_number(
    tmp_path: Path, peak_memory: Callable[[], int]
) -> None:
    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    _gzip_of_zeros(bomb, b"", 64)
    assert bomb.stat().st_size < MIB  # 64 MiB of zeros in ~64 KiB
    tracemalloc.reset_peak()
    with pytest.raises(ValueError, match=rf"^{bomb}: not an IDX file \(bad magic number"):
        read_idx(bomb)
    assert peak_memory() < 2 * MIB


def test_data_past_the_header_is_refused_without_reading_it(
    tmp_path: Path, peak_memory: Callable[[], int]
) -> None:
    padded = tmp_path / "t10k-labels-idx1-ubyte.gz"
    _gzip_of_zeros(padded, struct.pack(">BBBBI", 0, 0, 8, 1, 10) + bytes(10), 64)
    tracemalloc.reset_peak()
    with pytest.raises(ValueError, match=rf"^{padded}: more data follows the 10 bytes"):
        read_idx(padded, shape=(None,))
    assert peak_memory() < 2 * MIB


def test_huge_header_dimensions_do_not_wrap_or_allocate(
    tmp_path: Path, peak_memory: Callable[[], int]
) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">BBBB4I", 0, 0, 8, 4, *[65536] * 4) + bytes(100)))
    tracemalloc.reset_peak()
    with pytest.raises(ValueError, match=r"header says shape \(65536, 65536, 65536, 65536\)"):
        read_idx(path, shape=(None, 28, 28))
    with pytest.raises(ValueError, match=r"18,446,744,073,709,551,616 bytes of data\), but the fi"):
        read_idx(path)  # no expectation: the file's end shows the header is wrong
    assert peak_memory() < 2 * MIB


def test_more_items_than_the_data_set_has_is_refused_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, 10_001)))
    with pytest.raises(ValueError, match=r"header says 10,001 items; this file has at most 10,000"):
        read_idx(path, shape=(None,), max_items=10_000)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        pytest.param(idx_gz(np.zeros((3, 28, 28)))[:-30], "EOFError", id="gzip cut short"),
        pytest.param(b"<!DOCTYPE html><html></html>", "BadGzipFile", id="an HTML page"),
    ],
)
def test_a_damaged_gzip_file_is_named(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"^{path}: not a readable gzip file \({error}"):
        read_idx(path)


def test_a_file_of_the_wrong_shape_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(idx_gz(np.zeros((10, 28, 28))))  # the images file, under the labels' name
    with pytest.raises(
        ValueError, match=r"header says shape \(10, 28, 28\), but this file must have shape \(N\)"
    ):
        read_idx(path, shape=(None,))


def test_read_idx_reads_big_endian_types_into_native_order(tmp_path: Path) -> None:
    values = np.arange(6, dtype=np.int32).reshape(2, 3) - 3
    path = tmp_path / "ints.idx"
    path.write_bytes(struct.pack(">BBBB2I", 0, 0, 0x0C, 2, 2, 3) + values.astype(">i4").tobytes())
    read = read_idx(path)
    assert read.dtype == np.dtype(np.int32)
    assert read.dtype.isnative
    np.testing.assert_array_equal(read, values)


# -- CIFAR --------------------------------------------------------------------------------------


def test_the_fixture_batches_are_real_numpy_pickles() -> None:
    """The fixtures are what Python 2 wrote: NumPy's own unpickling agrees with them."""
    images = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    raw = cifar_batch(images, {b"labels": [3, 7]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # numpy.core is numpy._core now
        loaded = pickle.loads(raw, encoding="latin1")
    np.testing.assert_array_equal(loaded["data"], images)
    assert loaded["labels"] == [3, 7]
    assert loaded["filenames"] == ["image_0.png", "image_1.png"]


def test_cifar_batches_are_read_in_order_from_a_shuffled_archive(tmp_path: Path) -> None:
    archive, images, labels = cifar10_archive(np.random.default_rng(1))
    path = tmp_path / "cifar-10-python.tar.gz"
    path.write_bytes(archive)
    members = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
    data, label = read_cifar(path, members, label_key="labels", n_classes=10, per_member=10_000)
    assert data.shape == (15, 3, 32, 32)
    assert data.dtype == np.uint8
    assert label.dtype == np.int64
    np.testing.assert_array_equal(data, images)
    np.testing.assert_array_equal(label, labels)


def _cifar_archive(tmp_path: Path, batch: bytes, name: str = "test_batch") -> Path:
    path = tmp_path / "cifar-10-python.tar.gz"
    path.write_bytes(tar_gz({f"cifar-10-batches-py/{name}": batch}))
    return path


def _read_test_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    return read_cifar(
        path, ["cifar-10-batches-py/test_batch"], label_key="labels", n_classes=10, per_member=100
    )


def test_a_pickle_naming_anything_else_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = f"touch {marker}".encode()
    evil = (
        pickle.PROTO
        + b"\x02"
        + pickle.GLOBAL
        + b"os\nsystem\n"
        + pickle.SHORT_BINSTRING
        + bytes([len(command)])
        + command
        + pickle.TUPLE1
        + pickle.REDUCE
        + pickle.STOP
    )
    path = _cifar_archive(tmp_path, evil)
    with pytest.raises(ValueError, match=r"test_batch: uses the name os\.system, which a CIFAR"):
        _read_test_batch(path)
    assert not marker.exists()


def test_a_pickle_claiming_more_than_it_holds_allocates_nothing(
    tmp_path: Path, peak_memory: Callable[[], int]
) -> None:
    claim = pickle.PROTO + b"\x04" + b"\x8e" + (1 << 40).to_bytes(8, "little") + b"data"
    path = _cifar_archive(tmp_path, claim)
    tracemalloc.reset_peak()
    with pytest.raises(ValueError, match=r"test_batch: a damaged pickle"):
        _read_test_batch(path)
    assert peak_memory() < 2 * MIB


def test_a_tar_member_larger_than_a_batch_is_refused_before_it_is_read(tmp_path: Path) -> None:
    info = tarfile.TarInfo("cifar-10-batches-py/test_batch")
    info.size = 10**9  # the header claims a gigabyte; the archive holds a few bytes
    path = tmp_path / "cifar-10-python.tar.gz"
    path.write_bytes(gzip.compress(info.tobuf() + b"short" + bytes(507)))
    with pytest.raises(ValueError, match=r"test_batch is 1,000,000,000 bytes \(a file\)"):
        _read_test_batch(path)


def test_cifar_errors_name_the_archive_and_the_member(tmp_path: Path) -> None:
    images = np.zeros((2, 3072), dtype=np.uint8)
    wrong_label = _cifar_archive(tmp_path, cifar_batch(images, {b"labels": [1, 10]}))
    with pytest.raises(ValueError, match=rf"^{wrong_label}: cifar-10-batches-py/test_batch: "):
        _read_test_batch(wrong_label)
    too_many = cifar_batch(np.zeros((101, 3072), dtype=np.uint8), {b"labels": [0] * 101})
    with pytest.raises(ValueError, match=r"101 images and 101 labels \(at most 100 each"):
        _read_test_batch(_cifar_archive(tmp_path, too_many))
    odd_shape = python2_batch({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]})
    with pytest.raises(ValueError, match=r"images are uint8 \(2, 100\); CIFAR's are uint8"):
        _read_test_batch(_cifar_archive(tmp_path, odd_shape))
    other = _cifar_archive(tmp_path, cifar_batch(images, {b"labels": [0, 1]}), name="data_batch_1")
    with pytest.raises(ValueError, match=r"no cifar-10-batches-py/test_batch in the archive"):
        _read_test_batch(other)
    page = tmp_path / "page.tar.gz"
    page.write_bytes(b"<!DOCTYPE html><html></html>")
    with pytest.raises(ValueError, match=rf"^{page}: not a readable tar.gz archive"):
        _read_test_batch(page)


# -- text -----------------------------------------------------------------------------------------


def test_text_is_bounded_decoded_and_named(tmp_path: Path) -> None:
    path = tmp_path / "shakespear.txt"
    path.write_bytes(b"First Citizen:\r\nSpeak.\r")
    assert read_text(path, 100) == "First Citizen:\nSpeak.\n"
    with pytest.raises(
        ValueError, match=rf"^{path}: 23 bytes, more than this file can have \(20\)"
    ):
        read_text(path, 20)
    path.write_bytes(b"caf\xe9")
    with pytest.raises(ValueError, match=rf"^{path}: not UTF-8 text \(byte 3:"):
        read_text(path, 100)


def test_imagenet_labels_are_a_literal_never_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "imagenet1000_clsidx_to_labels.txt"
    path.write_text(f"__import__('os').system('touch {marker}')")
    with pytest.raises(ValueError, match=rf"^{path}: not a dict literal of class names"):
        read_imagenet_labels(path, 1000)
    assert not marker.exists()
    path.write_text("{0: 'tench', 1: 'goldfish'}")
    with pytest.raises(ValueError, match=r"not ImageNet's class names \(a dict of 1,000 names"):
        read_imagenet_labels(path, 1000)
    path.write_text("{" * 10_000)
    with pytest.raises(ValueError, match="not a dict literal"):
        read_imagenet_labels(path, 100_000)
