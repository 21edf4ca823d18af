"""Weights files: a layer's parameters in one ``.npz`` archive, named like DeZero's (``l0/W``).

Saving is atomic: the archive is written to a temporary file in the target's folder, then
renamed over the target, so an interrupted save leaves the previous file as it was.  The
temporary file is removed on any error, on Ctrl-C, and on SIGTERM or SIGHUP (which, while the
default action is in place, are held off until the file is cleaned up, then delivered); one left
by a process killed outright (SIGKILL, a power cut) is removed by the next save of that target.

Loading never unpickles and reads nothing blindly: it reads the archive's directory and each
array's header first, checks every name, dtype and shape against the model (for a layer whose
sizes are not inferred yet, against what the layer says of them), and only then reads the data,
whose size the model bounds.  A file whose headers claim a huge array costs nothing to refuse.
Every parameter is assigned at the end, so a failed load leaves all of them unchanged.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Generator
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, Final, NamedTuple, TypeAlias

import numpy as np

from plugrad.core.variable import Parameter
from plugrad.typing import Array

if TYPE_CHECKING:
    import zipfile

    from plugrad.nn.layer import Layer

PathLike = str | os.PathLike[str]
# What ``signal.signal`` takes and returns (typeshed's private ``signal._HANDLER``).
_SignalHandler: TypeAlias = Callable[[int, FrameType | None], object] | int | signal.Handlers | None

_O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows opens files in text mode without it

# numpy's stub reads the first keyword as ``allow_pickle``; every name here is an array.
_savez: Callable[..., None] = np.savez_compressed

# Signals whose default action ends the process without running ``finally`` blocks.
_DEFERRED_SIGNALS: Final[tuple[int, ...]] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
# A temporary file is an orphan once its process is gone and it has not changed for this long
# (a process on another machine sharing the folder keeps its file fresh while it writes).
_ORPHAN_AGE: Final = 60.0
# Where a process cannot be asked whether it lives (Windows), only age tells.
_ORPHAN_AGE_UNKNOWN_OWNER: Final = 24 * 3600.0
_ZIP_MAGIC: Final = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC: Final = b"PK\x05\x06"
_NPY_MAGIC: Final = b"\x93NUMPY"
_HEADER_LIMIT: Final = 10_000  # bytes of an .npy header, NumPy's own default limit
_CHUNK: Final = 1 << 20


class WeightsFileError(ValueError):
    """A weights file cannot be read, or does not fit the model it is loaded into."""


# -- saving ---------------------------------------------------------------------------------------


def save_weights(layer: Layer, path: PathLike) -> None:
    """Write ``layer``'s initialized parameters to ``path`` (``.npz`` is appended if missing)."""
    target = _npz_path(_path_text("save_weights", path))
    folder = os.path.dirname(os.path.abspath(target))
    _check_folder(target, folder)
    arrays = {name: p.data for name, p in layer.named_params() if _initialized(p)}
    _remove_orphans(target, folder)
    temp_path = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.{_token()}.tmp")
    with _termination_deferred():
        try:
            # os.open with 0o666, not mkstemp's 0o600, so the file gets the umask's permissions.
            handle = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
        except OSError as error:
            raise _save_error(error, target) from error
        try:
            with os.fdopen(handle, "wb") as file:
                _savez(file, **arrays)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_path, target)
        except BaseException as error:  # Ctrl-C and SIGTERM too: never leave a temporary file
            _remove_quietly(temp_path)
            if isinstance(error, OSError):
                raise _save_error(error, target) from error
            raise
    _sync_folder(folder)


def _path_text(what: str, path: object) -> str:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{what}: path must be a str or os.PathLike, got {type(path).__name__}")
    text: str | bytes = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"{what}: path must name a file as text, got bytes {text!r}")
    if not text:
        raise ValueError(f"{what}: path is empty; give a file name such as 'weights.npz'")
    return text


def _npz_path(target: str) -> str:
    return target if target.endswith(".npz") else target + ".npz"  # as numpy.savez names it


def _check_folder(target: str, folder: str) -> None:
    """Name the target, not the temporary file, when the folder cannot take it."""
    if os.path.isdir(target):
        raise IsADirectoryError(f"save_weights: {target!r} is a folder; give a file name in it")
    if not os.path.exists(folder):
        raise FileNotFoundError(
            f"save_weights: cannot write {target!r}: the folder {folder!r} does not exist "
            "(create it first, e.g. with os.makedirs)"
        )
    if not os.path.isdir(folder):
        raise NotADirectoryError(
            f"save_weights: cannot write {target!r}: {folder!r} is a file, not a folder"
        )


def _save_error(error: OSError, target: str) -> OSError:
    """``error`` (same class, so callers' handlers still match) naming the target file."""
    message = (
        f"save_weights: cannot write {target!r}: {error.strerror or error}; the previous "
        "file, if any, is unchanged"
    )
    if error.errno is None:
        return type(error)(message)
    return type(error)(error.errno, message)


@contextlib.contextmanager
def _termination_deferred() -> Generator[None, None, None]:
    """Turn SIGTERM and SIGHUP into an exception inside, so the cleanup runs, then deliver them.

    Only in the main thread (where Python runs signal handlers) and only for signals whose
    default action is in place: a program's own handlers are left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)
        raise _Terminated(signum)

    previous: dict[int, _SignalHandler] = {}
    for signum in _DEFERRED_SIGNALS:
        if signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        if caught:
            signal.raise_signal(caught[0])  # the default action: the process ends as it would


class _Terminated(BaseException):  # a signal on its way, not an error
    """SIGTERM or SIGHUP arrived while a weights file was being written."""


def _remove_orphans(target: str, folder: str) -> None:
    """Remove temporary files of ``target`` left by processes killed while saving it."""
    prefix = f".{os.path.basename(target)}."
    try:
        names = os.listdir(folder)
    except OSError:
        return
    now = time.time()
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        path = os.path.join(folder, name)
        try:
            age = now - os.stat(path).st_mtime
        except OSError:
            continue
        if _owner_gone(int(pid_text), age):
            _remove_quietly(path)


def _owner_gone(pid: int, age: float) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would end the process there
        return age > _ORPHAN_AGE_UNKNOWN_OWNER
    if age < _ORPHAN_AGE:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def _sync_folder(folder: str) -> None:
    """Make the rename durable (POSIX); a folder cannot be opened for that elsewhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


# -- loading --------------------------------------------------------------------------------------


class _Header(NamedTuple):
    """What an array's ``.npy`` header says, and where its data starts."""

    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype[Any]
    offset: int


def load_weights(layer: Layer, path: PathLike) -> None:
    """Assign the arrays in ``path`` to ``layer``'s parameters, or change nothing and raise."""
    source = _source_path(_path_text("load_weights", path))
    params = dict(layer.named_params())
    with open(source, "rb") as file:  # an unreadable file is the OSError that says so
        arrays = _read_file(source, file, layer, params)
    # Everything fits: only now does any parameter change.
    for name, data in arrays.items():
        params[name].data = data


def _read_file(
    source: str, file: IO[bytes], layer: Layer, params: dict[str, Parameter]
) -> dict[str, Array]:
    try:
        return _read_checked(source, file, layer, params)
    except (WeightsFileError, MemoryError):
        raise
    except _read_errors() as error:
        raise WeightsFileError(
            f"load_weights: cannot read {source!r} as a weights file ({type(error).__name__}: "
            f"{error}); it may be truncated or damaged"
        ) from error


def _source_path(path: str) -> str:
    """``path``, or ``path + '.npz'`` as ``save_weights(path)`` names the file it writes."""
    if os.path.isfile(path):
        return path
    with_suffix = _npz_path(path)
    if with_suffix != path and os.path.isfile(with_suffix):
        return with_suffix
    if os.path.isdir(path):
        raise IsADirectoryError(f"load_weights: {path!r} is a folder, not a weights file")
    tried = f"{path!r}" if with_suffix == path else f"{path!r} or {with_suffix!r}"
    raise FileNotFoundError(
        f"load_weights: no weights file at {tried}; write one with save_weights(path)"
    )


def _read_checked(
    source: str, file: IO[bytes], layer: Layer, params: dict[str, Parameter]
) -> dict[str, Array]:
    """Every array of the archive in ``file``, read only after all headers fit the model."""
    import zipfile

    _check_kind(source, file.read(8))
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        members = _members(source, archive)
        _check_names(source, members, params)
        headers = {name: _read_header(source, archive, info) for name, info in members.items()}
        targets = {
            name: _target(source, name, headers[name], layer, params[name]) for name in members
        }
        _check_shared_sizes(source, layer, headers, params)
        return {
            name: _read_data(source, name, archive, members[name], headers[name], targets[name])
            for name in members
        }


def _check_kind(source: str, start: bytes) -> None:
    """Name what the file is when it is not an ``.npz`` archive (before reading any more)."""
    if start.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        return
    if start.startswith(_NPY_MAGIC):
        raise WeightsFileError(
            f"load_weights: {source!r} holds a single array (.npy), not an .npz archive of "
            "named parameters; write weights files with save_weights"
        )
    if start.startswith(b"\x80"):
        what = "looks like a pickle, which plugrad never loads (it can run code)"
    elif start.startswith(b"\x1f\x8b"):
        what = "is a gzip file"
    elif not start:
        what = "is empty"
    elif all(32 <= byte < 127 or byte in b"\t\n\r" for byte in start):
        what = f"is text (it starts with {start.decode('ascii')!r})"
    else:
        what = f"starts with the bytes {start!r}"
    raise WeightsFileError(
        f"load_weights: {source!r} is not an .npz weights archive: it {what}; write weights "
        "files with save_weights"
    )


def _members(source: str, archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's arrays by parameter name (``l0/W.npy`` holds ``l0/W``)."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy") or info.is_dir():
            raise WeightsFileError(
                f"load_weights: {source!r} holds {info.filename!r}, which is not an array "
                "(.npy); write weights files with save_weights"
            )
        name = info.filename.removesuffix(".npy")
        if name in members:
            raise WeightsFileError(f"load_weights: {source!r} holds {name!r} twice")
        members[name] = info
    if not members:
        raise WeightsFileError(f"load_weights: {source!r} holds no arrays")
    return members


def _check_names(source: str, members: dict[str, Any], params: dict[str, Parameter]) -> None:
    unknown = [name for name in members if name not in params]
    missing = [name for name, p in params.items() if _initialized(p) and name not in members]
    if unknown or missing:
        raise WeightsFileError(
            f"load_weights: {source!r} does not fit this model: "
            f"names only in the file {unknown}, parameters missing from the file {missing}; "
            f"the model's parameters are {list(params)}"
        )


def _read_header(source: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Header:
    name = info.filename.removesuffix(".npy")
    where = f"load_weights: {source!r}, array {name!r}"
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(
                    member, max_header_size=_HEADER_LIMIT
                )
            elif version == (2, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(
                    member, max_header_size=_HEADER_LIMIT
                )
            else:
                raise ValueError(f"unsupported .npy format version {version}")
        except ValueError as error:
            raise WeightsFileError(f"{where}: its header cannot be read ({error})") from error
        offset = member.tell()
    if dtype.hasobject:
        raise WeightsFileError(
            f"{where}: it holds pickled Python objects, which plugrad never loads (they can run "
            "code; Object arrays cannot be loaded when allow_pickle=False)"
        )
    if dtype.kind != "f" or dtype.fields is not None or dtype.subdtype is not None:
        hint = (
            " (take .real before saving, if the imaginary part is zero)"
            if dtype.kind == "c"
            else ""
        )
        raise WeightsFileError(
            f"{where}: it is stored as {dtype}; parameters are real floating-point arrays{hint}"
        )
    declared = offset + _nbytes(shape, dtype)
    if info.file_size != declared:
        raise WeightsFileError(
            f"{where}: its header describes {declared:,} bytes (shape {shape}, {dtype}) but "
            f"the archive says the member holds {info.file_size:,}; the file is damaged"
        )
    return _Header(tuple(shape), bool(fortran_order), dtype, offset)


def _nbytes(shape: tuple[int, ...], dtype: np.dtype[Any]) -> int:
    count = 1
    for size in shape:
        count *= size  # Python ints: a claimed shape cannot overflow
    return count * dtype.itemsize


def _target(
    source: str, name: str, header: _Header, layer: Layer, param: Parameter
) -> np.dtype[Any]:
    """Check the header's shape against the parameter; the dtype the data will take."""
    where = f"load_weights: {source!r} holds {name!r} with shape {header.shape}"
    if _initialized(param):
        if header.shape != param.data.shape:
            raise WeightsFileError(
                f"{where}, but the model's parameter has shape {param.data.shape}"
            )
        dtype: np.dtype[Any] = param.data.dtype
        return dtype
    owner, attribute = _owner(layer, name)
    expected = _expected_shape(owner, attribute)
    if expected is not None and not _fits(header.shape, expected):
        wanted = "(" + ", ".join("any" if s is None else str(s) for s in expected) + ")"
        raise WeightsFileError(
            f"{where}, but {type(owner).__name__} {name.rpartition('/')[0] or 'model'!r} "
            f"(not sized yet) takes {attribute} of shape {wanted}"
        )
    if any(size < 0 for size in header.shape):
        raise WeightsFileError(f"{where}, which is not a shape")
    # The file's own dtype, as DeZero loads it (plugrad's dtype policy: no cast to the layer's).
    return header.dtype.newbyteorder("=")


def _owner(layer: Layer, name: str) -> tuple[object, str]:
    """The layer holding parameter ``name`` (``l0/W``) and the attribute it sits in."""
    owner: object = layer
    *path, attribute = name.split("/")
    for part in path:
        owner = getattr(owner, part, None)
    return owner, attribute


def _expected_shape(owner: object, attribute: str) -> tuple[int | None, ...] | None:
    """What a layer whose sizes are inferred on its first batch knows of a parameter's shape
    (``None`` for a size it will infer); ``None`` for layers plugrad does not know."""
    from plugrad.nn.conv import Conv2d, Deconv2d
    from plugrad.nn.linear import Linear
    from plugrad.nn.normalization import BatchNorm

    if isinstance(owner, Linear) and attribute == "W":
        return (owner.in_size, owner.out_size)
    if isinstance(owner, Conv2d) and attribute == "W":
        return (owner.out_channels, owner.in_channels, *owner.kernel_size)
    if isinstance(owner, Deconv2d) and attribute == "W":
        return (owner.in_channels, owner.out_channels, *owner.kernel_size)
    if isinstance(owner, BatchNorm):
        return (None,)
    return None


def _fits(shape: tuple[int, ...], expected: tuple[int | None, ...]) -> bool:
    return len(shape) == len(expected) and all(
        size >= 1 if want is None else size == want
        for size, want in zip(shape, expected, strict=True)
    )


def _check_shared_sizes(
    source: str, layer: Layer, headers: dict[str, _Header], params: dict[str, Parameter]
) -> None:
    """A BatchNorm's four arrays share one size, the number of channels, even before it has
    seen a batch."""
    from plugrad.nn.normalization import BatchNorm

    groups: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
    for name, param in params.items():
        owner, _ = _owner(layer, name)
        if not isinstance(owner, BatchNorm):
            continue
        shape = headers[name].shape if name in headers else None
        if shape is None and _initialized(param):
            shape = param.data.shape
        if shape is not None:
            groups.setdefault(id(owner), []).append((name, shape))
    for members in groups.values():
        if len({shape for _, shape in members}) > 1:
            listed = ", ".join(f"{name} {shape}" for name, shape in members)
            raise WeightsFileError(
                f"load_weights: {source!r} does not fit this model: one BatchNorm's arrays "
                f"must share one shape (channels,), but they are {listed}"
            )


def _read_data(
    source: str,
    name: str,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    header: _Header,
    dtype: np.dtype[Any],
) -> Array:
    """The array's data, read into one array of the size its checked header says."""
    raw = np.empty(header.shape, dtype=header.dtype, order="F" if header.fortran_order else "C")
    flat = raw.reshape(-1, order="A").view(np.uint8)  # a view: the bytes in storage order
    with archive.open(info) as member:
        member.read(header.offset)
        filled = 0
        while filled < flat.size:
            chunk = member.read(min(_CHUNK, flat.size - filled))
            if not chunk:
                raise WeightsFileError(
                    f"load_weights: {source!r}, array {name!r}: the data ends after "
                    f"{filled:,} of {flat.size:,} bytes; the file is truncated"
                )
            flat[filled : filled + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
            filled += len(chunk)
        if member.read(1):  # also makes zipfile check the member's CRC
            raise WeightsFileError(
                f"load_weights: {source!r}, array {name!r}: more data follows the array"
            )
    return _converted(source, name, raw, dtype)


def _converted(source: str, name: str, raw: Array, dtype: np.dtype[Any]) -> Array:
    """``raw`` as ``dtype`` (a copy the parameter owns); finite values must stay finite."""
    with np.errstate(over="ignore"):
        data = raw.astype(dtype, order="C", copy=True)
    if dtype.itemsize < raw.dtype.itemsize:
        overflowed = np.isfinite(raw) & ~np.isfinite(data)
        if overflowed.any():
            largest = float(np.abs(raw[overflowed]).max())
            raise WeightsFileError(
                f"load_weights: {source!r} holds {name!r} with values up to {largest:.3g}, "
                f"beyond what the parameter's {dtype} can hold; they would load as inf"
            )
    return data


def _initialized(param: Parameter) -> bool:
    data: object = param.data  # None until a layer with an inferred size first runs
    return data is not None


# zipfile and secrets cost milliseconds to import; only saving and loading need them.
def _token() -> str:
    import secrets

    return secrets.token_hex(4)


def _read_errors() -> tuple[type[Exception], ...]:
    """What reading a damaged archive raises (zipfile's and zlib's errors included)."""
    import zipfile
    import zlib

    return (
        OSError,
        ValueError,
        EOFError,
        KeyError,
        RuntimeError,  # an encrypted member
        NotImplementedError,  # an unknown compression method
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
    )
