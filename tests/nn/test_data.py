"""Datasets, data loaders, transforms and the MNIST reader."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

import plugrad
from plugrad import transforms as T  # short, like F and L
from plugrad.dataloaders import DataLoader, SeqDataLoader
from plugrad.datasets import MNIST, Dataset, Digits, SinCurve, Spiral, get_spiral, read_idx

TinyMnist = tuple[np.ndarray, np.ndarray]

# -- spiral -----------------------------------------------------------------------------------


def _dezero_spiral_reference(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The book's generator, written out with the global RNG as the book does."""
    state = np.random.get_state()
    np.random.seed(seed)
    xs: list[list[float]] = []
    ts: list[int] = []
    for j in range(3):
        for i in range(100):
            rate = i / 100
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            xs.append([rate * np.sin(theta), rate * np.cos(theta)])
            ts.append(j)
    order = np.random.permutation(300)
    np.random.set_state(state)
    return np.array(xs, dtype=np.float32)[order], np.array(ts)[order]


@pytest.mark.parametrize(("train", "seed"), [(True, 1984), (False, 2020)])
def test_spiral_equals_the_books_points(train: bool, seed: int) -> None:
    x, t = get_spiral(train)
    ref_x, ref_t = _dezero_spiral_reference(seed)
    assert x.shape == (300, 2)
    assert x.dtype == np.float32
    assert t.shape == (300,)
    assert t.dtype.kind == "i"
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_array_equal(t, ref_t)
    assert np.bincount(t).tolist() == [100, 100, 100]
    assert float(np.max(np.hypot(x[:, 0], x[:, 1]))) < 1.0


def test_spiral_seeds_the_global_generator_as_dezero_does() -> None:
    """Step 48 builds its model after get_spiral: DeZero's numbers need DeZero's seeding."""
    np.random.seed(5)
    get_spiral(train=True)
    after_spiral = np.random.rand(3)
    np.random.seed(1984)
    np.random.randn(300)  # the 300 angles' noise
    np.random.permutation(300)
    np.testing.assert_array_equal(after_spiral, np.random.rand(3))
    np.random.seed(6)
    Spiral(train=False)
    np.random.seed(2020)
    np.random.randn(300)
    np.random.permutation(300)
    expected = np.random.rand()
    np.random.seed(2020)
    get_spiral(train=False)
    assert np.random.rand() == expected


def test_spiral_dataset_items_and_transforms() -> None:
    data = Spiral(train=False, transform=lambda x: x * 2, target_transform=lambda t: t + 10)
    x_ref, t_ref = get_spiral(train=False)
    assert len(data) == 300
    x, t = data[7]
    np.testing.assert_array_equal(x, x_ref[7] * 2)
    assert t == t_ref[7] + 10
    with pytest.raises(TypeError, match="one int index"):
        data[1:3]  # type: ignore[index]  # the mistake under test


def test_dataset_without_labels_gives_none() -> None:
    class Points(Dataset):
        def prepare(self) -> None:
            self.data = np.arange(6).reshape(3, 2)

    x, t = Points()[2]
    np.testing.assert_array_equal(x, [4, 5])
    assert t is None


def test_sin_curve_is_shifted_by_one() -> None:
    data = SinCurve(train=False)
    assert len(data) == 999
    x, t = data[10]
    grid = np.linspace(0, 2 * np.pi, 1000)
    np.testing.assert_allclose(x, [np.cos(grid[10])])
    np.testing.assert_allclose(t, [np.cos(grid[11])])


# -- data loaders -------------------------------------------------------------------------------


def test_dataloader_batches_cover_each_example_once_per_epoch() -> None:
    data = Spiral()
    loader = DataLoader(data, batch_size=32, rng=np.random.default_rng(0))
    sizes: list[int] = []
    seen: list[tuple[float, ...]] = []
    for x, t in loader:
        sizes.append(len(x))
        seen.extend(map(tuple, x.tolist()))
        assert x.dtype == np.float32
        assert len(t) == len(x)
    assert sizes == [32] * 9 + [12]
    every_example: list[tuple[float, ...]] = list(map(tuple, data.data.tolist()))
    assert sorted(seen) == sorted(every_example)
    assert len(list(loader)) == 10  # a second epoch after StopIteration reset the loader


def test_dataloader_batches_pair_inputs_with_labels() -> None:
    data = Spiral()
    x, t = next(DataLoader(data, batch_size=50, rng=np.random.default_rng(1)))
    for xi, ti in zip(x, t, strict=True):
        row = int(np.flatnonzero((data.data == xi).all(axis=1))[0])
        assert data.label[row] == ti


def test_dataloader_shuffle_is_deterministic_with_a_seed() -> None:
    data = Spiral()
    np.random.seed(3)
    first = [x for x, _ in DataLoader(data, batch_size=100)]
    np.random.seed(3)
    second = [x for x, _ in DataLoader(data, batch_size=100)]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    np.random.seed(3)
    np.testing.assert_array_equal(first[0], data.data[np.random.permutation(300)[:100]])
    np.random.seed(4)
    other = next(DataLoader(data, batch_size=100))[0]
    assert not np.array_equal(other, first[0])


def test_dataloader_without_shuffle_keeps_order_and_next() -> None:
    data = Spiral()
    loader = DataLoader(data, batch_size=100, shuffle=False)
    x, t = loader.next()
    np.testing.assert_array_equal(x, data.data[:100])
    np.testing.assert_array_equal(t, data.label[:100])
    loader.reset()
    np.testing.assert_array_equal(loader.next()[0], data.data[:100])


def test_dataloader_runs_transforms_per_example() -> None:
    data = Spiral(transform=T.Compose([T.AsType(np.float64), lambda x: x + 1.0]))
    x, _t = DataLoader(data, batch_size=10, shuffle=False).next()
    assert x.dtype == np.float64
    np.testing.assert_allclose(x, data.data[:10].astype(np.float64) + 1.0)


def test_dataloader_takes_any_indexable_dataset() -> None:
    pairs = [(np.array([i, i]), i % 2) for i in range(5)]
    batches = list(DataLoader(pairs, batch_size=2, shuffle=False))
    assert [b[1].tolist() for b in batches] == [[0, 1], [0, 1], [0]]
    np.testing.assert_array_equal(batches[0][0], [[0, 0], [1, 1]])


def test_dataloader_rejects_bad_batch_size() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Spiral(), batch_size=0)


def test_seq_dataloader_jumps_through_the_sequence() -> None:
    class Counting(Dataset):
        def prepare(self) -> None:
            self.data = np.arange(10) * 10
            self.label = np.arange(10) * 10 + 1

    loader = SeqDataLoader(Counting(), batch_size=3)
    batches = list(loader)
    assert len(batches) == 4  # ceil(10 / 3)
    # jump = 10 // 3 = 3: rows start at 0, 3, 6 and advance together.
    assert [b[0].tolist() for b in batches] == [
        [0, 30, 60],
        [10, 40, 70],
        [20, 50, 80],
        [30, 60, 90],
    ]
    assert batches[0][1].tolist() == [1, 31, 61]


# -- transforms ---------------------------------------------------------------------------------


def test_normalize_scalar_keeps_float32() -> None:
    x = np.array([0.0, 127.5, 255.0], dtype=np.float32)
    y = T.Normalize(0.0, 255.0)(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [0.0, 0.5, 1.0])


def test_normalize_per_channel() -> None:
    x = np.ones((3, 2, 2), dtype=np.float32)
    y = T.Normalize(mean=[1.0, 0.0, 0.5], std=[1.0, 2.0, 0.5])(x)
    np.testing.assert_allclose(y[:, 0, 0], [0.0, 0.5, 1.0])
    assert y.dtype == np.float32


def test_flatten_astype_toint_compose() -> None:
    x = np.arange(6, dtype=np.uint8).reshape(1, 2, 3)
    y = T.Compose([T.Flatten(), T.ToFloat(), T.Normalize(0.0, 2.0)])(x)
    assert y.shape == (6,)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, np.arange(6) / 2.0)
    assert T.ToInt()(np.array([1.7])).dtype == np.int64
    assert T.Compose()(x) is x


def test_image_transforms() -> None:
    img = np.arange(2 * 4 * 5).reshape(2, 4, 5)
    np.testing.assert_array_equal(T.CenterCrop(2)(img), img[:, 1:3, 1:3])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(img), img[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(img), img)
    hwc = np.zeros((4, 5, 3), dtype=np.uint8)

    class ImageLike:
        def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
            return hwc

    chw = T.ToArray()(ImageLike())
    assert chw.shape == (3, 4, 5)
    assert chw.dtype == np.float32
    with pytest.raises(ValueError, match="larger"):
        T.CenterCrop(9)(img)


# -- MNIST --------------------------------------------------------------------------------------


def test_mnist_reads_gzip_idx_files(tmp_path: Path, tiny_mnist: TinyMnist) -> None:
    images, labels = tiny_mnist
    train = MNIST(train=True, root=tmp_path, download=False)
    assert len(train) == 5
    assert train.data.shape == (5, 1, 28, 28)
    assert train.data.dtype == np.uint8
    np.testing.assert_array_equal(train.data[:, 0], images)
    np.testing.assert_array_equal(train.label, labels)
    x, t = train[2]
    assert x.shape == (784,)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, images[2].reshape(-1) / 255.0, rtol=1e-6)
    assert t == 4
    test = MNIST(train=False, root=tmp_path, download=False)
    assert len(test) == 2
    batch_x, batch_t = DataLoader(train, batch_size=2, shuffle=False).next()
    assert batch_x.shape == (2, 784)
    assert batch_t.tolist() == [3, 1]


def test_mnist_missing_files_explains_where_to_put_them(tmp_path: Path) -> None:
    pattern = r"train-images-idx3-ubyte\.gz not found, and download=False\. Put .* download=True"
    with pytest.raises(FileNotFoundError, match=pattern) as caught:
        MNIST(root=tmp_path, download=False)
    assert str(tmp_path) in str(caught.value)
    assert "9,912,422 bytes, SHA-256 440fcabf" in str(caught.value)


def test_read_idx_rejects_bad_files(tmp_path: Path) -> None:
    bad_magic = tmp_path / "bad.gz"
    with gzip.open(bad_magic, "wb") as file:
        file.write(b"\x01\x02\x03\x04" + bytes(10))
    with pytest.raises(ValueError, match="magic"):
        read_idx(bad_magic)
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as file:
        file.write(struct.pack(">BBBBI", 0, 0, 8, 1, 10) + bytes(3))
    with pytest.raises(ValueError, match="10"):
        read_idx(short)


def test_public_names_match_dezero() -> None:
    assert plugrad.DataLoader is DataLoader
    assert plugrad.SeqDataLoader is SeqDataLoader
    assert plugrad.Dataset is Dataset
    assert plugrad.datasets.MNIST is MNIST


def test_digits_splits_are_disjoint_balanced_and_scaled() -> None:
    pytest.importorskip("sklearn")
    train = Digits(train=True)
    test = Digits(train=False)
    assert (len(train), len(test)) == (1442, 355)
    assert train.data.shape == (1442, 64)
    assert train.data.dtype == np.float32
    assert train.data.min() >= 0.0
    assert train.data.max() <= 1.0
    # every class is held out in proportion (a fifth, rounded down)
    counts = np.bincount(test.label, minlength=10)
    totals = counts + np.bincount(train.label, minlength=10)
    np.testing.assert_array_equal(counts, totals // 5)
    # no image is in both splits (rows compared as bytes)
    seen = {row.tobytes() for row in train.data}
    overlap = sum(row.tobytes() in seen for row in test.data)
    assert overlap < 5  # the digits set has a handful of duplicate images, nothing more
    again = Digits(train=False, seed=0)
    np.testing.assert_array_equal(again.label, test.label)
