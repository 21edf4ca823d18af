"""Weights files: every bad file or path is refused by name and leaves the model unchanged;
files that claim huge arrays are refused from their headers; saves leave no temporary files,
whatever stops them.  Memory guards use small files that claim huge sizes, never real ones."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import numpy as np
import pytest

import plugrad.layers as L  # DeZero's convention
from plugrad import Parameter
from plugrad.models import MLP, Sequential
from plugrad.nn import Layer, WeightsFileError
from tests.reliability._table import bad, bad_in, run_bad, untyped

MIB = 1 << 20


# -- files, made here ----------------------------------------------------------------------------


def npy(
    shape: tuple[int, ...], descr: str | list[tuple[str, str]] = "<f8", data: bytes | None = None
) -> bytes:
    """An .npy file whose header says ``shape`` and ``descr``; zeros for data unless given."""
    header = io.BytesIO()
    fields = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(header, fields)
    if data is None:
        data = bytes(int(np.prod(shape)) * np.dtype(descr).itemsize)
    return header.getvalue() + data


def npz(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return path


def model() -> MLP:
    """A sized MLP 4-5-3 in float32 (l0/W (4, 5), l0/b (5,), l1/W (5, 3), l1/b (3,))."""
    np.random.seed(0)
    m = MLP((5, 3))
    m(np.zeros((1, 4), dtype=np.float32))
    return m


def good_members(m: Layer) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for name, p in m.named_params():
        buffer = io.BytesIO()
        np.save(buffer, p.data)
        out[f"{name}.npy"] = buffer.getvalue()
    return out


def data_of(p: Parameter) -> np.ndarray | None:
    data: object = p.data  # None in a layer not sized yet
    return data if isinstance(data, np.ndarray) else None


def snapshot(m: Layer) -> dict[str, np.ndarray | None]:
    return {name: None if data_of(p) is None else p.data.copy() for name, p in m.named_params()}


def assert_unchanged(m: Layer, before: dict[str, np.ndarray | None]) -> None:
    for name, p in m.named_params():
        old = before[name]
        if old is None:
            assert data_of(p) is None, name
        else:
            assert isinstance(old, np.ndarray)
            np.testing.assert_array_equal(p.data, old, err_msg=name)
            assert p.data.dtype == old.dtype, name


@pytest.fixture
def peak_memory() -> Iterator[Callable[[], int]]:
    """The peak of traced allocations (NumPy's included) since the call before, in bytes."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- loading: bad files -------------------------------------------------------------------------


def _replace(members: dict[str, bytes], name: str, body: bytes) -> dict[str, bytes]:
    return {**members, f"{name}.npy": body}


def _cut_short(folder: Path) -> Path:
    path = npz(folder / "w.npz", good_members(model()))
    path.write_bytes(path.read_bytes()[:300])
    return path


def _damaged_crc(folder: Path) -> Path:
    path = npz(folder / "w.npz", good_members(model()), compression=zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    raw[200] ^= 0xFF  # inside the first member's data
    path.write_bytes(bytes(raw))
    return path


# Each row: a file maker (given the folder), the error and the words of its message.
FileMaker = Callable[[Path], Path]


def _write(name: str, body: bytes) -> FileMaker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(body)
        return path

    return make


def _members(change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> FileMaker:
    def make(folder: Path) -> Path:
        return npz(folder / "w.npz", change(good_members(model())))

    return make


def _truncated_data(members: dict[str, bytes]) -> dict[str, bytes]:
    return _replace(members, "l1/b", npy((3,), "<f4", data=bytes(8)))  # 8 of 12 bytes


BAD_FILES = [
    bad(
        "text file",
        lambda: _write("w.npz", b"hello weights\n"),
        WeightsFileError,
        "is text",
        "hello",
    ),
    bad("empty file", lambda: _write("w.npz", b""), WeightsFileError, "is empty"),
    bad("gzip file", lambda: _write("w.npz", gzip.compress(b"x")), WeightsFileError, "gzip"),
    bad(
        "pickle file",
        lambda: _write("w.npz", pickle.dumps({"l0/W": 1})),
        WeightsFileError,
        "pickle",
        "never",
    ),
    bad(
        "random bytes",
        lambda: _write("w.npz", bytes(range(200, 216))),
        WeightsFileError,
        "starts with the bytes",
    ),
    bad("single npy", lambda: _write("w.npy", npy((4, 5))), WeightsFileError, "single array"),
    bad(
        "npy claiming 10^12 elements",
        lambda: _write("w.npz", npy((10**6, 10**6), data=b"")),
        WeightsFileError,
        "single array",
    ),
    bad(
        "cut in half",
        lambda: _cut_short,
        WeightsFileError,
        "cannot read",
    ),
    bad(
        "bad CRC",
        lambda: _damaged_crc,
        WeightsFileError,
        "cannot read",
        "CRC",
    ),
    bad("empty archive", lambda: _members(lambda m: {}), WeightsFileError, "no arrays"),
    bad(
        "not an npy member",
        lambda: _members(lambda m: {**m, "notes.txt": b"hi"}),
        WeightsFileError,
        "notes.txt",
        "not an array",
    ),
    bad("folder member", lambda: _members(lambda m: {**m, "l0/": b""}), WeightsFileError, "l0/"),
    bad(
        "complex weights",
        lambda: _members(lambda m: _replace(m, "l0/W", npy((4, 5), "<c16"))),
        WeightsFileError,
        "l0/W",
        "complex128",
        ".real",
    ),
    bad(
        "int weights",
        lambda: _members(lambda m: _replace(m, "l0/b", npy((5,), "<i8"))),
        WeightsFileError,
        "l0/b",
        "int64",
    ),
    bad(
        "bool weights",
        lambda: _members(lambda m: _replace(m, "l0/b", npy((5,), "|b1"))),
        WeightsFileError,
        "l0/b",
        "bool",
    ),
    bad(
        "object weights",
        lambda: _members(lambda m: _replace(m, "l0/b", npy((5,), "|O", data=b""))),
        WeightsFileError,
        "pickled",
        "never",
    ),
    bad(
        "record weights",
        lambda: _members(lambda m: _replace(m, "l0/b", npy((5,), [("a", "<f8")]))),
        WeightsFileError,
        "l0/b",
        "real floating-point",
    ),
    bad(
        "string weights",
        lambda: _members(lambda m: _replace(m, "l0/b", npy((5,), "<U3"))),
        WeightsFileError,
        "l0/b",
        "<U3",
    ),
    bad(
        "garbage header",
        lambda: _members(
            lambda m: _replace(m, "l0/b", b"\x93NUMPY\x01\x00\x10\x00{nonsense}      ")
        ),
        WeightsFileError,
        "l0/b",
        "header",
    ),
    bad(
        "npy version 9",
        lambda: _members(lambda m: _replace(m, "l0/b", b"\x93NUMPY\x09\x00" + bytes(60))),
        WeightsFileError,
        "l0/b",
    ),
    bad("too little data", lambda: _members(_truncated_data), WeightsFileError, "l1/b", "bytes"),
    bad(
        "too much data",
        lambda: _members(lambda m: _replace(m, "l1/b", npy((3,), "<f4", data=bytes(16)))),
        WeightsFileError,
        "l1/b",
        "bytes",
    ),
    bad(
        "wrong shape",
        lambda: _members(lambda m: _replace(m, "l1/W", npy((3, 5), "<f4"))),
        WeightsFileError,
        "l1/W",
        "(3, 5)",
        "(5, 3)",
    ),
    bad(
        "huge claimed shape",
        lambda: _members(lambda m: _replace(m, "l0/W", npy((10**6, 10**6), data=b""))),
        WeightsFileError,
        "l0/W",
    ),
    bad(
        "unknown name",
        lambda: _members(lambda m: {**m, "l9/W.npy": npy((1,))}),
        WeightsFileError,
        "l9/W",
        "l0/W",
    ),
    bad(
        "missing name",
        lambda: _members(lambda m: {k: b for k, b in m.items() if k != "l1/b.npy"}),
        WeightsFileError,
        "l1/b",
    ),
    bad(
        "too large for float32",
        lambda: _members(
            lambda m: _replace(m, "l1/b", npy((3,), "<f8", data=np.full(3, 1e300).tobytes()))
        ),
        WeightsFileError,
        "l1/b",
        "float32",
        "inf",
    ),
]


@pytest.mark.parametrize(("make", "error", "words"), BAD_FILES)
def test_a_bad_weights_file_is_refused_and_changes_nothing(
    tmp_path: Path, make: Callable[[], FileMaker], error: type[Exception], words: list[str]
) -> None:
    path = make()(tmp_path)
    m = model()
    before = snapshot(m)
    message = run_bad(lambda: m.load_weights(str(path)), error, [*words, str(path)])
    assert "\n" not in message
    assert_unchanged(m, before)


def _unsized_mlp() -> MLP:
    return MLP((5, 3))


UNSIZED_BAD = [
    bad(
        "Linear W out size",
        lambda: (_unsized_mlp, {"l0/W": npy((4, 7), "<f4")}),
        WeightsFileError,
        "l0/W",
        "(4, 7)",
        "(any, 5)",
    ),
    bad(
        "Linear W 1-D",
        lambda: (_unsized_mlp, {"l0/W": npy((20,), "<f4")}),
        WeightsFileError,
        "l0/W",
        "(any, 5)",
    ),
    bad(
        "Linear W zero inputs",
        lambda: (_unsized_mlp, {"l0/W": npy((0, 5), "<f4")}),
        WeightsFileError,
        "l0/W",
        "(0, 5)",
    ),
    bad(
        "Linear in_size given",
        lambda: (lambda: Sequential(L.Linear(5, in_size=4)), {"l0/W": npy((3, 5), "<f4")}),
        WeightsFileError,
        "(3, 5)",
        "(4, 5)",
    ),
    bad(
        "Linear W huge claim",
        lambda: (_unsized_mlp, {"l0/W": npy((10**9, 5), "<f4", data=b"")}),
        WeightsFileError,
        "l0/W",
    ),
    bad(
        "Conv2d kernel",
        lambda: (lambda: Sequential(L.Conv2d(8, 3)), {"l0/W": npy((8, 1, 5, 5), "<f4")}),
        WeightsFileError,
        "l0/W",
        "(8, any, 3, 3)",
    ),
    bad(
        "Conv2d channels",
        lambda: (lambda: Sequential(L.Conv2d(8, 3)), {"l0/W": npy((4, 1, 3, 3), "<f4")}),
        WeightsFileError,
        "(8, any, 3, 3)",
    ),
    bad(
        "Deconv2d channels",
        lambda: (lambda: Sequential(L.Deconv2d(8, 3)), {"l0/W": npy((2, 4, 3, 3), "<f4")}),
        WeightsFileError,
        "(any, 8, 3, 3)",
    ),
    bad(
        "BatchNorm sizes differ",
        lambda: (
            lambda: Sequential(L.BatchNorm()),
            {
                "l0/avg_mean": npy((3,)),
                "l0/avg_var": npy((4,)),
                "l0/gamma": npy((3,)),
                "l0/beta": npy((3,)),
            },
        ),
        WeightsFileError,
        "BatchNorm",
        "(4,)",
        "(3,)",
    ),
    bad(
        "BatchNorm 2-D",
        lambda: (lambda: Sequential(L.BatchNorm()), {"l0/avg_mean": npy((3, 1))}),
        WeightsFileError,
        "l0/avg_mean",
        "(any)",
    ),
]


def _with_bias(arrays: dict[str, bytes], m: Layer) -> dict[str, bytes]:
    """The file for ``m``: the given arrays, and zeros for each sized parameter not given."""
    members = {f"{name}.npy": body for name, body in arrays.items()}
    for name, p in m.named_params():
        if data_of(p) is not None and f"{name}.npy" not in members:
            members[f"{name}.npy"] = npy(p.data.shape, p.data.dtype.str)
    return members


@pytest.mark.parametrize(("make", "error", "words"), UNSIZED_BAD)
def test_a_layer_not_sized_yet_refuses_what_cannot_fit_it(
    tmp_path: Path,
    make: Callable[[], tuple[Callable[[], Layer], dict[str, bytes]]],
    error: type[Exception],
    words: list[str],
) -> None:
    build, arrays = make()
    m = build()
    path = npz(tmp_path / "w.npz", _with_bias(arrays, m))
    before = snapshot(m)
    run_bad(lambda: m.load_weights(path), error, words)
    assert_unchanged(m, before)


PATH_BAD = [
    bad_in(
        "load missing",
        lambda d: model().load_weights(d / "absent"),
        FileNotFoundError,
        "absent'",
        "absent.npz'",
    ),
    bad_in("load folder", lambda d: model().load_weights(d), IsADirectoryError, "folder"),
    bad_in(
        "load int path",
        lambda d: model().load_weights(untyped(3)),
        TypeError,
        "load_weights",
        "int",
    ),
    bad_in(
        "load bytes path",
        lambda d: model().load_weights(untyped(b"w.npz")),
        TypeError,
        "load_weights",
        "bytes",
    ),
    bad_in(
        "load empty path", lambda d: model().load_weights(""), ValueError, "load_weights", "empty"
    ),
    bad_in(
        "save missing folder",
        lambda d: model().save_weights(d / "nope" / "w"),
        FileNotFoundError,
        "nope",
        "w.npz",
        "does not exist",
    ),
    bad_in(
        "save under a file",
        lambda d: model().save_weights(_file(d) / "w"),
        NotADirectoryError,
        "plain",
        "not a folder",
    ),
    bad_in(
        "save onto a folder",
        lambda d: model().save_weights(_folder(d, "x.npz")),
        IsADirectoryError,
        "x.npz",
        "folder",
    ),
    bad_in(
        "save int path",
        lambda d: model().save_weights(untyped(7)),
        TypeError,
        "save_weights",
        "int",
    ),
    bad_in(
        "save bytes path",
        lambda d: model().save_weights(untyped(b"w")),
        TypeError,
        "save_weights",
        "bytes",
    ),
    bad_in(
        "save empty path", lambda d: model().save_weights(""), ValueError, "save_weights", "empty"
    ),
]


def _file(folder: Path) -> Path:
    path = folder / "plain"
    path.write_text("not a folder")
    return path


def _folder(folder: Path, name: str) -> Path:
    path = folder / name
    path.mkdir()
    return path


@pytest.mark.parametrize(("call", "error", "words"), PATH_BAD)
def test_a_bad_path_is_named(
    tmp_path: Path, call: Callable[[Path], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(lambda: call(tmp_path), error, words)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_saving_into_a_read_only_folder_names_the_target(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        run_bad(
            lambda: model().save_weights(folder / "w"), PermissionError, [str(folder / "w.npz")]
        )
    finally:
        folder.chmod(0o755)


# -- loading: legitimate files --------------------------------------------------------------------


def test_load_finds_the_file_save_named(tmp_path: Path) -> None:
    source = model()
    source.save_weights(tmp_path / "w")  # writes w.npz, as numpy.savez names it
    target = MLP((5, 3))
    target.load_weights(tmp_path / "w")
    for (name, a), (_, b) in zip(source.named_params(), target.named_params(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_a_layer_not_sized_yet_takes_the_file_s_arrays_as_they_are(tmp_path: Path) -> None:
    arrays = {
        f"{name}.npy": npy(shape, ">f8") for name, shape in [("l0/W", (4, 5)), ("l1/W", (5, 3))]
    }
    m = MLP((5, 3))  # float32 biases, weights not created yet; the file's weights are float64
    arrays |= {"l0/b.npy": npy((5,), "<f4"), "l1/b.npy": npy((3,), "<f4")}
    m.load_weights(npz(tmp_path / "w.npz", arrays))
    dtypes = [p.data.dtype for p in m.params()]
    assert dtypes == [np.float64, np.float32, np.float64, np.float32]  # as DeZero loads them
    assert all(d.isnative for d in dtypes)  # big-endian in the file, native in memory
    assert m(np.ones((2, 4), dtype=np.float32)).shape == (2, 3)


@pytest.mark.parametrize("order", ["big-endian", "fortran", "stored", "float64 into float32"])
def test_legitimate_layouts_load_exactly(tmp_path: Path, order: str) -> None:
    m = model()
    values = {
        name: np.random.default_rng(1).standard_normal(p.data.shape) for name, p in m.named_params()
    }
    members: dict[str, bytes] = {}
    for name, array in values.items():
        buffer = io.BytesIO()
        if order == "big-endian":
            np.save(buffer, array.astype(">f4"))
        elif order == "fortran":
            np.save(buffer, np.asfortranarray(array.astype(np.float32)))
        else:
            np.save(buffer, array if order == "float64 into float32" else array.astype(np.float32))
        members[f"{name}.npy"] = buffer.getvalue()
    compression = zipfile.ZIP_STORED if order == "stored" else zipfile.ZIP_DEFLATED
    m.load_weights(npz(tmp_path / "w.npz", members, compression))
    for name, p in m.named_params():
        np.testing.assert_array_equal(p.data, values[name].astype(np.float32), err_msg=name)
        assert p.data.dtype == np.float32
        assert p.data.flags.c_contiguous
        assert p.data.flags.writeable


def test_nan_and_inf_weights_load_as_saved(tmp_path: Path) -> None:
    m = model()
    m.layers[1].b.data = np.array([np.nan, np.inf, -np.inf], dtype=np.float32)  # type: ignore[union-attr]  # b exists
    m.save_weights(tmp_path / "w")
    other = model()
    other.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(other.layers[1].b.data, m.layers[1].b.data)  # type: ignore[union-attr]  # b exists


# -- memory guards -------------------------------------------------------------------------------


def _bomb(path: Path, m: Layer, name: str, claimed: tuple[int, ...], megabytes: int) -> Path:
    """A file for ``m`` whose ``name`` is an .npy member of ``megabytes`` MiB of zeros (deflated
    to a few KiB); its other arrays are zeros of the right shapes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for other, body in _with_bias({}, m).items():
            if other != f"{name}.npy":
                archive.writestr(other, body)
        with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
            member.write(npy(claimed, data=b""))
            zeros = bytes(MIB)
            for _ in range(megabytes):
                member.write(zeros)
    return path


@pytest.mark.parametrize("sized", [True, False], ids=["sized model", "model not sized yet"])
def test_a_compressed_bomb_is_refused_before_it_is_inflated(
    tmp_path: Path, peak_memory: Callable[[], int], sized: bool
) -> None:
    m = model() if sized else MLP((5, 3))
    path = _bomb(tmp_path / "w.npz", m, "l0/W", (16 * MIB // 8,), 16)
    assert path.stat().st_size < MIB // 8  # 16 MiB of zeros in a few KiB
    tracemalloc.reset_peak()
    start = time.perf_counter()
    with pytest.raises(WeightsFileError, match="l0/W"):
        m.load_weights(path)
    assert peak_memory() < MIB
    assert time.perf_counter() - start < 1.0  # nothing was inflated


@pytest.mark.parametrize(
    "claimed", [(10**12,), (10**6, 10**6), (2**62, 4)], ids=["10^12", "10^6 x 10^6", "2^64 bytes"]
)
def test_a_header_claiming_a_huge_array_allocates_nothing(
    tmp_path: Path, peak_memory: Callable[[], int], claimed: tuple[int, ...]
) -> None:
    path = npz(tmp_path / "w.npz", _replace(good_members(model()), "l0/W", npy(claimed, data=b"")))
    m = model()
    tracemalloc.reset_peak()
    with pytest.raises(WeightsFileError, match=r"l0/W"):
        m.load_weights(path)
    assert peak_memory() < MIB


def test_a_wrong_claimed_member_size_is_refused_before_reading(tmp_path: Path) -> None:
    # The archive says the member is small, its header says it is large: the two disagree.
    path = npz(
        tmp_path / "w.npz",
        _replace(good_members(MLP((5, 3))), "l0/W", npy((10**7, 5), "<f4", data=b"")),
    )
    run_bad(
        lambda: MLP((5, 3)).load_weights(path), WeightsFileError, ["l0/W", "describes", "damaged"]
    )


# -- saving: what stops it leaves no trace ------------------------------------------------------


def _temp_files(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.parametrize(
    "fault",
    [
        OSError(28, "No space left on device"),
        RuntimeError("the writer broke"),
        KeyboardInterrupt(),
        MemoryError(),
    ],
    ids=["disk full", "an error", "Ctrl-C", "out of memory"],
)
def test_a_failed_save_keeps_the_previous_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: BaseException
) -> None:
    path = tmp_path / "w.npz"
    model().save_weights(path)
    original = path.read_bytes()

    def broken(file: io.BufferedWriter, **arrays: object) -> None:
        file.write(b"half a file")
        raise fault

    monkeypatch.setattr("plugrad.nn._weights._savez", broken)
    with pytest.raises(type(fault)) as info:
        model().save_weights(path)
    if isinstance(fault, OSError):
        assert str(path) in str(info.value)
        assert "No space left" in str(info.value)
    assert path.read_bytes() == original
    assert _temp_files(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # put back as it was


def test_a_program_s_own_sigterm_handler_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[object] = []

    def mine(signum: int, frame: object) -> None:
        """The program's handler."""

    def spy(file: io.BufferedWriter, **arrays: object) -> None:
        seen.append(signal.getsignal(signal.SIGTERM))
        np.savez_compressed(file, **arrays)  # type: ignore[arg-type]  # numpy's stub

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        monkeypatch.setattr("plugrad.nn._weights._savez", spy)
        model().save_weights(tmp_path / "w")
        assert seen == [mine]
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


_SLOW_SAVE = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import plugrad.nn._weights as weights
    from plugrad.models import MLP

    def slow(file, **arrays):
        file.write(b"x" * 1000)
        file.flush()
        print("writing", flush=True)
        time.sleep(30)

    weights._savez = slow
    model = MLP((5, 3))
    model(np.zeros((1, 4), dtype=np.float32))
    model.save_weights(sys.argv[1])
    """
)


@contextlib.contextmanager
def _saving_process(target: Path) -> Generator[subprocess.Popen[str]]:
    """A process in the middle of saving weights to ``target`` (it waits there)."""
    with subprocess.Popen(
        [sys.executable, "-c", _SLOW_SAVE, str(target)], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "writing"
            yield process
        finally:
            process.kill()
            process.wait(timeout=20)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_terminated_save_removes_its_temporary_file_and_still_ends(
    tmp_path: Path, signum: int
) -> None:
    target = tmp_path / "w.npz"
    target.write_bytes(b"previous")
    with _saving_process(target) as process:
        assert len(_temp_files(tmp_path)) == 1
        process.send_signal(signum)
        assert process.wait(timeout=20) == -signum  # ended by the signal, as it would have been
    assert _temp_files(tmp_path) == []
    assert target.read_bytes() == b"previous"


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_the_next_save_removes_what_a_killed_save_left(tmp_path: Path) -> None:
    target = tmp_path / "w.npz"
    with _saving_process(target):
        pass  # then SIGKILL: nothing runs
    (left,) = _temp_files(tmp_path)
    model().save_weights(target)  # within a minute: it could still be someone's
    assert _temp_files(tmp_path) == [left]
    old = time.time() - 120
    os.utime(tmp_path / left, (old, old))
    model().save_weights(target)
    assert _temp_files(tmp_path) == []
    MLP((5, 3)).load_weights(target)


@pytest.mark.skipif(os.name != "posix", reason="POSIX process ids")
def test_a_live_process_s_temporary_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "w.npz"
    with _saving_process(target):
        (theirs,) = _temp_files(tmp_path)
        old = time.time() - 120
        os.utime(tmp_path / theirs, (old, old))
        model().save_weights(target)
        assert _temp_files(tmp_path) == [theirs]  # its writer is alive: not an orphan


def test_other_targets_temporary_files_are_not_touched(tmp_path: Path) -> None:
    stranger = tmp_path / ".other.npz.1.abcd.tmp"
    stranger.write_bytes(b"someone else's")
    old = time.time() - 3600
    os.utime(stranger, (old, old))
    model().save_weights(tmp_path / "w")
    assert stranger.exists()
