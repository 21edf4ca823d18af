"""The download layer against a local server that misbehaves as real mirrors and networks do.

Each failure must end in a clear error that names the mirror and the cause, leave nothing
under the final name (and no temporary file), and not stop a later call from fetching again.
"""

from __future__ import annotations

import hashlib
import io
import re
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plugrad._download import (
    KNOWN_FILES,
    Checksum,
    DownloadError,
    RemoteFile,
    check_file,
    data_dir,
    fetch,
    get_file,
)
from plugrad.models import VGG16, ResNet
from tests.data._formats import pinned
from tests.data._server import FixtureServer, dead_url

ROOT = Path(__file__).resolve().parents[2]
# 7,879 bytes that start like a gzip file: the download layer checks bytes, not contents.
BODY = b"\x1f\x8b" + np.random.default_rng(0).integers(0, 256, 7877, dtype=np.uint8).tobytes()
HTML = b"<!DOCTYPE html>\n<html><body><h1>Service unavailable</h1></body></html>\n"


def _files(folder: Path) -> list[str]:
    """Everything in ``folder``, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _fetch(remote: RemoteFile, folder: Path, **options: Any) -> tuple[str, str]:
    out = io.StringIO()
    path = fetch(remote, folder, progress=out, **options)
    return path, out.getvalue()


def _failure(remote: RemoteFile, folder: Path, **options: Any) -> str:
    with pytest.raises(DownloadError) as caught:
        fetch(remote, folder, progress=io.StringIO(), **options)
    assert caught.value.path == str(folder / remote.name)
    return str(caught.value)


# -- the good path ----------------------------------------------------------------------------


def test_a_good_download_is_verified_renamed_and_reported(
    server: FixtureServer, tmp_path: Path
) -> None:
    remote = pinned("data.gz", BODY, (server.serve("data.gz", BODY),))
    path, report = _fetch(remote, tmp_path)
    assert path == str(tmp_path / "data.gz")
    assert Path(path).read_bytes() == BODY
    assert _files(tmp_path) == ["data.gz"]  # no temporary file left beside it
    # not a terminal: nothing but one final line
    assert report.count("\n") == 1
    assert "downloaded data.gz (7,879 bytes, SHA-256 verified) from http://127.0.0.1" in report
    again, second_report = _fetch(remote, tmp_path)
    assert again == path
    assert second_report == ""
    assert server.requests == ["data.gz"]  # a good cached copy is not fetched again


def test_md5_checksums_are_checked_too(server: FixtureServer, tmp_path: Path) -> None:
    remote = pinned("data.gz", BODY, (server.serve("data.gz", BODY),), kind="md5")
    _path, report = _fetch(remote, tmp_path)
    assert "MD5 verified" in report
    wrong = RemoteFile(
        "other.gz", remote.urls, len(BODY), Checksum("md5", "0" * 32, "test"), magic=b"\x1f\x8b"
    )
    message = _failure(wrong, tmp_path)
    assert f"checksum mismatch: MD5 {hashlib.md5(BODY).hexdigest()}, expected {'0' * 32}" in message
    assert _files(tmp_path) == ["data.gz"]


def test_progress_bar_on_a_terminal(server: FixtureServer, tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    body = b"\x1f\x8b" + bytes(300_000)
    remote = pinned("big.gz", body, (server.serve("big.gz", body),))
    screen = Terminal()
    fetch(remote, tmp_path, progress=screen)
    drawn = screen.getvalue()
    assert "\rbig.gz 100% [##############################] 0.3 MB" in drawn
    last_line = drawn.rstrip().rsplit("\n", 1)[1]
    assert last_line.endswith(f"SHA-256 verified) from {remote.urls[0]} to {tmp_path / 'big.gz'}")


def test_redirects_are_followed_on_https_or_this_machine_only(
    server: FixtureServer, tmp_path: Path
) -> None:
    server.serve("data.gz", BODY)
    moved = server.serve("moved.gz", b"", status=302, location=server.url("data.gz"))
    path, _ = _fetch(pinned("data.gz", BODY, (moved,)), tmp_path)
    assert Path(path).read_bytes() == BODY
    down = server.serve("down.gz", b"", status=301, location="http://example.com/data.gz")
    message = _failure(pinned("d2.gz", BODY, (down,)), tmp_path)
    assert f"{down}: redirected to http://example.com/data.gz, which is plain http" in message


# -- misbehaving mirrors ----------------------------------------------------------------------


def test_an_html_error_page_is_refused_and_never_cached(
    server: FixtureServer, tmp_path: Path
) -> None:
    url = server.serve("page.gz", HTML, content_type="text/html; charset=utf-8")
    message = _failure(pinned("page.gz", BODY, (url,)), tmp_path)
    assert f"{url}: served an HTML page (Content-Type text/html), not the file" in message
    # the same page sent as if it were a binary file is caught by its first bytes
    disguised = server.serve("disguised.gz", HTML)
    remote = RemoteFile("d.gz", (disguised,), None, None, max_size=10_000, magic=b"\x1f\x8b")
    assert "is an HTML page, not the file" in _failure(remote, tmp_path)
    assert _files(tmp_path) == []


def test_a_truncated_body_is_refused_and_the_next_call_fetches_again(
    server: FixtureServer, tmp_path: Path
) -> None:
    url = server.serve("data.gz", BODY, send=3939)  # declares 7,879 bytes, sends 3,939
    remote = pinned("data.gz", BODY, (url,))
    message = _failure(remote, tmp_path)
    assert f"{url}: the connection closed after 3,939 of 7,879 bytes" in message
    assert _files(tmp_path) == []
    server.serve("data.gz", BODY)  # the mirror recovers
    path, _ = _fetch(remote, tmp_path)
    assert Path(path).read_bytes() == BODY
    assert server.requests == ["data.gz", "data.gz"]


def test_a_slow_drip_is_cut_by_the_deadline(server: FixtureServer, tmp_path: Path) -> None:
    url = server.serve("slow.gz", BODY[:1000], drip=0.1)  # one byte every 0.1 s
    remote = pinned("slow.gz", BODY[:1000], (url,))
    started = time.monotonic()
    message = _failure(remote, tmp_path, deadline=1.0, timeout=0.5)
    elapsed = time.monotonic() - started
    assert re.search(rf"{url}: deadline of 1 s passed with \d+ of 1,000 bytes received", message)
    assert elapsed < 3.0
    assert _files(tmp_path) == []


def test_a_silent_server_is_cut_by_the_socket_timeout(
    server: FixtureServer, tmp_path: Path
) -> None:
    url = server.serve("silent.gz", BODY, hang=10.0)
    started = time.monotonic()
    message = _failure(pinned("silent.gz", BODY, (url,)), tmp_path, timeout=0.5)
    assert time.monotonic() - started < 3.0
    assert f"{url}: no answer within 0.5 s (socket timeout)" in message


def test_a_404_names_the_status(server: FixtureServer, tmp_path: Path) -> None:
    url = server.url("missing.gz")
    message = _failure(pinned("missing.gz", BODY, (url,)), tmp_path)
    assert f"{url}: HTTP 404" in message
    assert "allow download=True" not in message


def test_a_wrong_but_valid_file_fails_its_checksum(server: FixtureServer, tmp_path: Path) -> None:
    other = BODY[:2] + bytes(len(BODY) - 2)  # same size, other bytes
    url = server.serve("data.gz", other)
    message = _failure(pinned("data.gz", BODY, (url,)), tmp_path)
    expected = hashlib.sha256(BODY).hexdigest()
    assert (
        f"{url}: checksum mismatch: SHA-256 {hashlib.sha256(other).hexdigest()}, "
        f"expected {expected}" in message
    )
    shorter = server.serve("short.gz", BODY[:5000])  # another size: refused from its header
    message = _failure(pinned("data.gz", BODY, (shorter,)), tmp_path)
    assert f"{shorter}: declares 5,000 bytes (Content-Length) where data.gz has 7,879" in message
    assert _files(tmp_path) == []


def test_a_dead_mirror_is_skipped_for_the_next_one(server: FixtureServer, tmp_path: Path) -> None:
    dead = dead_url("data.gz")
    remote = pinned("data.gz", BODY, (dead, server.serve("data.gz", BODY)))
    path, report = _fetch(remote, tmp_path)
    assert Path(path).read_bytes() == BODY
    assert f"after 1 mirror(s) failed: {dead}: connection refused by 127.0.0.1" in report


def test_when_every_mirror_fails_each_is_listed_with_its_cause(
    server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def no_such_host(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    urls = (
        "https://mirror.invalid/data.gz",
        dead_url("data.gz"),
        server.url("gone.gz"),
        server.serve("page.gz", HTML, content_type="text/html"),
    )
    message = _failure(pinned("data.gz", BODY, urls), tmp_path)
    lines = message.splitlines()
    assert lines[0] == (
        f"could not download data.gz (7,879 bytes, SHA-256 {hashlib.sha256(BODY).hexdigest()}):"
    )
    assert lines[1] == (
        "  - https://mirror.invalid/data.gz: DNS lookup failed for mirror.invalid "
        "(Name or service not known)"
    )
    assert lines[2].startswith(f"  - {urls[1]}: connection refused by 127.0.0.1:")
    assert lines[3].startswith(f"  - {urls[2]}: HTTP 404")
    assert lines[4] == f"  - {urls[3]}: served an HTML page (Content-Type text/html), not the file"
    assert f"put it at {tmp_path / 'data.gz'}" in lines[5]
    assert _files(tmp_path) == []


def test_an_interrupted_download_leaves_no_temporary_file(
    server: FixtureServer, tmp_path: Path
) -> None:
    class Interrupting(io.StringIO):
        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            if text.startswith("\r"):
                raise KeyboardInterrupt
            return super().write(text)

    body = b"\x1f\x8b" + bytes(200_000)
    remote = pinned("big.gz", body, (server.serve("big.gz", body),))
    with pytest.raises(KeyboardInterrupt):
        fetch(remote, tmp_path, progress=Interrupting())
    assert _files(tmp_path) == []


# -- files without a published size or checksum ------------------------------------------------


def test_unpinned_files_are_bounded_and_checked_by_their_first_bytes(
    server: FixtureServer, tmp_path: Path
) -> None:
    text = b"{0: 'tench'}" + b" " * 138  # 150 bytes
    declared = server.serve("declared.txt", text)
    undeclared = server.serve("undeclared.txt", text, length=-1)

    def remote(url: str, max_size: int) -> RemoteFile:
        return RemoteFile("labels.txt", (url,), None, None, max_size=max_size, magic=b"{")

    assert "declares 150 bytes, more than the 100 expected" in _failure(
        remote(declared, 100), tmp_path
    )
    assert "sent more than the 100 bytes expected" in _failure(remote(undeclared, 100), tmp_path)
    assert _files(tmp_path) == []
    path, report = _fetch(remote(undeclared, 1000), tmp_path)
    assert Path(path).read_bytes() == text
    assert "(150 bytes, no published checksum: size and format checked only)" in report
    empty = server.serve("empty.txt", b"")
    assert "does not start as labels.txt does (b'{')" in _failure(
        remote(empty, 1000), tmp_path / "e"
    )


# -- the cache ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(HTML, id="an HTML page saved under the .gz name"),
        pytest.param(BODY[:3939], id="a body cut short, kept under the final name"),
        pytest.param(BODY[:-1] + b"\x00", id="one byte changed"),
    ],
)
def test_a_damaged_cached_file_is_fetched_again(
    server: FixtureServer, tmp_path: Path, damage: bytes
) -> None:
    remote = pinned("data.gz", BODY, (server.serve("data.gz", BODY),))
    (tmp_path / "data.gz").write_bytes(damage)
    assert check_file(str(tmp_path / "data.gz"), remote) is not None
    path, report = _fetch(remote, tmp_path)
    assert Path(path).read_bytes() == BODY
    assert report.startswith(f"plugrad: {path} ")
    assert "downloading it again" in report
    assert server.requests == ["data.gz"]


def test_offline_a_damaged_copy_is_named_in_the_error(tmp_path: Path) -> None:
    remote = pinned("data.gz", BODY, (dead_url("data.gz"),))
    (tmp_path / "data.gz").write_bytes(BODY[:3939])
    message = _failure(remote, tmp_path)
    assert (
        f"The copy already at {tmp_path / 'data.gz'} has 3,939 bytes where data.gz has 7,879"
        in (message)
    )


def test_download_false_never_downloads(server: FixtureServer, tmp_path: Path) -> None:
    remote = pinned("data.gz", BODY, (server.serve("data.gz", BODY),))
    with pytest.raises(FileNotFoundError) as caught:
        fetch(remote, tmp_path, download=False)
    message = str(caught.value)
    assert f"{tmp_path / 'data.gz'} not found, and download=False" in message
    assert f"(7,879 bytes, SHA-256 {hashlib.sha256(BODY).hexdigest()})" in message
    assert remote.urls[0] in message
    (tmp_path / "data.gz").write_bytes(b"my own copy")  # used as it is: the readers check it
    assert fetch(remote, tmp_path, download=False) == str(tmp_path / "data.gz")
    assert server.requests == []


def test_the_data_folder_is_plugrad_data_or_home(
    server: FixtureServer, data_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert data_dir() == str(data_home)
    remote = pinned("data.gz", BODY, (server.serve("data.gz", BODY),))
    assert fetch(remote, progress=io.StringIO()) == str(data_home / "data.gz")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PLUGRAD_DATA", "~/elsewhere")
    assert data_dir() == str(tmp_path / "home" / "elsewhere")
    monkeypatch.delenv("PLUGRAD_DATA")
    assert data_dir() == str(tmp_path / "home" / ".plugrad")


# -- DeZero's get_file --------------------------------------------------------------------------


def test_get_file_checks_a_known_address_and_fetches_others_as_they_are(
    server: FixtureServer, data_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = server.serve("known.gz", BODY)
    monkeypatch.setitem(KNOWN_FILES, "known.gz", pinned("known.gz", BODY[:-1] + b"x", (known,)))
    with pytest.raises(DownloadError, match="checksum mismatch"):
        get_file(known)
    other = server.serve("other.bin", b"anything")
    assert get_file(other) == str(data_home / "other.bin")
    assert get_file(other, "renamed.bin") == str(data_home / "renamed.bin")
    assert (data_home / "renamed.bin").read_bytes() == b"anything"
    with pytest.raises(ValueError, match=r"http://example\.com/x\.gz is plain http: .* https only"):
        get_file("http://example.com/x.gz")


# -- the table of known files -------------------------------------------------------------------


def test_every_known_file_is_https_only_and_bounded() -> None:
    assert len(KNOWN_FILES) == 12
    for name, remote in KNOWN_FILES.items():
        assert remote.name == name
        assert all(url.startswith("https://") for url in remote.urls), name
        assert remote.limit > 0
        if remote.checksum is None:
            assert remote.magic, f"{name}: without a checksum its first bytes must be checked"
    with pytest.raises(ValueError, match=r"x\.gz: http://example\.com/x\.gz is plain http"):
        RemoteFile("x.gz", ("http://example.com/x.gz",), 1, None)
    with pytest.raises(ValueError, match="64 lowercase hex digits"):
        Checksum("sha256", "abc", "test")
    with pytest.raises(ValueError, match="max_size must bound"):
        RemoteFile("x.gz", ("https://example.com/x.gz",), None, None)


def test_pretrained_weights_are_known_files() -> None:
    urls = {url for remote in KNOWN_FILES.values() for url in remote.urls}
    assert VGG16.WEIGHTS_PATH in urls
    for layers in (50, 101, 152):
        assert ResNet.WEIGHTS_PATH.format(layers) in urls


def test_the_readme_table_lists_every_known_file_with_its_checksum() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Data sets", 1)[1].split("\n## ", 1)[0]
    for name, remote in KNOWN_FILES.items():
        rows = [line for line in section.splitlines() if line.startswith("|") and name in line]
        assert len(rows) == 1, name
        if remote.checksum is not None:
            assert remote.checksum.digest in rows[0], name
            assert f"{remote.size:,}" in rows[0], name
        else:
            assert "none published" in rows[0], name
