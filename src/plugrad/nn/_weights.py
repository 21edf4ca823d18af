"""Weights files: a layer's parameters in one ``.npz`` archive, named like DeZero's (``l0/W``).

Saving is atomic (a temporary file in the same folder, then ``os.replace``), so an interrupted
save leaves the previous file as it was.  Loading never unpickles (``allow_pickle=False``) and
checks the whole file against the model before it assigns anything, so a failed load leaves
every parameter unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from plugrad.core.variable import Parameter
from plugrad.typing import Array

if TYPE_CHECKING:
    from plugrad.nn.layer import Layer

PathLike = str | os.PathLike[str]

_O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows opens files in text mode without it

# numpy's stub reads the first keyword as ``allow_pickle``; every name here is an array.
_savez: Callable[..., None] = np.savez_compressed


class WeightsFileError(ValueError):
    """A weights file cannot be read, or does not fit the model it is loaded into."""


def save_weights(layer: Layer, path: PathLike) -> None:
    """Write ``layer``'s initialized parameters to ``path`` (``.npz`` is appended if missing)."""
    target = _npz_path(path)
    arrays = {name: p.data for name, p in layer.named_params() if _initialized(p)}
    folder = os.path.dirname(os.path.abspath(target))
    temp_path = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.{_token()}.tmp")
    # os.open with 0o666, not mkstemp's 0o600, so the file gets the usual umask permissions.
    handle = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            _savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_path, target)
    except BaseException:  # KeyboardInterrupt included: never leave a half-written temp file
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise


def load_weights(layer: Layer, path: PathLike) -> None:
    """Assign the arrays in ``path`` to ``layer``'s parameters, or change nothing and raise."""
    source = os.fspath(path)
    if not os.path.isfile(source):
        raise FileNotFoundError(
            f"load_weights: no weights file at {source!r}; write one with save_weights(path)"
        )
    arrays = _read_arrays(source)
    params = dict(layer.named_params())
    _check_names(source, arrays, params)
    converted = {name: _checked_array(source, name, arrays[name], params[name]) for name in arrays}
    # Everything fits: only now does any parameter change.
    for name, data in converted.items():
        params[name].data = data


def _npz_path(path: PathLike) -> str:
    target = os.fspath(path)
    return target if target.endswith(".npz") else target + ".npz"  # as numpy.savez names it


def _initialized(param: Parameter) -> bool:
    data: object = param.data  # None until a layer with an inferred size first runs
    return data is not None


def _read_arrays(source: str) -> dict[str, Array]:
    try:
        # Our own file object, so it is closed whatever np.load or the archive raise.
        with open(source, "rb") as file:
            loaded = np.load(file, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise WeightsFileError(
                    f"load_weights: {source!r} holds a single array, not an .npz archive of "
                    "named parameters; write weights files with save_weights"
                )
            with loaded:
                return {name: np.asarray(loaded[name]) for name in loaded.files}
    except WeightsFileError:
        raise
    except (OSError, ValueError, EOFError, KeyError, _bad_zip_file()) as error:
        raise WeightsFileError(
            f"load_weights: cannot read {source!r} as a weights file ({error}); it may be "
            "truncated, not an .npz archive, or hold pickled objects (never loaded, for safety)"
        ) from error


def _check_names(source: str, arrays: dict[str, Array], params: dict[str, Parameter]) -> None:
    unknown = [name for name in arrays if name not in params]
    missing = [name for name, p in params.items() if _initialized(p) and name not in arrays]
    if unknown or missing:
        raise WeightsFileError(
            f"load_weights: {source!r} does not fit this model: "
            f"names only in the file {unknown}, parameters missing from the file {missing}; "
            f"the model's parameters are {list(params)}"
        )


def _checked_array(source: str, name: str, data: Array, param: Parameter) -> Array:
    if data.dtype.kind not in "fc":
        raise WeightsFileError(
            f"load_weights: {source!r} holds {name!r} as {data.dtype}; parameters are "
            "floating-point arrays"
        )
    if not _initialized(param):  # a layer whose input size is inferred takes the file's shape
        return np.array(data, copy=True)
    if data.shape != param.data.shape:
        raise WeightsFileError(
            f"load_weights: {source!r} holds {name!r} with shape {data.shape}, but the model's "
            f"parameter has shape {param.data.shape}"
        )
    return data.astype(param.data.dtype, copy=True)


# zipfile and secrets cost milliseconds to import; only saving and loading need them.
def _token() -> str:
    import secrets

    return secrets.token_hex(4)


def _bad_zip_file() -> type[Exception]:
    import zipfile

    return zipfile.BadZipFile
