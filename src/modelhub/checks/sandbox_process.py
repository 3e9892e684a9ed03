"""One sandboxed check process: started ahead of its job, handed the job, watched, destroyed.

The process tree on the host is ``bwrap`` (outer) -> ``bwrap`` (init of the new pid
namespace) -> ``python -m modelhub.checks.inside``. When the namespace's init dies, the kernel
kills every process in the namespace, daemons included; that is how a check is torn down.
Before bwrap starts, a tiny shell puts itself into the check's cgroup (so that everything
below is in it from the first instruction on) and ``setpriv`` ties the sandbox's life to the
thread that started it (if the hub dies, so does the check).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from modelhub.checks.cleanup import cgroup_prefix, owned_prefix
from modelhub.checks.limits import SandboxLimits
from modelhub.checks.sandbox import (
    INSIDE_MODULE,
    PACKAGE_DIR,
    WORK_DIR,
    SandboxSupport,
    bwrap_argv,
    etc_files,
    inside_command,
    sandbox_env,
    seccomp_pipe,
)
from modelhub.checks.sandbox_cgroups import CheckCgroup, create_cgroup
from modelhub.checks.sandbox_io import BoundedBuffer, BoundedLog, Pump, read_line
from modelhub.checks.sandbox_protocol import READY, Job
from modelhub.owned import make_owned_dir
from modelhub.private import private_dir

# Joins the cgroups named before "--", then becomes the rest of the command line.
_JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
EXIT_CGROUP_JOIN = 125
SCRATCH_PREFIX = "check-"


@dataclass(frozen=True)
class LaunchConfig:
    """How every sandbox of one runner is started."""

    limits: SandboxLimits
    scratch_root: Path
    hidden: tuple[Path, ...]
    support: SandboxSupport | None
    """None: no sandbox (the unsafe opt-out), a plain subprocess with the same limits."""
    use_cgroups: bool = True
    """False: rlimits (and a process count watch) only, even where a cgroup could be made."""
    module: str = INSIDE_MODULE
    """The module whose ``main`` runs inside (a check's test; a prediction host)."""
    device_nodes: tuple[str, ...] = ()
    """Host device files bound into the sandbox (a GPU's ``/dev/nvidia*``), none by default."""


@dataclass
class Ending:
    """How the process ended."""

    returncode: int | None
    timed_out: bool = False
    too_many_processes: bool = False


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError, ValueError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tasks_of_user(uid: int) -> int:
    """How many tasks (threads count: RLIMIT_NPROC counts them) run as ``uid`` on the host."""
    count = 0
    with os.scandir("/proc") as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.name.isdigit() and entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
    return count


def _namespace_population(ns: str) -> int:
    """How many processes live in the pid namespace ``ns`` (a /proc/PID/ns/pid link)."""
    count = 0
    with os.scandir("/proc") as entries:
        for entry in entries:
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    count += os.readlink(f"/proc/{entry.name}/ns/pid") == ns
    return count


class SandboxProcess:
    """A started check process and everything that belongs to it (scratch, cgroup, pipes)."""

    def __init__(self, config: LaunchConfig) -> None:
        self.config = config
        limits = config.limits
        private_dir(config.scratch_root, existing_too=False)  # nobody else looks inside
        # held while it exists (gc removes the scratch and cgroup of a worker that died); the
        # owner's pid in the name lets the hub's sweep at start and stop find it too
        self._owned = make_owned_dir(config.scratch_root, prefix=owned_prefix("check"))
        self.scratch = self._owned.path
        self.package_dir = self.scratch / "package"
        self.package_dir.mkdir()
        # the sandbox's user (uid 65534) reads the package and its /etc files: world-readable
        for path in (self.scratch, self.package_dir):
            path.chmod(0o755)
        self.etc_dir = self.scratch / "etc"
        self.etc_dir.mkdir(mode=0o755)
        for name, text in etc_files().items():
            (self.etc_dir / name).write_text(text)
            (self.etc_dir / name).chmod(0o644)
        self.cgroup: CheckCgroup | None = None
        if config.use_cgroups:
            self.cgroup = create_cgroup(
                f"{cgroup_prefix(config.scratch_root)}-{self.scratch.name}",
                memory_bytes=limits.memory_bytes,
                max_tasks=limits.max_tasks,
            )
        if not self.sandboxed:
            for sub in ("home", "cache", "tmp"):
                (self.scratch / "work" / sub).mkdir(parents=True)
        self.log = BoundedLog(limits.log_bytes)
        self.output: BoundedBuffer | None = None
        self._out_pump: Pump | None = None
        self.ready = False
        self._ready_lock = threading.Lock()
        self._started = time.monotonic()
        self._namespace: str | None = None
        self.too_many_processes = False
        job_r, self._job_w = os.pipe()
        self._out_r, out_w = os.pipe()
        log_r, log_w = os.pipe()
        seccomp_r = seccomp_pipe() if self.sandboxed else -1
        fds = (job_r, out_w) if seccomp_r < 0 else (job_r, out_w, seccomp_r)
        try:
            self.popen = subprocess.Popen(
                self._argv(job_r, out_w, seccomp_r),
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=subprocess.STDOUT,
                pass_fds=fds,
                env=self._host_env(),
                # unsandboxed, the process starts in its work folder (no .env there)
                cwd=self.scratch if self.sandboxed else self.scratch / "work",
                start_new_session=True,  # its own process group, killed as one
            )
        except BaseException:
            for fd in (self._job_w, self._out_r, log_r):
                os.close(fd)
            if self.cgroup is not None:
                self.cgroup.remove()
            self._remove_scratch()
            raise
        finally:
            for fd in (job_r, out_w, log_w, seccomp_r):
                if fd >= 0:
                    os.close(fd)
        self._log_pump = Pump(log_r, self.log.feed, "sandbox-log")

    @property
    def sandboxed(self) -> bool:
        return self.config.support is not None

    @property
    def work_dir(self) -> str:
        return WORK_DIR if self.sandboxed else str(self.scratch / "work")

    @property
    def inside_package_dir(self) -> str:
        return PACKAGE_DIR if self.sandboxed else str(self.package_dir)

    def _host_env(self) -> dict[str, str]:
        if self.sandboxed:  # bwrap clears it and sets the sandbox's own (see bwrap_argv)
            return {"PATH": os.defpath, "LANG": "C.UTF-8"}
        return sandbox_env(work_dir=self.work_dir, threads=self.config.limits.threads)

    def _argv(self, job_fd: int, out_fd: int, seccomp_fd: int) -> list[str]:
        command = inside_command(job_fd=job_fd, out_fd=out_fd, module=self.config.module)
        support = self.config.support
        if support is not None and support.bwrap is not None:
            command = bwrap_argv(
                bwrap=support.bwrap,
                host_package_dir=self.package_dir,
                host_etc_dir=self.etc_dir,
                hidden=[*self.config.hidden, self.config.scratch_root],
                work_bytes=self.config.limits.work_bytes,
                mode=support.mode,
                setpriv=support.setpriv,
                seccomp_fd=seccomp_fd,
                env=sandbox_env(work_dir=WORK_DIR, threads=self.config.limits.threads),
                command=command,
                device_nodes=self.config.device_nodes,
            )
        setpriv = shutil.which("setpriv")
        if setpriv is not None:
            command = [setpriv, "--pdeathsig", "KILL", "--", *command]
        if self.cgroup is not None:
            procs = [str(p) for p in self.cgroup.procs_files]
            command = ["sh", "-c", _JOIN, "modelhub-join", *procs, "--", *command]
        return command

    def alive(self) -> bool:
        return self.popen.poll() is None

    def _close(self, name: str) -> None:
        # each fd is closed once: a second close could hit a number reused by another thread
        fd = getattr(self, name)
        if fd >= 0:
            setattr(self, name, -1)
            os.close(fd)

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until the process has imported its libraries and waits for its job (False
        when it did not get there)."""
        with self._ready_lock:
            if not self.ready and self._out_r >= 0:
                line = read_line(self._out_r, len(READY), timeout_s, self.alive)
                self.ready = line == READY
            return self.ready

    def collect_output(self, limit: int) -> None:
        """Start keeping what the process writes after READY, at most ``limit`` bytes."""
        if self._out_pump is None and self._out_r >= 0:
            fd, self._out_r = self._out_r, -1  # the pump owns (and closes) it now
            self.output = BoundedBuffer(limit)
            self._out_pump = Pump(fd, self.output.feed, "sandbox-output")

    def send(self, job: Job) -> bool:
        """Hand over the job; False if the process is gone."""
        data = job.model_dump_json().encode()
        try:
            while data:
                data = data[os.write(self._job_w, data) :]
        except OSError:
            return False
        finally:
            self._close("_job_w")
        self._started = time.monotonic()
        return True

    def _watch_population(self) -> bool:
        # RLIMIT_NPROC does not hold root back, and no cgroup counts tasks: count ourselves
        limits = self.config.limits
        return (
            self.sandboxed
            and os.geteuid() == 0
            and (self.cgroup is None or not self.cgroup.bounds_tasks)
            and limits.max_processes > 0
        )

    def _overpopulated(self) -> bool:
        """Whether the sandbox runs more processes than allowed (only watched where nothing
        else bounds them, see `_watch_population`)."""
        if self._namespace is None:
            with contextlib.suppress(OSError, IndexError):
                self._namespace = os.readlink(f"/proc/{_children(self.popen.pid)[0]}/ns/pid")
        return bool(
            self._namespace
            and _namespace_population(self._namespace) > self.config.limits.max_processes
        )

    def wait(self, timeout_s: float) -> Ending:
        """Wait for the process to end, at most ``timeout_s``; stop it when it breaks a limit."""
        deadline = self._started + timeout_s
        watch = self._watch_population()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                return self._ending(timed_out=True)
            try:
                self.popen.wait(min(remaining, 0.1) if watch else remaining)
                return self._ending()
            except subprocess.TimeoutExpired:
                pass
            if watch and self._overpopulated():
                self.kill()
                return self._ending(too_many_processes=True)

    def write(self, data: bytes) -> bool:
        """Write ``data`` into the job pipe and keep it open (a long-lived process reads one
        message after another from it); False if the process is gone."""
        try:
            while data:
                data = data[os.write(self._job_w, data) :]
        except OSError:
            return False
        return True

    def read(self, size: int, deadline: float) -> bytes:
        """Exactly ``size`` bytes from the output pipe (after READY), or fewer when the process
        ended, closed the pipe or ``deadline`` (``time.monotonic``) passed; a process that
        starts more processes than allowed is killed (where nothing else bounds them)."""
        watch = self._watch_population()
        data = bytearray()
        while len(data) < size and self._out_r >= 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([self._out_r], [], [], min(remaining, 0.1))
            if ready:
                chunk = os.read(self._out_r, min(size - len(data), 1024 * 1024))
                if not chunk:
                    break
                data += chunk
            elif watch and self._overpopulated():
                self.kill()
                self.too_many_processes = True
                break
        return bytes(data)

    def memory_used(self) -> int:
        """Memory the sandbox uses now: its cgroup's count where it has one, else the resident
        memory of its processes."""
        if self.cgroup is not None:
            used = self.cgroup.memory_used()
            if used is not None:
                return used
        total = 0
        todo = [self.popen.pid]
        while todo:
            pid = todo.pop()
            todo += _children(pid)
            with contextlib.suppress(OSError, ValueError, IndexError):
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(status.split("VmRSS:")[1].split()[0]) * 1024
        return total

    def _ending(self, *, timed_out: bool = False, too_many_processes: bool = False) -> Ending:
        return Ending(None if timed_out else self.popen.wait(), timed_out, too_many_processes)

    def kill(self) -> None:
        """Stop everything of this check, then reap it.

        Sandboxed: the namespace's init first (the kernel then kills every process in the
        namespace, and the outer bwrap reaps init and exits), the outer bwrap if need be.
        Unsandboxed: the process group (it outlives its leader while members are left).
        Either way the cgroup, if there is one, whatever escaped both.
        """
        if self.sandboxed:
            if self.popen.poll() is None:
                children = _children(self.popen.pid)
                for child in children:
                    with contextlib.suppress(OSError):
                        os.kill(child, signal.SIGKILL)
                if children:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        self.popen.wait(1.0)
                self.popen.kill()  # a no-op once it has ended
        else:
            with contextlib.suppress(OSError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.kill()
        self.popen.wait()

    def output_bytes(self) -> bytes | None:
        """What the process wrote after READY (None: nothing kept, or more than allowed)."""
        if self._out_pump is None or self.output is None:
            return None
        self._out_pump.finish(2.0)
        if self.output.overflow:
            return None
        return bytes(self.output.data)

    def destroy(self) -> None:
        """Kill, reap, close, remove: afterwards nothing of this check is left."""
        self.kill()
        self._log_pump.finish(2.0)
        if self._out_pump is not None:
            self._out_pump.finish(0.5)
        self._close("_job_w")
        self._close("_out_r")
        if self.cgroup is not None:
            self.cgroup.remove()
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        self._owned.release()
