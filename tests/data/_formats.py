"""Small files in each format the data sets read, made here (never downloaded).

CIFAR batches are written the way the published archives hold them: pickles from Python 2
with NumPy 1.x, which ``pickle`` can no longer write, so their instructions are spelled out.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import tarfile

import numpy as np

from plugrad._download import Checksum, RemoteFile


def idx_gz(array: np.ndarray) -> bytes:
    """``array`` as a gzip-compressed IDX file (uint8 data)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def mnist_files(images: np.ndarray, labels: np.ndarray, train: bool) -> dict[str, bytes]:
    prefix = "train" if train else "t10k"
    return {
        f"{prefix}-images-idx3-ubyte.gz": idx_gz(images),
        f"{prefix}-labels-idx1-ubyte.gz": idx_gz(labels),
    }


def pinned(name: str, body: bytes, urls: tuple[str, ...], kind: str = "sha256") -> RemoteFile:
    """A known file at ``urls`` whose size and checksum are those of ``body``."""
    digest = hashlib.new(kind, body).hexdigest()
    return RemoteFile(
        name,
        urls,
        len(body),
        Checksum(kind, digest, "the test's fixture"),  # type: ignore[arg-type]  # sha256 or md5
        magic=body[:2] if name.endswith(".gz") else b"",
    )


# -- Python 2 pickles ------------------------------------------------------------------------------


def _string(value: bytes) -> bytes:
    """A Python 2 ``str`` (bytes), as cPickle wrote it."""
    if len(value) < 256:
        return pickle.SHORT_BINSTRING + bytes([len(value)]) + value
    return pickle.BINSTRING + struct.pack("<i", len(value)) + value


def _int(value: int) -> bytes:
    if 0 <= value < 256:
        return pickle.BININT1 + bytes([value])
    if 0 <= value < 65536:
        return pickle.BININT2 + struct.pack("<H", value)
    return pickle.BININT + struct.pack("<i", value)


def _tuple(items: list[bytes]) -> bytes:
    ends = {1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}
    if len(items) in ends:
        return b"".join(items) + ends[len(items)]
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def _list(items: list[bytes]) -> bytes:
    return pickle.EMPTY_LIST + pickle.MARK + b"".join(items) + pickle.APPENDS


def _ndarray(array: np.ndarray) -> bytes:
    """NumPy 1.x's reduction of a C-ordered array: ``_reconstruct``, then its state."""
    code, order = array.dtype.str[1:].encode(), array.dtype.str[:1].encode()
    empty = _tuple([pickle.GLOBAL + b"numpy\nndarray\n", _tuple([_int(0)]), _string(b"b")])
    dtype = pickle.GLOBAL + b"numpy\ndtype\n" + _tuple([_string(code), _int(0), _int(1)])
    dtype += pickle.REDUCE
    none = pickle.NONE
    dtype += _tuple([_int(3), _string(order), none, none, none, _int(-1), _int(-1), _int(0)])
    dtype += pickle.BUILD
    shape = _tuple([_int(d) for d in array.shape])
    state = _tuple([_int(1), shape, dtype, pickle.NEWFALSE, _string(array.tobytes())])
    return (
        pickle.GLOBAL
        + b"numpy.core.multiarray\n_reconstruct\n"
        + empty
        + pickle.REDUCE
        + state
        + pickle.BUILD
    )


def python2_batch(entries: dict[bytes, np.ndarray | list[int] | list[bytes] | bytes]) -> bytes:
    """A dict of arrays, lists and strings pickled as CIFAR's batches are (protocol 2)."""
    body = b""
    for key, value in entries.items():
        body += _string(key)
        if isinstance(value, np.ndarray):
            body += _ndarray(value)
        elif isinstance(value, bytes):
            body += _string(value)
        else:
            body += _list([_string(v) if isinstance(v, bytes) else _int(v) for v in value])
    return (
        pickle.PROTO
        + b"\x02"
        + pickle.EMPTY_DICT
        + pickle.MARK
        + body
        + pickle.SETITEMS
        + pickle.STOP
    )


def cifar_batch(images: np.ndarray, labels: dict[bytes, list[int]]) -> bytes:
    n = len(images)
    entries: dict[bytes, np.ndarray | list[int] | list[bytes] | bytes] = {
        b"batch_label": b"fixture batch",
        **labels,
        b"data": images.reshape(n, -1),
        b"filenames": [f"image_{i}.png".encode() for i in range(n)],
    }
    return python2_batch(entries)


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cifar10_archive(
    rng: np.random.Generator, per_batch: int = 3
) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A cifar-10-python.tar.gz with five training batches and a test batch of ``per_batch``
    images each (members in a shuffled order, as the real archive has them); returns the
    archive, the training images ``(5 * per_batch, 3, 32, 32)`` and their labels."""
    images = rng.integers(0, 256, size=(6, per_batch, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=(6, per_batch))
    members = {"cifar-10-batches-py/readme.html": b"<html>readme</html>"}
    for i in (4, 6, 2, 1, 5, 3):
        name = f"data_batch_{i}" if i < 6 else "test_batch"
        batch = cifar_batch(images[i - 1], {b"labels": labels[i - 1].tolist()})
        members[f"cifar-10-batches-py/{name}"] = batch
    members["cifar-10-batches-py/batches.meta"] = python2_batch({b"num_cases_per_batch": []})
    train_images = images[:5].reshape(-1, 3, 32, 32)
    return tar_gz(members), train_images, labels[:5].reshape(-1)


def imagenet_labels_text() -> bytes:
    names = {i: f"class {i}, the {i}th" for i in range(1000)}
    names[0] = "tench, Tinca tinca"
    return ("{" + ",\n ".join(f"{i}: {name!r}" for i, name in names.items()) + "}\n").encode()
