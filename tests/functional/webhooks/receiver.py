"""A real HTTP receiver for webhook tests: a loopback server in a thread that records every
request (method, path, headers, raw body) and answers the status codes it is told to."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.waiting import eventually

HANG = -1  # an "answer" that answers nothing until the receiver stops
TRICKLE = -2  # one that sends a header line every 0.1 s until the receiver stops
HANG_LIMIT_S = 10


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float  # time.monotonic() when it arrived


class Receiver:
    """Answers the scripted codes in order, then ``default``; ``reply`` is every answer's body."""

    def __init__(self, *script: int, default: int = 200, reply: bytes = b"thanks") -> None:
        self.script: deque[int] = deque(script)
        self.default = default
        self.reply = reply
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.url = ""

    def answer(self, *codes: int, default: int | None = None) -> None:
        with self.lock:
            self.script.extend(codes)
            if default is not None:
                self.default = default

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """The first ``count`` requests, once they are in; fails the test after ``timeout`` s."""

        def enough() -> list[Received] | None:
            got = self.received()
            return got if len(got) >= count else None

        got = eventually(
            enough,
            timeout=timeout,
            interval=0.02,
            what=lambda: f"the receiver got {count} requests ({len(self.received())} so far)",
        )
        return got[:count]

    def _next_code(self, request: Received) -> int:
        with self.lock:
            self.requests.append(request)
            return self.script.popleft() if self.script else self.default


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            code = receiver._next_code(
                Received(self.command, self.path, headers, body, time.monotonic())
            )
            if code == HANG:
                receiver.stopping.wait(HANG_LIMIT_S)
                return
            if code == TRICKLE:
                self.send_response(200)
                deadline = time.monotonic() + HANG_LIMIT_S
                while not receiver.stopping.wait(0.1) and time.monotonic() < deadline:
                    self.wfile.write(b"X-Slow: 1\r\n")
                    self.wfile.flush()
                return
            self.send_response(code)
            if 300 <= code < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", str(len(receiver.reply)))
            self.end_headers()
            self.wfile.write(receiver.reply)

        do_GET = do_POST

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(
    *script: int, default: int = 200, reply: bytes = b"thanks"
) -> Iterator[Receiver]:
    """A receiver on a free loopback port, stopped at the end."""
    receiver = Receiver(*script, default=default, reply=reply)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
