"""Warm start: sandboxes started ahead of time, its Python done importing torch,
onnxruntime and bioimageio, blocked on reading its job.

Importing those libraries takes several seconds, more than testing a small model; a test
that finds a warm sandbox skips it. A few wait at a time (one per weight format of a typical
package). Each weight format's test still uses its own sandbox
exactly once (the next one starts as soon as one is taken, while that test runs), so nothing
carries over from one package, or one format, to the next.

Every sandbox is started from one long-lived thread: ``setpriv --pdeathsig`` ties a sandbox
to the *thread* that started it, so a short-lived thread would take its sandbox with it.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from modelhub.checks.sandbox_process import LaunchConfig, SandboxProcess


class ZygotePool:
    """Hands out started sandboxes: a warm one if there is one, else a fresh (cold) one.

    ``depth`` sandboxes wait at a time: a check takes one per weight format, one after the
    other, and a package has two or three formats; each waiting sandbox holds the imported
    libraries in memory (about half a gigabyte)."""

    def __init__(self, config: LaunchConfig, *, warm: bool, depth: int = 2) -> None:
        self.config = config
        self.warm = warm and depth > 0
        self.depth = depth
        self._launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-launcher")
        self._lock = threading.Lock()
        self._waiting: collections.deque[Future[SandboxProcess]] = collections.deque()
        self._closed = False
        self.refill()

    def _start(self) -> SandboxProcess:
        return self._launcher.submit(SandboxProcess, self.config).result()

    def take(self) -> tuple[SandboxProcess, bool]:
        """A started sandbox, and whether it was pre-started (warm)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the check runner is closed")
            pending = self._waiting.popleft() if self._waiting else None
        self.refill()  # the next one imports its libraries while this one is used
        if pending is not None:
            with contextlib.suppress(Exception):
                process = pending.result()
                if process.alive():
                    return process, True
                process.destroy()  # died while waiting (killed, out of memory…): start afresh
        return self._start(), False

    def waiting(self) -> list[SandboxProcess]:
        """The sandboxes started and waiting for a job (for tests and the operator)."""
        with self._lock:
            pending = list(self._waiting)
        return [f.result() for f in pending]

    def wait_warm(self, timeout_s: float) -> bool:
        """Block until the pre-started sandboxes have imported their libraries."""
        with self._lock:
            pending = list(self._waiting)
        if not pending:
            return False
        try:
            return all(f.result(timeout_s).wait_ready(timeout_s) for f in pending)
        except Exception:  # a sandbox that failed to start is not warm
            return False

    def refill(self) -> None:
        """Start sandboxes in the background until ``depth`` of them wait."""
        with self._lock:
            while self.warm and not self._closed and len(self._waiting) < self.depth:
                self._waiting.append(self._launcher.submit(SandboxProcess, self.config))

    def close(self) -> None:
        """Stop the waiting sandboxes and the launcher thread."""
        with self._lock:
            self._closed = True
            pending, self._waiting = list(self._waiting), collections.deque()
        for future in pending:
            with contextlib.suppress(Exception):
                future.result().destroy()
        self._launcher.shutdown(wait=True)
