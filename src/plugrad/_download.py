"""The download layer: fetch a known file once into the data folder, and verify it.

Every file plugrad knows (``KNOWN_FILES``: the data sets and DeZero's pretrained weights) has
its mirrors, its size and a checksum where one is published.  ``fetch`` downloads into a
temporary file beside the target, checks the length, the first bytes and the checksum, and only
then renames it to the final name, so a bad download never takes that name; a cached file that
fails its checksum is fetched again.  Each mirror gets a socket timeout and the file a
deadline; when every mirror fails, the error lists each one with its cause.  Addresses are
https only (plain http is allowed for loopback addresses, where tests and local mirrors live).

The data folder is ``$PLUGRAD_DATA`` when set, else ``~/.plugrad`` (DeZero's ``~/.dezero``,
renamed).  ``get_file`` and ``cache_dir`` are DeZero's names for the same thing.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Final, Literal, TextIO

if TYPE_CHECKING:  # urllib.request and http.client load ssl and email: only when downloading
    import urllib.request
    from http.client import HTTPResponse

HashKind = Literal["sha256", "md5"]

DEFAULT_TIMEOUT: Final = 15.0
"""Seconds a connection may wait for the server (to connect, or between two pieces of data)."""

_CHUNK: Final = 1 << 16
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
_HEX_LENGTH: Final[dict[str, int]] = {"sha256": 64, "md5": 32}
_HASH_TITLE: Final[dict[str, str]] = {"sha256": "SHA-256", "md5": "MD5"}
_O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows opens files in text mode without it


def data_dir() -> str:
    """The folder data sets and weights go to: ``$PLUGRAD_DATA``, else ``~/.plugrad``.

    Read on every call, so setting the variable in a running program takes effect.
    """
    chosen = os.environ.get("PLUGRAD_DATA", "")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    return os.path.join(os.path.expanduser("~"), ".plugrad")


cache_dir: str = data_dir()
"""DeZero's name: the data folder as it was when plugrad was imported (``data_dir()`` is live)."""


# -- what a known file must be ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checksum:
    """A published digest: ``kind`` (``sha256`` or ``md5``), lowercase hex, and who publishes it."""

    kind: HashKind
    digest: str
    source: str

    def __post_init__(self) -> None:
        length = _HEX_LENGTH.get(self.kind)
        if length is None:
            raise ValueError(f"Checksum: kind must be 'sha256' or 'md5', got {self.kind!r}")
        if len(self.digest) != length or not all(c in "0123456789abcdef" for c in self.digest):
            raise ValueError(
                f"Checksum: a {self.kind} digest is {length} lowercase hex digits, "
                f"got {self.digest!r}"
            )

    @property
    def title(self) -> str:
        return _HASH_TITLE[self.kind]


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file the download layer can fetch and check.

    ``name`` is its name in the data folder; ``urls`` its mirrors, tried in order; ``size`` its
    exact length in bytes, or ``None`` where nobody publishes it, in which case ``max_size``
    bounds what is read; ``checksum`` the published digest, or ``None`` (the file is then
    checked by size and ``magic``, its first bytes, only).
    """

    name: str
    urls: tuple[str, ...]
    size: int | None
    checksum: Checksum | None
    max_size: int = 0
    magic: bytes = b""
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or os.path.basename(self.name) != self.name or self.name[0] == ".":
            raise ValueError(f"RemoteFile: {self.name!r} must be a plain file name")
        if not self.urls:
            raise ValueError(f"RemoteFile {self.name}: give at least one address")
        for url in self.urls:
            problem = _address_problem(url)
            if problem is not None:
                raise ValueError(f"RemoteFile {self.name}: {url} {problem}")
        if self.size is None and self.max_size <= 0:
            raise ValueError(
                f"RemoteFile {self.name}: without a known size, max_size must bound the download"
            )

    @property
    def limit(self) -> int:
        """The most bytes ever read for this file."""
        return self.size if self.size is not None else self.max_size

    def describe(self) -> str:
        """Its size and checksum in words, for messages."""
        size = f"{self.size:,} bytes" if self.size is not None else f"at most {self.max_size:,}"
        if self.checksum is None:
            return f"{size}, no published checksum"
        return f"{size}, {self.checksum.title} {self.checksum.digest}"


def _address_problem(url: str) -> str | None:
    """Why ``url`` is not one plugrad downloads from, or None."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return None  # this machine: tests and local mirrors; nothing on the network can change it
    if parts.scheme == "http":
        return "is plain http: plugrad downloads over https only; use the https address"
    return "is not an https address: plugrad downloads over https only"


def _is_loopback(url: str) -> bool:
    return urllib.parse.urlsplit(url).hostname in _LOOPBACK_HOSTS


# -- the files plugrad knows ----------------------------------------------------------------------

_MNIST_MIRRORS: Final = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # torchvision's mirror
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow's mirror
)
_MNIST_SOURCE: Final = (
    "torchvision's MNIST resource table (pytorch/vision, prototype datasets) and "
    "TensorFlow Datasets (url_checksums/mnist.txt), which also gives the sizes"
)
_DEZERO_WEIGHTS: Final = "https://github.com/koki0702/dezero-models/releases/download/v0.1/"


def _mnist(name: str, size: int, sha256: str, what: str) -> RemoteFile:
    return RemoteFile(
        name,
        tuple(base + name for base in _MNIST_MIRRORS),
        size,
        Checksum("sha256", sha256, _MNIST_SOURCE),
        magic=b"\x1f\x8b",
        description=f"MNIST {what}",
    )


def _weights(name: str, max_size: int, what: str) -> RemoteFile:
    return RemoteFile(
        name,
        (_DEZERO_WEIGHTS + name,),
        None,
        None,
        max_size=max_size,
        magic=b"PK\x03\x04",  # an .npz is a zip archive
        description=f"DeZero's pretrained {what} weights",
    )


_KNOWN: Final = (
    _mnist(
        "train-images-idx3-ubyte.gz",
        9_912_422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "training images",
    ),
    _mnist(
        "train-labels-idx1-ubyte.gz",
        28_881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "training labels",
    ),
    _mnist(
        "t10k-images-idx3-ubyte.gz",
        1_648_877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "test images",
    ),
    _mnist(
        "t10k-labels-idx1-ubyte.gz",
        4_542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "test labels",
    ),
    RemoteFile(
        "cifar-10-python.tar.gz",
        ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        170_498_071,
        Checksum(
            "sha256",
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            "torchvision (pytorch/vision, prototype datasets, cifar.py); Keras's cifar10 loader",
        ),
        magic=b"\x1f\x8b",
        description="CIFAR-10, python version",
    ),
    RemoteFile(
        "cifar-100-python.tar.gz",
        ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",),
        169_001_437,
        Checksum(
            "sha256",
            "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
            "torchvision (pytorch/vision, prototype datasets, cifar.py); Keras's cifar100 loader",
        ),
        magic=b"\x1f\x8b",
        description="CIFAR-100, python version",
    ),
    RemoteFile(
        "shakespear.txt",  # DeZero's file name for it
        (
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
            "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt",
        ),
        1_115_394,
        Checksum(
            "sha256",
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            "TensorFlow Datasets (url_checksums/tiny_shakespeare.txt), which also gives the size",
        ),
        description="Tiny Shakespeare (char-rnn's input.txt)",
    ),
    RemoteFile(
        "imagenet1000_clsidx_to_labels.txt",
        (
            "https://gist.githubusercontent.com/yrevar/942d3a0ac09ec9e5eb3a/raw/"
            "238f720ff059c1f82f368259d1ca4ffa5dd8f9f5/imagenet1000_clsidx_to_labels.txt",
        ),
        None,
        None,
        max_size=256 * 1024,
        magic=b"{",  # a Python dict literal
        description="ImageNet's 1000 class names (the gist DeZero reads)",
    ),
    # DeZero publishes no sizes or checksums for its weights: bound each by its parameter count
    # in float64 (VGG16 138.4M, ResNet-50/101/152 25.6M/44.5M/60.2M), plus room for the archive.
    _weights("vgg16.npz", 1_200_000_000, "VGG16"),
    _weights("resnet50.npz", 260_000_000, "ResNet-50"),
    _weights("resnet101.npz", 420_000_000, "ResNet-101"),
    _weights("resnet152.npz", 560_000_000, "ResNet-152"),
)

KNOWN_FILES: Final[dict[str, RemoteFile]] = {remote.name: remote for remote in _KNOWN}
"""Every file plugrad downloads, by its name in the data folder (tests swap in local ones)."""


# -- errors ---------------------------------------------------------------------------------------


class DownloadError(OSError):
    """No mirror gave a good copy of a file; ``failures`` lists ``(url, cause)`` per mirror."""

    def __init__(
        self,
        remote: RemoteFile,
        path: str,
        failures: list[tuple[str, str]],
        stale: str | None = None,
    ) -> None:
        self.remote = remote
        self.path = path
        self.failures = failures
        lines = [f"could not download {remote.name} ({remote.describe()}):"]
        lines += [f"  - {url}: {cause}" for url, cause in failures]
        if stale is not None:
            lines.append(f"The copy already at {path} {stale}.")
        lines.append(
            f"Nothing was saved under the final name. Check the network (a proxy goes in "
            f"HTTPS_PROXY), or download the file by hand from one of the addresses above and "
            f"put it at {path}"
        )
        super().__init__("\n".join(lines))


class _MirrorError(Exception):
    """One mirror failed; ``cause`` says how, in words."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


# -- fetching -------------------------------------------------------------------------------------


def fetch(
    remote: RemoteFile,
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    deadline: float | None = None,
    progress: TextIO | None = None,
) -> str:
    """The local path of ``remote`` in ``root`` (default ``data_dir()``), downloaded if needed.

    A file already there is used when it passes the checks (size, first bytes, checksum);
    otherwise, and when it is missing, it is downloaded again.  With ``download=False`` nothing
    is downloaded and a file found there is used as it is (the readers still check its format):
    a missing one is a ``FileNotFoundError`` that says where to put it.  ``timeout`` bounds
    each wait on a connection; ``deadline`` (seconds, default from the size, at a 100 kB/s
    floor) bounds each mirror's whole transfer.  On a terminal a progress bar is drawn on
    ``progress`` (default ``sys.stderr``); elsewhere one line reports each download.
    """
    folder = os.fspath(root) if root is not None else data_dir()
    path = os.path.join(folder, remote.name)
    stale: str | None = None
    if os.path.exists(path):
        if not download:
            return path
        stale = check_file(path, remote)
        if stale is None:
            return path
    elif not download:
        raise FileNotFoundError(
            f"{path} not found, and download=False. Put {remote.name} ({remote.describe()}) "
            f"there — it is at {remote.urls[0]} — or pass download=True"
        )
    stream = progress if progress is not None else sys.stderr
    if stale is not None:
        print(f"plugrad: {path} {stale}; downloading it again", file=stream)
    os.makedirs(folder, exist_ok=True)
    failures: list[tuple[str, str]] = []
    for url in remote.urls:
        try:
            _download_from(url, path, remote, timeout, deadline, stream)
        except _MirrorError as failure:
            failures.append((url, failure.cause))
            continue
        _report_success(stream, remote, path, url, failures)
        return path
    raise DownloadError(remote, path, failures, stale)


def check_file(path: str, remote: RemoteFile) -> str | None:
    """What is wrong with the local file ``path`` as a copy of ``remote``, or None."""
    size = os.path.getsize(path)
    if remote.size is not None and size != remote.size:
        return f"has {size:,} bytes where {remote.name} has {remote.size:,}"
    if size > remote.max_size > 0:
        return f"has {size:,} bytes, more than {remote.name} can have ({remote.max_size:,})"
    with open(path, "rb") as file:
        head = file.read(len(remote.magic))
        problem = _magic_problem(head, remote)
        if problem is not None:
            return problem
        if remote.checksum is None:
            return None
        file.seek(0)
        digest = hashlib.new(remote.checksum.kind)
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return _checksum_problem(digest.hexdigest(), remote.checksum)


def get_file(url: str, file_name: str | None = None) -> str:
    """DeZero's ``get_file``: ``url`` downloaded once into the data folder; its local path.

    An address plugrad knows (``KNOWN_FILES``) is fetched and checked as ``fetch`` does; any
    other https address is downloaded as it is (nothing to check it against), up to 4 GiB.
    """
    name = file_name if file_name is not None else url.rsplit("/", 1)[-1]
    for remote in KNOWN_FILES.values():
        if url in remote.urls and (file_name is None or file_name == remote.name):
            return fetch(remote)
    problem = _address_problem(url)
    if problem is not None:
        raise ValueError(f"get_file: {url} {problem}")
    unknown = RemoteFile(name, (url,), None, None, max_size=4 << 30)
    return fetch(unknown)


def _download_from(
    url: str,
    path: str,
    remote: RemoteFile,
    timeout: float,
    deadline: float | None,
    stream: TextIO,
) -> None:
    """Download ``url`` beside ``path``, check it, and rename it to ``path``; or raise."""
    allowed = deadline if deadline is not None else 60.0 + remote.limit / 100_000
    transfer = _Transfer(url, remote, min(timeout, allowed), allowed, stream)
    temp_path = _temp_path(path)
    # os.open with 0o666, not mkstemp's 0o600, so the file gets the usual umask permissions.
    handle = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = transfer.run(out)
            out.flush()
            os.fsync(out.fileno())
        if remote.checksum is not None:
            problem = _checksum_problem(digest, remote.checksum)
            if problem is not None:
                raise _MirrorError(problem)
        os.replace(temp_path, path)
    finally:  # KeyboardInterrupt included: a partial download never stays behind
        if os.path.exists(temp_path):
            os.remove(temp_path)


def _temp_path(path: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.part")


class _Transfer:
    """One mirror's transfer: streams the body, checking it as it comes."""

    def __init__(
        self, url: str, remote: RemoteFile, timeout: float, allowed: float, stream: TextIO
    ) -> None:
        self.url = url
        self.remote = remote
        self.timeout = timeout
        self.allowed = allowed
        self.stop_at = time.monotonic() + allowed
        self.bar = _ProgressBar(stream, remote.name, remote.size)
        self.received = 0
        self.expected: int | None = remote.size

    def run(self, out: BinaryIO) -> str:
        """Write the body to ``out`` and return its hex digest, or raise ``_MirrorError``."""
        try:
            with _open(self.url, self.timeout) as response:
                self.expected = _expected_length(response, self.remote)
                self.bar.total = self.expected
                digest = self._stream(response, out)
        except _MirrorError:
            raise
        except Exception as exc:  # every network failure becomes the cause, in words
            raise _MirrorError(_describe(exc, self.url, self.timeout, self.received)) from exc
        finally:
            self.bar.close()
        if self.expected is not None and self.received < self.expected:
            raise _MirrorError(f"the connection closed after {self._progress()} bytes")
        return digest

    def _stream(self, response: HTTPResponse, out: BinaryIO) -> str:
        remote = self.remote
        digest = hashlib.new(remote.checksum.kind if remote.checksum else "sha256")
        head = b""
        while True:
            if time.monotonic() > self.stop_at:
                raise _MirrorError(
                    f"deadline of {self.allowed:g} s passed with {self._progress()} bytes received"
                )
            chunk = response.read1(min(_CHUNK, remote.limit + 1 - self.received))
            if not chunk:
                problem = _magic_problem(head, remote)  # a body shorter than the magic, too
                if problem is not None:
                    raise _MirrorError(problem)
                return digest.hexdigest()
            if len(head) < 512:
                head += chunk[: 512 - len(head)]
                _check_head(head, remote)
            self.received += len(chunk)
            if self.received > remote.limit:
                raise _MirrorError(f"sent more than the {remote.limit:,} bytes expected")
            out.write(chunk)
            digest.update(chunk)
            self.bar.update(self.received)

    def _progress(self) -> str:
        if self.expected is None:
            return f"{self.received:,}"
        return f"{self.received:,} of {self.expected:,}"


def _open(url: str, timeout: float) -> HTTPResponse:
    import urllib.request

    handlers: list[urllib.request.BaseHandler] = [_https_only_redirects()]
    if _is_loopback(url):  # a proxy cannot reach this machine's own addresses
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(
        url, headers={"User-Agent": "plugrad", "Accept-Encoding": "identity"}
    )
    response: HTTPResponse = opener.open(request, timeout=timeout)
    if response.status != 200:
        response.close()
        raise _MirrorError(f"HTTP {response.status} {response.reason} instead of the file")
    return response


def _https_only_redirects() -> urllib.request.HTTPRedirectHandler:
    """A redirect handler that follows https redirects only (never down to plain http)."""
    import urllib.request
    from http.client import HTTPMessage
    from typing import IO

    class HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(
            self,
            req: urllib.request.Request,
            fp: IO[bytes],
            code: int,
            msg: str,
            headers: HTTPMessage,
            newurl: str,
        ) -> urllib.request.Request | None:
            problem = _address_problem(newurl)
            if problem is not None:
                fp.close()
                raise _MirrorError(f"redirected to {newurl}, which {problem}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return HttpsOnlyRedirects()


def _expected_length(response: HTTPResponse, remote: RemoteFile) -> int | None:
    """The length the server declares, checked against what the file should be."""
    if response.headers.get_content_type() == "text/html" and not remote.name.endswith(".html"):
        raise _MirrorError("served an HTML page (Content-Type text/html), not the file")
    declared = response.headers.get("Content-Length")
    if declared is None:
        return remote.size
    try:
        length = int(declared)
    except ValueError:
        raise _MirrorError(f"sent a bad Content-Length header: {declared!r}") from None
    if remote.size is not None and length != remote.size:
        raise _MirrorError(
            f"declares {length:,} bytes (Content-Length) where {remote.name} has {remote.size:,}"
        )
    if length > remote.limit:
        raise _MirrorError(f"declares {length:,} bytes, more than the {remote.limit:,} expected")
    return length


def _check_head(head: bytes, remote: RemoteFile) -> None:
    if len(head) >= len(remote.magic) or len(head) >= 512:
        problem = _magic_problem(head, remote)
        if problem is not None:
            raise _MirrorError(problem)


def _magic_problem(head: bytes, remote: RemoteFile) -> str | None:
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")) and not remote.magic.startswith(b"<"):
        return "is an HTML page, not the file (an error or login page saved in its place?)"
    if head[: len(remote.magic)] != remote.magic:
        return f"does not start as {remote.name} does ({remote.magic!r}): it starts {head[:16]!r}"
    return None


def _checksum_problem(actual: str, expected: Checksum) -> str | None:
    if actual == expected.digest:
        return None
    return f"checksum mismatch: {expected.title} {actual}, expected {expected.digest}"


def _describe(exc: BaseException, url: str, timeout: float, received: int) -> str:
    """One failure of the network, in words: DNS, refused, HTTP status, timeout, TLS, ..."""
    import socket
    import ssl
    from http.client import HTTPException
    from urllib.error import HTTPError, URLError

    host = urllib.parse.urlsplit(url).netloc
    if isinstance(exc, HTTPError):
        exc.close()  # its body is an open response
        return f"HTTP {exc.code} {exc.reason}"
    reason: object = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, socket.gaierror):
        return f"DNS lookup failed for {urllib.parse.urlsplit(url).hostname} ({reason.strerror})"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused by {host} (nothing is listening there)"
    if isinstance(reason, TimeoutError):
        if received:
            return f"stalled: no data for {timeout:g} s after {received:,} bytes (socket timeout)"
        return f"no answer within {timeout:g} s (socket timeout)"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed: {reason}"
    if isinstance(reason, ConnectionError):
        return f"connection lost after {received:,} bytes ({reason})"
    if isinstance(reason, HTTPException):
        return f"bad HTTP response ({type(reason).__name__}: {reason})"
    return f"{type(reason).__name__}: {reason}"


# -- what the user sees -----------------------------------------------------------------------


class _ProgressBar:
    """A bar on a terminal, redrawn at most ten times a second; nothing elsewhere."""

    def __init__(self, stream: TextIO, name: str, total: int | None) -> None:
        self.stream = stream
        self.name = name
        self.total = total
        self.active = _is_terminal(stream)
        self.started = time.monotonic()
        self.last_draw = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.active or (now - self.last_draw < 0.1 and done != self.total):
            return
        self.last_draw = now
        rate = done / max(now - self.started, 1e-6) / 1e6
        if self.total:
            filled = 30 * done // self.total
            bar = "#" * filled + "." * (30 - filled)
            text = f"{self.name} {100 * done // self.total:3d}% [{bar}] {done / 1e6:.1f} MB"
        else:
            text = f"{self.name} {done / 1e6:.1f} MB"
        self.stream.write(f"\r{text}  {rate:.1f} MB/s")
        self.stream.flush()

    def close(self) -> None:
        if self.active and self.last_draw:
            self.stream.write("\n")
            self.stream.flush()
            self.last_draw = 0.0


def _is_terminal(stream: TextIO) -> bool:
    isatty: Callable[[], bool] | None = getattr(stream, "isatty", None)
    return isatty is not None and isatty()


def _report_success(
    stream: TextIO, remote: RemoteFile, path: str, url: str, failures: list[tuple[str, str]]
) -> None:
    if remote.checksum is not None:
        checked = f"{remote.checksum.title} verified"
    else:
        checked = "no published checksum: size and format checked only"
    line = f"plugrad: downloaded {remote.name} ({os.path.getsize(path):,} bytes, {checked})"
    line += f" from {url} to {path}"
    if failures:
        line += f" after {len(failures)} mirror(s) failed: " + "; ".join(
            f"{failed}: {cause}" for failed, cause in failures
        )
    print(line, file=stream)


__all__ = [
    "DEFAULT_TIMEOUT",
    "KNOWN_FILES",
    "Checksum",
    "DownloadError",
    "RemoteFile",
    "cache_dir",
    "check_file",
    "data_dir",
    "fetch",
    "get_file",
]
