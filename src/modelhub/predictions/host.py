"""A warm model host: one sandboxed process (`inside`) holding one loaded model.

    host = ModelHost(process, key="res/1/torchscript/abc", limits=limits)
    device = host.load(fill_package, weight_format="torchscript", use_gpu=False, timeout_s=300)
    outputs = host.predict({"raw": tile}, stats, timeout_s=60)   # {"prob": array}
    host.close()

The process is a `SandboxProcess` (the checks' sandbox: bubblewrap, no network, seccomp,
cgroup or rlimits) started by `hosts.HostPool`; the package's files are copied into its
package folder before ``load``. A host that dies, answers nonsense, runs out of time or of
memory raises `HostError` (a stable code, plain words) and is destroyed on the spot: nothing of
it is left running. A model that merely fails on one input leaves its host usable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from modelhub.checks.limits import SandboxLimits, format_bytes, format_seconds
from modelhub.checks.sandbox_process import SandboxProcess
from modelhub.checks.sandbox_protocol import Job
from modelhub.predictions.protocol import ProtocolError, npy_array, npy_bytes, pack, unpack

STARTUP_TIMEOUT_S = 300.0
"""How long a host may take to import its libraries (not counted against the model)."""
_LOG_TAIL = 4000


class HostError(Exception):
    """The host could not do what was asked; ``code`` is stable (model_failed,
    model_timeout, out_of_memory, sandbox_unavailable, output_invalid), ``message`` plain."""

    def __init__(self, code: str, message: str, log: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.log = log
        """The tail of what the host printed, when it was destroyed."""


@dataclass(frozen=True)
class Statistic:
    """One measure the preprocessing needs, computed over the whole image by the worker:
    the measure as bioimageio.core describes it (JSON), its value, the value's axis ids."""

    measure: dict[str, Any]
    value: np.ndarray
    dims: tuple[str, ...]


class ModelHost:
    """One loaded model in one sandboxed process; one request at a time."""

    def __init__(self, process: SandboxProcess, *, key: str, limits: SandboxLimits) -> None:
        self.process = process
        self.key = key
        self.limits = limits
        self.device: str | None = None
        self.load_s = 0.0
        self.last_used = time.monotonic()
        self.uses = 0
        self.closed = False
        self.cpu_used_s = 0.0
        self._lock = threading.Lock()
        self._closing = threading.Lock()
        self._mark = 0

    @property
    def package_dir(self) -> Path:
        """The host-side folder the sandbox sees (read-only) as its package."""
        return self.process.package_dir

    def alive(self) -> bool:
        return not self.closed and self.process.alive()

    def memory_used(self) -> int:
        """Bytes the host's processes use now (its cgroup's count, or their resident memory)."""
        return 0 if self.closed else self.process.memory_used()

    def log_tail(self, mark: int = 0) -> str:
        """The end of what the host printed (since ``log_mark()``'s answer, when given: a warm
        host serves many people, each sees only their own prediction's lines)."""
        return self.process.log.since(mark)[-_LOG_TAIL:]

    def log_mark(self) -> int:
        return self.process.log.fed

    def _request(
        self, header: dict[str, Any], parts: Mapping[str, bytes], timeout_s: float, limit: int
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Send one request and read its answer; any failure of the process destroys it."""
        if not self.alive():
            self.close()
            raise HostError("model_failed", "The model's process is no longer running.")
        deadline = time.monotonic() + timeout_s
        self._mark = self.log_mark()
        if not self.process.write(pack(header, parts)):
            raise self._broken("The model's process stopped reading its requests.")
        try:
            answer, data = unpack(lambda n: self.process.read(n, deadline), limit)
        except ProtocolError as exc:
            if time.monotonic() >= deadline and self.process.alive():
                self.close()
                raise HostError(
                    "model_timeout",
                    f"The model did not answer within {format_seconds(timeout_s)}; it was stopped.",
                    self.log_tail(self._mark),
                ) from None
            raise self._broken(f"The model's process broke off ({exc}).") from None
        if not isinstance(answer.get("ok"), bool):
            raise self._broken("The model's process answered something unreadable.")
        self.last_used = time.monotonic()
        return answer, data

    def _broken(self, why: str) -> HostError:
        """Destroy the host; the error saying why, out of memory when the kernel said so."""
        cgroup = self.process.cgroup
        oom = cgroup is not None and cgroup.oom_killed()
        tasks = self.process.too_many_processes or (cgroup is not None and cgroup.hit_task_limit())
        self.close()
        log = self.log_tail(self._mark)
        if oom:
            limit = format_bytes(self.limits.memory_bytes)
            return HostError("out_of_memory", f"The model needed more than {limit} of memory.", log)
        if tasks:
            return HostError("model_failed", "The model started more processes than allowed.", log)
        return HostError("model_failed", why, log)

    def load(
        self,
        fill: Callable[[Path], None],
        *,
        weight_format: str,
        use_gpu: bool,
        timeout_s: float,
        job_limits: Mapping[str, int | None],
    ) -> str:
        """Copy the package in (``fill``), load the model; the device it runs on."""
        with self._lock:
            start = time.monotonic()
            fill(self.package_dir)
            if not self.process.wait_ready(STARTUP_TIMEOUT_S):
                raise self._broken(f"The sandbox did not start: {self.log_tail()[-500:]}")
            job = Job(
                package_dir=self.process.inside_package_dir,
                work_dir=self.process.work_dir,
                weight_format=weight_format,
                cpu_seconds=self.limits.cpu_seconds,
                max_file_bytes=self.limits.max_file_bytes,
                **job_limits,
            )
            header = {"op": "load", "job": job.model_dump(), "use_gpu": use_gpu}
            answer, _ = self._request(header, {}, timeout_s, 0)
            if not answer["ok"]:
                self.close()
                raise HostError(
                    "model_failed", _error(answer, "The model could not be loaded"), self.log_tail()
                )
            self.device = str(answer.get("device") or "cpu")[:32]
            self.load_s = time.monotonic() - start
            return self.device

    def predict(
        self,
        inputs: Mapping[str, np.ndarray],
        stats: Sequence[Statistic],
        *,
        timeout_s: float,
        max_output_bytes: int,
    ) -> dict[str, np.ndarray]:
        """The model's outputs (name -> array in the output's axis order) for one sample."""
        parts = {f"in:{name}": npy_bytes(array) for name, array in inputs.items()}
        listed = []
        for index, stat in enumerate(stats):
            parts[f"stat:{index}"] = npy_bytes(stat.value)
            listed.append({"measure": stat.measure, "dims": list(stat.dims)})
        header = {"op": "predict", "stats": listed}
        with self._lock:
            answer, data = self._request(header, parts, timeout_s, max_output_bytes)
            self.uses += 1
        if not answer["ok"]:
            if answer.get("code") == "out_of_memory":
                self.close()
                raise HostError("out_of_memory", _error(answer, "The model ran out of memory"))
            raise HostError("model_failed", _error(answer, "The model failed"))
        try:
            return {name[4:]: npy_array(blob) for name, blob in data.items() if name[:4] == "out:"}
        except ProtocolError as exc:
            raise HostError(
                "output_invalid", f"The model's output is not a tensor: {exc}"
            ) from None

    def ping(self, timeout_s: float = 10.0) -> bool:
        """Whether the host answers (a host that does not is destroyed)."""
        if not self.alive():
            self.close()
            return False
        try:
            with self._lock:
                answer, _ = self._request({"op": "ping"}, {}, timeout_s, 0)
        except HostError:
            return False
        cpu = answer.get("cpu_s")
        self.cpu_used_s = float(cpu) if isinstance(cpu, int | float) else 0.0
        return answer.get("op") == "pong"

    def close(self) -> None:
        """Stop the process and remove everything of it (scratch, cgroup)."""
        with self._closing:
            if not self.closed:
                self.process.destroy()
                self.closed = True


def _error(answer: Mapping[str, Any], what: str) -> str:
    detail = str(answer.get("error") or "no reason given")[:2000]
    return f"{what}: {detail}"
