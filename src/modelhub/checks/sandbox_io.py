"""Reading what a sandboxed process writes, without ever trusting it to stop writing.

The package's code holds the write ends of these pipes, and so may any process it starts: a
reader must neither keep everything (bounded) nor wait forever for an end of file (it can be
told to stop).
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import threading
import time
from collections.abc import Callable

_CHUNK = 64 * 1024


class BoundedLog:
    """Keeps the head and the tail of a byte stream within ``limit`` bytes in all."""

    _MARK = "\n[… {} bytes of output left out …]\n"

    def __init__(self, limit: int) -> None:
        # room for the marker, so that the text as a whole stays within the limit
        self._head_limit = (limit - 64) // 2
        self._tail_limit = limit - 64 - self._head_limit
        self._head = bytearray()
        self._tail: collections.deque[bytes] = collections.deque()
        self._tail_size = 0
        self.dropped = 0
        self.fed = 0
        """Bytes fed so far (a mark for `since`)."""
        self._lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        with self._lock:
            self.fed += len(data)
            room = self._head_limit - len(self._head)
            if room > 0:
                self._head += data[:room]
                data = data[room:]
            if not data:
                return
            self._tail.append(data)
            self._tail_size += len(data)
            while self._tail_size > self._tail_limit:
                extra = self._tail_size - self._tail_limit
                first = self._tail[0]
                if len(first) <= extra:
                    self._tail.popleft()
                    self._tail_size -= len(first)
                    self.dropped += len(first)
                else:
                    self._tail[0] = first[extra:]
                    self._tail_size -= extra
                    self.dropped += extra

    def since(self, mark: int) -> str:
        """What was fed after ``mark`` (an earlier `fed`), as far as it was kept (a long-lived
        process's log of one request)."""
        with self._lock:
            tail = b"".join(self._tail)
            tail_start = self.fed - len(tail)
            if mark >= tail_start:
                return tail[mark - tail_start :].decode("utf-8", errors="replace")
            head = self._head[mark:] if mark < len(self._head) else b""
            left_out = self._MARK.format(self.dropped) if self.dropped else ""
            return (
                head.decode("utf-8", errors="replace")
                + left_out
                + tail.decode("utf-8", errors="replace")
            )

    def text(self) -> str:
        with self._lock:
            head = self._head.decode("utf-8", errors="replace")
            tail = b"".join(self._tail).decode("utf-8", errors="replace")
            return head + (self._MARK.format(self.dropped) if self.dropped else "") + tail


class BoundedBuffer:
    """Keeps at most ``limit`` bytes; anything beyond only sets `overflow`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.overflow = False

    def feed(self, data: bytes) -> None:
        if len(self.data) + len(data) > self.limit:
            self.overflow = True
        else:
            self.data += data


class Pump:
    """A thread copying a pipe into a sink until end of file, or until told to stop."""

    def __init__(self, fd: int, sink: Callable[[bytes], None], name: str) -> None:
        self._fd = fd
        self._sink = sink
        self._stop = threading.Event()
        self._eof = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([self._fd], [], [], 0.2)
                if not ready:
                    continue
                data = os.read(self._fd, _CHUNK)
                if not data:
                    break
                self._sink(data)
        except OSError:
            pass  # the pipe was closed under us (sandbox torn down): that is the end, like EOF
        finally:
            self._eof.set()
            with contextlib.suppress(OSError):
                os.close(self._fd)

    def finish(self, grace_s: float) -> bool:
        """Wait up to ``grace_s`` for end of file, then stop; True if the end was reached."""
        reached = self._eof.wait(grace_s)
        self._stop.set()
        self._thread.join(1.0)
        return reached


def read_line(fd: int, limit: int, timeout_s: float, alive: Callable[[], bool]) -> bytes:
    """One line from ``fd`` (read byte by byte, so nothing after it is consumed), at most
    ``limit`` bytes; shorter when the writer ends, or after ``timeout_s``."""
    data = bytearray()
    deadline = time.monotonic() + timeout_s
    while len(data) < limit and not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.5))
        if ready:
            byte = os.read(fd, 1)
            if not byte:
                break
            data += byte
        elif not alive():
            break
    return bytes(data)
