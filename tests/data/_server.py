"""A local HTTP server for the download tests, serving fixture files and misbehaving on cue.

It binds 127.0.0.1 only, on a port the system picks; it answers at most ``MAX_REQUESTS``
requests and lives at most ``LIFETIME`` seconds, so it stops by itself even if a test never
stops it; every handler has a socket timeout, and the slow ones stop when the server does.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar, cast


@dataclass
class Route:
    """What the server sends for one path.

    ``length`` is the Content-Length declared (default: the body's; -1 sends none); ``send``
    cuts the body after that many bytes; ``drip`` sends one byte every ``drip`` seconds;
    ``hang`` waits that long before answering at all.
    """

    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    length: int | None = None
    send: int | None = None
    drip: float = 0.0
    hang: float = 0.0
    location: str | None = None


class FixtureServer:
    """``with FixtureServer() as server: server.routes["x.gz"] = Route(body)``; then
    ``server.url("x.gz")``.  ``server.requests`` lists the paths asked for, in order."""

    MAX_REQUESTS: ClassVar[int] = 200
    LIFETIME: ClassVar[float] = 60.0

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        self._http = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._http.fixture = self
        self._http.timeout = 0.05  # handle_request returns this often to check the limits
        self._thread = threading.Thread(target=self._serve, name="fixture-server", daemon=True)

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._thread.join(timeout=10)
        self._http.server_close()  # joins the handler threads, which end once stopping is set

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/{path}"

    def serve(self, path: str, body: bytes, **how: object) -> str:
        """Add a route and return its address."""
        self.routes[path] = Route(body, **how)  # type: ignore[arg-type]  # Route's own fields
        return self.url(path)

    def _serve(self) -> None:
        stop_at = time.monotonic() + self.LIFETIME
        while (
            not self.stopping.is_set()
            and len(self.requests) < self.MAX_REQUESTS
            and time.monotonic() < stop_at
        ):
            self._http.handle_request()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(handler.path).path.lstrip("/")
        self.requests.append(path)
        route = self.routes.get(path)
        if route is None:
            handler.send_error(404, "no such fixture")
            return
        if route.hang and self.stopping.wait(route.hang):
            return
        handler.send_response(route.status)
        handler.send_header("Content-Type", route.content_type)
        if route.location is not None:
            handler.send_header("Location", route.location)
        length = len(route.body) if route.length is None else route.length
        if length >= 0:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()
        body = route.body if route.send is None else route.body[: route.send]
        try:
            if not route.drip:
                handler.wfile.write(body)
                return
            for position in range(len(body)):
                if self.stopping.wait(route.drip):
                    return
                handler.wfile.write(body[position : position + 1])
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up: what the slow routes are for


class _HTTPServer(ThreadingHTTPServer):
    fixture: FixtureServer
    daemon_threads = False  # server_close() waits for every handler
    block_on_close = True


class _Handler(BaseHTTPRequestHandler):
    timeout = 5.0  # no handler waits longer than this on its client
    protocol_version = "HTTP/1.0"  # one request per connection, closed after the body

    def do_GET(self) -> None:
        server = cast(_HTTPServer, self.server)  # the base types it as any BaseServer
        server.fixture.answer(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  # the base's name
        """Quiet: the tests read ``requests`` instead."""


def dead_url(path: str = "file") -> str:
    """An address on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{path}"
