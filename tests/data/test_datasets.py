"""Every DeZero data set, read from fixture files served by the local server (checksums of the
fixtures injected for the test) or put in place by hand, as offline users do."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import plugrad
from plugrad import datasets, transforms
from plugrad._download import KNOWN_FILES, DownloadError, RemoteFile
from plugrad.datasets import CIFAR10, CIFAR100, MNIST, ImageNet, Shakespear
from plugrad.models import VGG16
from plugrad.nn._weights import WeightsFileError
from tests.data._formats import (
    cifar10_archive,
    cifar_batch,
    imagenet_labels_text,
    mnist_files,
    pinned,
    tar_gz,
)
from tests.data._server import FixtureServer, dead_url

ROOT = Path(__file__).resolve().parents[2]


def _serve_known(
    monkeypatch: pytest.MonkeyPatch, server: FixtureServer, files: dict[str, bytes]
) -> None:
    """Serve ``files`` and make them the known files of their names (checksums injected)."""
    for name, body in files.items():
        url = server.serve(name, body)
        real = KNOWN_FILES[name]
        if real.checksum is None:
            remote = RemoteFile(name, (url,), None, None, max_size=real.max_size, magic=real.magic)
        else:
            remote = pinned(name, body, (url,))
        monkeypatch.setitem(KNOWN_FILES, name, remote)


def _tiny_mnist(seed: int = 0) -> tuple[dict[str, bytes], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    files = mnist_files(images, labels, train=True) | mnist_files(images[:2], labels[:2], False)
    return files, images, labels


def test_every_dezero_data_set_and_transform_name_exists() -> None:
    for name in (
        "Dataset",
        "get_spiral",
        "Spiral",
        "SinCurve",
        "MNIST",
        "CIFAR10",
        "CIFAR100",
        "ImageNet",
        "Shakespear",
    ):
        assert hasattr(datasets, name), name
    for name in (
        "Compose",
        "Convert",
        "Resize",
        "CenterCrop",
        "ToArray",
        "ToPIL",
        "RandomHorizontalFlip",
        "Normalize",
        "Flatten",
        "AsType",
        "ToFloat",
        "ToInt",
    ):
        assert hasattr(transforms, name), name
    assert plugrad.is_simple_core is False
    assert "is_simple_core" in plugrad.__all__


# -- MNIST ------------------------------------------------------------------------------------


def test_mnist_is_downloaded_checked_and_read_once(
    server: FixtureServer,
    monkeypatch: pytest.MonkeyPatch,
    data_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files, images, labels = _tiny_mnist()
    _serve_known(monkeypatch, server, files)
    train = MNIST(train=True)  # the default folder ($PLUGRAD_DATA here) and download=True
    assert train.root == str(data_home)
    assert train.data.shape == (5, 1, 28, 28)
    np.testing.assert_array_equal(train.data[:, 0], images)
    np.testing.assert_array_equal(train.label, labels)
    x, t = train[2]
    assert x.shape == (784,)
    assert x.dtype == np.float32
    assert t == 4
    assert server.requests == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    MNIST(train=True)
    assert len(server.requests) == 2  # the verified files in the cache are used
    assert capsys.readouterr().err.count("SHA-256 verified") == 2


def test_mnist_from_a_mirror_serving_other_valid_files_is_refused(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch, data_home: Path
) -> None:
    files, _images, _labels = _tiny_mnist()
    _serve_known(monkeypatch, server, files)
    # the mirror now serves other, valid IDX files: three images, all labelled 7 ...
    others = mnist_files(np.zeros((3, 28, 28)), np.full(3, 7), train=True)
    for name, body in others.items():
        server.serve(name, body)
    with pytest.raises(DownloadError, match=r"train-images-idx3-ubyte\.gz: declares \d"):
        MNIST(train=True)
    # ... and the images file where the labels should be
    server.serve("t10k-labels-idx1-ubyte.gz", files["t10k-images-idx3-ubyte.gz"])
    with pytest.raises(DownloadError, match=r"t10k-labels-idx1-ubyte.gz: declares"):
        MNIST(train=False)
    assert sorted(p.name for p in data_home.iterdir()) == ["t10k-images-idx3-ubyte.gz"]


def test_mnist_from_a_manual_copy_is_checked_by_format(tmp_path: Path) -> None:
    files, _images, _labels = _tiny_mnist()
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    assert len(MNIST(train=False, root=tmp_path, download=False)) == 2
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(files["t10k-images-idx3-ubyte.gz"])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz: the IDX header says shape"):
        MNIST(train=False, root=tmp_path, download=False)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(
        mnist_files(np.zeros((3, 28, 28)), np.array([7, 7, 7]), train=False)[
            "t10k-labels-idx1-ubyte.gz"
        ]
    )
    with pytest.raises(ValueError, match=r"has 2 images but .*t10k-labels-idx1-ubyte\.gz has 3"):
        MNIST(train=False, root=tmp_path, download=False)


def _mnist_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_example_mnist_data", ROOT / "examples/mnist.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mnist_example_download_fails_with_status_1_and_the_causes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in MNIST_NAMES:
        monkeypatch.setitem(KNOWN_FILES, name, pinned(name, b"\x1f\x8b", (dead_url(name),)))
    assert _mnist_example().main(["--download", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "could not get the MNIST data" in err
    assert "could not download train-images-idx3-ubyte.gz" in err
    assert "connection refused by 127.0.0.1" in err
    assert list(tmp_path.iterdir()) == []


def test_mnist_example_downloads_then_trains(
    server: FixtureServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files, _images, _labels = _tiny_mnist()
    _serve_known(monkeypatch, server, files)
    args = ["--download", "--root", str(tmp_path), "--epochs", "1", "--hidden", "8"]
    assert _mnist_example().main(args) == 0
    assert "epoch 1" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


MNIST_NAMES = [name for names in datasets.MNIST_FILES.values() for name in names]


# -- CIFAR ------------------------------------------------------------------------------------


def test_cifar10_is_downloaded_and_read(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, images, labels = cifar10_archive(np.random.default_rng(2))
    _serve_known(monkeypatch, server, {"cifar-10-python.tar.gz": archive})
    train = CIFAR10(train=True)
    assert train.data.shape == (15, 3, 32, 32)
    np.testing.assert_array_equal(train.data, images)
    np.testing.assert_array_equal(train.label, labels)
    x, t = train[4]
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, (images[4].astype(np.float32) - 0.5) / 0.5)  # DeZero's transform
    assert t == labels[4]
    test = CIFAR10(train=False)
    assert test.data.shape == (3, 3, 32, 32)
    assert server.requests == ["cifar-10-python.tar.gz"]
    assert CIFAR10.labels()[0] == "airplane"
    assert len(CIFAR10.labels()) == 10


def test_cifar100_fine_and_coarse_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
    fine, coarse = [99, 0, 42, 7], [19, 0, 5, 3]
    batch = cifar_batch(images, {b"fine_labels": fine, b"coarse_labels": coarse})
    archive = tar_gz({"cifar-100-python/train": batch, "cifar-100-python/test": batch})
    (tmp_path / "cifar-100-python.tar.gz").write_bytes(archive)
    by_fine = CIFAR100(train=True, root=tmp_path, download=False)
    assert by_fine.data.shape == (4, 3, 32, 32)
    assert by_fine.label.tolist() == fine
    by_coarse = CIFAR100(train=False, label_type="coarse", root=tmp_path, download=False)
    assert by_coarse.label.tolist() == coarse
    with pytest.raises(ValueError, match="label_type is 'fine' or 'coarse', got 'medium'"):
        CIFAR100(label_type="medium", root=tmp_path, download=False)
    assert len(CIFAR100.labels()) == 100
    assert CIFAR100.labels()[99] == "worm"
    assert CIFAR100.labels("coarse")[19] == "vehicles 2"


# -- text -----------------------------------------------------------------------------------------

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"


def test_shakespear_numbers_characters_as_dezero_does(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_known(monkeypatch, server, {"shakespear.txt": TEXT.encode()})
    data = Shakespear()
    char_to_id: dict[str, int] = {}
    for char in TEXT:  # DeZero's numbering: order of first appearance
        char_to_id.setdefault(char, len(char_to_id))
    ids = [char_to_id[c] for c in TEXT]
    assert data.char_to_id == char_to_id
    assert data.id_to_char == {i: c for c, i in char_to_id.items()}
    assert data.data.tolist() == ids[:-1]
    assert data.label.tolist() == ids[1:]
    assert data.data.dtype == np.int64
    assert len(data) == len(TEXT) - 1


def test_shakespear_refuses_a_file_larger_than_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = KNOWN_FILES["shakespear.txt"].limit
    assert limit == 1_115_394
    path = tmp_path / "shakespear.txt"
    path.write_bytes(b"a" * (limit + 1))
    with pytest.raises(ValueError, match=rf"^{path}: 1,115,395 bytes, more than this file can"):
        Shakespear(root=tmp_path, download=False)


def test_imagenet_labels_are_fetched_and_parsed_as_a_literal(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_known(monkeypatch, server, {"imagenet1000_clsidx_to_labels.txt": imagenet_labels_text()})
    labels = ImageNet.labels()
    assert len(labels) == 1000
    assert labels[0] == "tench, Tinca tinca"
    assert labels[999] == "class 999, the 999th"
    assert "no published checksum: size and format checked only" in capsys.readouterr().err
    with pytest.raises(NotImplementedError, match=r"ImageNet\.labels\(\) gives the 1,000 class"):
        ImageNet()


# -- pretrained weights -------------------------------------------------------------------------


def test_pretrained_weights_go_through_the_checking_download(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch, data_home: Path
) -> None:
    page = server.serve("vgg16.npz", b"<!DOCTYPE html><html>rate limited</html>")
    real = KNOWN_FILES["vgg16.npz"]
    monkeypatch.setattr(VGG16, "WEIGHTS_PATH", page)
    monkeypatch.setitem(
        KNOWN_FILES,
        "vgg16.npz",
        RemoteFile("vgg16.npz", (page,), None, None, max_size=real.max_size, magic=real.magic),
    )
    with pytest.raises(DownloadError, match="is an HTML page, not the file"):
        VGG16(pretrained=True)
    assert not data_home.exists() or list(data_home.iterdir()) == []
    weights = io.BytesIO()
    savez: Callable[..., None] = np.savez  # its stub reads the first keyword as allow_pickle
    savez(weights, **{"unrelated/W": np.zeros(3)})
    server.serve("vgg16.npz", weights.getvalue())
    with pytest.raises(WeightsFileError):  # fetched and handed to load_weights, which checks it
        VGG16(pretrained=True)
    assert (data_home / "vgg16.npz").read_bytes() == weights.getvalue()


def test_show_draws_random_images_in_a_grid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plt = pytest.importorskip("matplotlib.pyplot", reason="show() draws with matplotlib")
    drawn: list[tuple[np.ndarray, object]] = []

    def imshow(grid: np.ndarray, **kw: object) -> None:
        drawn.append((grid, kw.get("cmap")))

    def axis(*args: object) -> None:
        pass

    def show() -> None:
        drawn.append((np.zeros(0), "shown"))

    monkeypatch.setattr(plt, "imshow", imshow)
    monkeypatch.setattr(plt, "axis", axis)
    monkeypatch.setattr(plt, "show", show)
    files, images, _labels = _tiny_mnist()
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    np.random.seed(0)
    MNIST(root=tmp_path, download=False).show(row=2, col=3)
    grid, cmap = drawn[0]
    assert grid.shape == (56, 84)
    assert cmap == "gray"
    np.random.seed(0)
    np.testing.assert_array_equal(grid[:28, :28], images[np.random.randint(0, 5)])
    assert drawn[1][1] == "shown"
