"""save_weights / load_weights: round trip, atomic writes, and every kind of bad file."""

from __future__ import annotations

import gzip
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import plugrad.layers as L  # DeZero's convention
from plugrad.models import MLP
from plugrad.nn import WeightsFileError


def _trained_mlp(seed: int) -> MLP:
    np.random.seed(seed)
    model = MLP((5, 3))
    model(np.zeros((1, 4), dtype=np.float32))  # creates the weights
    return model


def _snapshot(model: MLP) -> dict[str, np.ndarray]:
    return {name: p.data.copy() for name, p in model.named_params()}


def _assert_unchanged(model: MLP, before: dict[str, np.ndarray]) -> None:
    after = _snapshot(model)
    assert list(after) == list(before)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])
        assert after[name].dtype == before[name].dtype


def test_round_trip_restores_values_names_and_dtype(tmp_path: Path) -> None:
    source = _trained_mlp(0)
    path = tmp_path / "w.npz"
    source.save_weights(str(path))
    with np.load(path) as archive:
        assert sorted(archive.files) == ["l0/W", "l0/b", "l1/W", "l1/b"]
    target = _trained_mlp(1)
    target.load_weights(str(path))
    for (name, a), (_, b) in zip(source.named_params(), target.named_params(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
        assert b.dtype == np.float32
    x = np.random.randn(3, 4).astype(np.float32)
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_load_into_model_whose_sizes_are_not_inferred_yet(tmp_path: Path) -> None:
    source = _trained_mlp(0)
    path = tmp_path / "w.npz"
    source.save_weights(str(path))
    fresh = MLP((5, 3))
    fresh.load_weights(str(path))
    x = np.ones((2, 4), dtype=np.float32)
    np.testing.assert_array_equal(fresh(x).data, source(x).data)


def test_save_appends_npz_like_numpy(tmp_path: Path) -> None:
    _trained_mlp(0).save_weights(str(tmp_path / "weights"))
    assert (tmp_path / "weights.npz").is_file()


def test_saved_file_has_ordinary_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        _trained_mlp(0).save_weights(tmp_path / "w.npz")
    finally:
        os.umask(umask)
    assert (tmp_path / "w.npz").stat().st_mode & 0o777 == 0o644


def test_interrupted_save_keeps_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.npz"
    _trained_mlp(0).save_weights(str(path))
    original = path.read_bytes()

    def crash(*args: object, **kwargs: object) -> None:
        file = args[0]
        file.write(b"half a file")  # type: ignore[attr-defined]  # a file object here
        raise KeyboardInterrupt

    monkeypatch.setattr("plugrad.nn._weights._savez", crash)
    with pytest.raises(KeyboardInterrupt):
        _trained_mlp(1).save_weights(str(path))
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["w.npz"]  # no temporary file left behind


def test_missing_file(tmp_path: Path) -> None:
    model = _trained_mlp(0)
    before = _snapshot(model)
    with pytest.raises(FileNotFoundError, match="no weights file"):
        model.load_weights(str(tmp_path / "absent.npz"))
    _assert_unchanged(model, before)


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    _trained_mlp(0).save_weights(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError, match="cannot read"):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    path.write_bytes(gzip.compress(b"not weights at all"))
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_foreign_names(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    source = _trained_mlp(0)
    arrays = {name.replace("l1", "l9"): p.data for name, p in source.named_params()}
    np.savez(path, **arrays)  # type: ignore[arg-type]  # numpy's stub: first kwarg is a bool
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError, match=r"l9/W.*l1/W"):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_partial_file_missing_a_parameter(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    source = _trained_mlp(0)
    arrays = {name: p.data for name, p in source.named_params() if name != "l1/b"}
    np.savez(path, **arrays)  # type: ignore[arg-type]  # numpy's stub: first kwarg is a bool
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError, match="l1/b"):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_wrong_shape_changes_nothing_even_for_earlier_names(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    source = _trained_mlp(0)
    arrays = {name: p.data for name, p in source.named_params()}
    arrays["l1/b"] = np.zeros(7, dtype=np.float32)  # the last one is wrong
    np.savez(path, **arrays)  # type: ignore[arg-type]  # numpy's stub: first kwarg is a bool
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError, match=r"l1/b.*\(7,\).*\(3,\)"):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_integer_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    source = _trained_mlp(0)
    arrays = {name: p.data.astype(np.int64) for name, p in source.named_params()}
    np.savez(path, **arrays)  # type: ignore[arg-type]  # numpy's stub: first kwarg is a bool
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError, match="int64"):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


class _Payload:
    """Unpickling this would create ``marker``; load_weights must never unpickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


def test_pickled_objects_are_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    marker = tmp_path / "unpickled"
    source = _trained_mlp(0)
    arrays: dict[str, np.ndarray] = {name: p.data for name, p in source.named_params()}
    arrays["l0/W"] = np.array([_Payload(marker)], dtype=object)
    np.savez(path, **arrays)  # type: ignore[arg-type]  # numpy's stub: first kwarg is a bool
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError, match="Object arrays cannot be loaded"):
        model.load_weights(str(path))
    assert not marker.exists()
    _assert_unchanged(model, before)


def test_single_npy_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.npy"
    np.save(path, np.zeros(3))
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError, match="single array"):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_zip_without_arrays_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("l0/W.npy", b"\x93NUMPY garbage")
    model = _trained_mlp(1)
    before = _snapshot(model)
    with pytest.raises(WeightsFileError):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_layer_save_and_load_directly(tmp_path: Path) -> None:
    layer = L.Linear(2, in_size=3, dtype=np.float64)
    path = tmp_path / "linear.npz"
    layer.save_weights(str(path))
    other = L.Linear(2, in_size=3, dtype=np.float64)
    other.load_weights(str(path))
    np.testing.assert_array_equal(other.W.data, layer.W.data)
    assert other.W.dtype == np.float64
