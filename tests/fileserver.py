"""A real HTTP server on a loopback port that serves scripted files, for the fetcher's tests:
each path answers its ``Route`` (a body with an ETag, a status, a redirect, silence, a slow
trickle) and every request is recorded (path and headers)."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HANG_LIMIT_S = 10


@dataclass
class Route:
    """What one path answers. ``declare_length=False`` sends the body without Content-Length
    (ended by closing the connection); ``hang`` answers nothing; ``trickle`` sends the body a
    byte every 0.1 s."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    location: str | None = None
    etag: bool = True
    declare_length: bool = True
    hang: bool = False
    trickle: bool = False


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # names in lower case


@dataclass
class FileServer:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    port: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host_port}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in list(self.requests)]

    def serve_folder(self, folder: Path, prefix: str) -> None:
        """Every file below ``folder`` at ``prefix/<its relative path>``."""
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                rel = file.relative_to(folder).as_posix()
                self.routes[f"{prefix}/{rel}"] = Route(body=file.read_bytes())


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _handler(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.requests.append(Request(self.path, headers))
            route = server.routes.get(self.path.split("?", 1)[0], Route(b"not here", status=404))
            if route.hang:
                server.stopping.wait(HANG_LIMIT_S)
                return
            tag = etag_of(route.body) if route.etag else None
            if tag is not None and headers.get("if-none-match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.location is not None:
                self.send_header("Location", route.location)
            if tag is not None:
                self.send_header("ETag", tag)
            if route.declare_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.trickle:
                deadline = time.monotonic() + HANG_LIMIT_S
                for byte in route.body:
                    if server.stopping.wait(0.1) or time.monotonic() > deadline:
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                return
            # the fetcher may stop reading (a body over its limit)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def file_server(routes: dict[str, Route] | None = None) -> Iterator[FileServer]:
    """A file server on a free loopback port, stopped at the end (HTTP/1.0: one request per
    connection, a body without Content-Length ends when the connection closes)."""
    files = FileServer(routes=dict(routes or {}))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(files))
    httpd.daemon_threads = True
    files.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield files
    finally:
        files.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
