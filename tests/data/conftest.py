"""Every test here gets its own data folder ($PLUGRAD_DATA), no proxy, and may start the local
fixture server; nothing here touches the network or ~/.plugrad."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data._server import FixtureServer

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The data folder for this test (``$PLUGRAD_DATA``), not created yet."""
    home = tmp_path / "plugrad-data"
    monkeypatch.setenv("PLUGRAD_DATA", str(home))
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return home


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as running:
        yield running
