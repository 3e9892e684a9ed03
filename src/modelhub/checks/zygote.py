"""Warm start: one sandbox started ahead of time, its Python done importing torch,
onnxruntime and bioimageio, blocked on reading its job.

Importing those libraries takes several seconds, more than testing a small model; a test
that finds a warm sandbox skips it. Each weight format's test still uses its own sandbox
exactly once (the next one starts as soon as one is taken, while that test runs), so nothing
carries over from one package, or one format, to the next.

Every sandbox is started from one long-lived thread: ``setpriv --pdeathsig`` ties a sandbox
to the *thread* that started it, so a short-lived thread would take its sandbox with it.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from modelhub.checks.sandbox_process import LaunchConfig, SandboxProcess


class ZygotePool:
    """Hands out started sandboxes: the warm one if there is one, else a fresh (cold) one."""

    def __init__(self, config: LaunchConfig, *, warm: bool) -> None:
        self.config = config
        self.warm = warm
        self._launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-launcher")
        self._lock = threading.Lock()
        self._next: Future[SandboxProcess] | None = None
        self._closed = False
        if warm:
            self.refill()

    def _start(self) -> SandboxProcess:
        return self._launcher.submit(SandboxProcess, self.config).result()

    def take(self) -> tuple[SandboxProcess, bool]:
        """A started sandbox, and whether it was pre-started (warm)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the check runner is closed")
            pending, self._next = self._next, None
        self.refill()  # the next one imports its libraries while this one is used
        if pending is not None:
            with contextlib.suppress(Exception):
                process = pending.result()
                if process.alive():
                    return process, True
                process.destroy()  # died while waiting (killed, out of memory…): start afresh
        return self._start(), False

    def wait_warm(self, timeout_s: float) -> bool:
        """Block until the pre-started sandbox has imported its libraries."""
        with self._lock:
            pending = self._next
        if pending is None:
            return False
        try:
            return pending.result(timeout_s).wait_ready(timeout_s) is not None
        except Exception:  # a sandbox that failed to start is not warm
            return False

    def refill(self) -> None:
        """Start the next warm sandbox in the background, unless one is already waiting."""
        with self._lock:
            if not self.warm or self._closed or self._next is not None:
                return
            self._next = self._launcher.submit(SandboxProcess, self.config)

    def close(self) -> None:
        """Stop the waiting sandbox (if any) and the launcher thread."""
        with self._lock:
            self._closed = True
            pending, self._next = self._next, None
        if pending is not None:
            with contextlib.suppress(Exception):
                pending.result().destroy()
        self._launcher.shutdown(wait=True)
