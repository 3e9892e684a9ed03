"""The bubblewrap sandbox: what a check's process sees, and whether bwrap works here at all.

Inside, the process sees the host's file system read-only, minus what must stay secret (the
host user's home, /run with its sockets, the hub's data/DB/storage, the checks' scratch
root), plus the Python environment bound back read-only (it may live in a hidden place, e.g.
under the home or /tmp). Its private /tmp is read-only except for two folders:

- ``/tmp/modelhub-check/package``: the package copy, a read-only bind of the host folder that
  the hub fills (also after the process started: that is how a warm sandbox gets its job);
- ``/tmp/modelhub-check/work``: a size-bounded tmpfs, the only writable place (cwd, HOME,
  caches; besides a small /dev/shm), so a package can neither fill the host's disk nor
  leave files behind.

No network (own empty network namespace), own pid/ipc/uts namespaces, no capabilities (a
user namespace where available, and ``--cap-drop ALL`` always: as root, bwrap would
otherwise keep them), no environment beyond what `sandbox_env` gives.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Paths inside the sandbox, where /tmp is a private tmpfs (not the host's shared /tmp).
PRIVATE_TMP = "/tmp"  # noqa: S108
SANDBOX_ROOT = f"{PRIVATE_TMP}/modelhub-check"
PACKAGE_DIR = f"{SANDBOX_ROOT}/package"
WORK_DIR = f"{SANDBOX_ROOT}/work"
_SHM_BYTES = 512 * 1024**2
_HOST_SECRETS = (
    "/run",
    "/var/run",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/ssh",
    "/var/log",
    "/var/backups",
)
_UNSAFE_HINT = (
    "or run checks without a sandbox with CheckRunner(allow_unsandboxed=True), which lets "
    "uploaded packages run code with the hub's rights"
)


class SandboxUnavailable(Exception):
    """bubblewrap cannot run here, and unsandboxed checks were not allowed."""


@dataclass(frozen=True)
class SandboxSupport:
    """The outcome of trying bwrap once."""

    usable: bool
    reason: str
    bwrap: str | None = None
    userns: bool = False
    """Whether a user namespace is used (where the kernel allows one)."""


def _nested(paths: Iterable[Path]) -> list[Path]:
    """Paths, deduplicated, without those inside another one (binding the outer one is enough)."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(outer) for outer in kept):
            kept.append(path)
    return kept


@functools.cache
def python_paths() -> tuple[Path, ...]:
    """Everything the sandbox's interpreter needs: its prefixes and the sys.path it will have.

    That sys.path is asked from the interpreter itself, started as the sandbox starts it
    (isolated): ours may hold entries no check needs, such as a script's folder in /tmp.
    """
    done = subprocess.run(
        [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    entries: list[str] = json.loads(done.stdout)
    candidates = [
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(os.path.realpath(sys.executable)).parent.parent),
        *entries,
    ]
    paths = (os.path.realpath(p) for p in candidates if os.path.isabs(p) and os.path.exists(p))
    return tuple(_nested(Path(p) for p in paths if Path(p) != Path("/")))


def default_hidden_paths() -> list[Path]:
    """What the hub's settings (env ``MODELHUB_*``) point at: data dir, storage, SQLite file.

    Also the host user's home, /run (sockets of local servers: a Unix socket can be connected
    to through a read-only mount), a ``.env`` in the working directory, and the usual places
    of host secrets: the sandbox's user is the hub's user without capabilities, so it reads
    whatever that user owns (as root: /etc/shadow, logs…).
    """
    from pydantic import ValidationError

    from modelhub.config import Settings

    hidden = [Path.home(), Path.cwd() / ".env", *map(Path, _HOST_SECRETS)]
    try:
        settings = Settings()
    except ValidationError:
        return hidden
    hidden += [settings.data_dir, settings.resolved_storage_dir]
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        hidden.append(Path(url.removeprefix("sqlite:///")).parent)
    return hidden


def _mask_args(paths: Iterable[Path]) -> list[str]:
    args: list[str] = []
    for path in paths:
        if path.is_dir():
            args += ["--tmpfs", str(path)]
        else:
            args += ["--ro-bind", "/dev/null", str(path)]
    return args


def _mount_args(hidden: Iterable[Path]) -> list[str]:
    """Masks over what must stay hidden, then the Python environment bound back where a mask
    (or the private /tmp) covers it, then the masks that this re-exposed once more."""
    masks = [
        p
        for p in _nested(Path(os.path.realpath(h)) for h in hidden if os.path.lexists(h))
        if p != Path("/") and not p.is_relative_to(PRIVATE_TMP)  # hidden already
    ]
    covered = [Path(PRIVATE_TMP), *masks]
    binds = [p for p in python_paths() if any(p.is_relative_to(m) for m in covered)]
    again = [m for m in masks if any(m.is_relative_to(b) and m != b for b in binds)]
    args = _mask_args(masks)
    for path in binds:
        args += ["--ro-bind", str(path), str(path)]
    return args + _mask_args(again)


def bwrap_argv(
    *,
    bwrap: str,
    host_package_dir: Path,
    hidden: Sequence[Path],
    work_bytes: int,
    userns: bool,
    env: dict[str, str],
    command: Sequence[str],
) -> list[str]:
    """The full bwrap command line for one sandbox running ``command``."""
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    # /dev/shm (for POSIX semaphores) is the only writable place in /dev, and bounded
    argv += ["--size", str(min(work_bytes, _SHM_BYTES)), "--tmpfs", "/dev/shm"]  # noqa: S108
    argv += ["--tmpfs", PRIVATE_TMP]
    argv += _mount_args(hidden)
    argv += ["--ro-bind", str(host_package_dir), PACKAGE_DIR]
    argv += ["--size", str(work_bytes), "--tmpfs", WORK_DIR]
    for sub in ("home", "cache", "tmp"):
        argv += ["--dir", f"{WORK_DIR}/{sub}"]
    argv += ["--remount-ro", PRIVATE_TMP, "--remount-ro", "/dev", "--chdir", WORK_DIR]
    argv += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    if userns:
        # no nested user namespace either: it would hand the package fresh capabilities
        argv += ["--unshare-user", "--disable-userns"]
    argv += ["--cap-drop", "ALL", "--die-with-parent", "--new-session", "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return [*argv, "--", *command]


def sandbox_env(*, work_dir: str, threads: int) -> dict[str, str]:
    """The whole environment of a check's process: no secrets, no MODELHUB_* settings."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"{work_dir}/home",
        "TMPDIR": f"{work_dir}/tmp",  # noqa: S108 - the check's own work folder
        "XDG_CACHE_HOME": f"{work_dir}/cache",
        "BIOIMAGEIO_CACHE_PATH": f"{work_dir}/cache/bioimageio",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "TQDM_DISABLE": "1",
    }
    for name in ("OMP", "MKL", "OPENBLAS", "NUMEXPR", "VECLIB_MAXIMUM"):
        env[f"{name}_NUM_THREADS"] = str(threads)
    return {k: v for k, v in env.items() if not k.startswith("MODELHUB_")}


def inside_command(*, job_fd: int, report_fd: int) -> list[str]:
    """How the sandbox starts Python: isolated (-I: no cwd or user site on sys.path, no
    PYTHON* variables), no bytecode writes (-B), unbuffered output (-u) so the log keeps order."""
    return [
        sys.executable,
        "-I",
        "-B",
        "-u",
        "-m",
        "modelhub.checks.inside",
        "--job-fd",
        str(job_fd),
        "--report-fd",
        str(report_fd),
    ]


def _try(bwrap: str, userns: bool) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="modelhub-probe-") as tmp:
        argv = bwrap_argv(
            bwrap=bwrap,
            host_package_dir=Path(tmp),
            hidden=[Path(tmp), *default_hidden_paths()],
            work_bytes=1024 * 1024,
            userns=userns,
            env=sandbox_env(work_dir=WORK_DIR, threads=1),
            command=[sys.executable, "-I", "-c", "import json, sys"],
        )
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


@functools.cache
def probe() -> SandboxSupport:
    """Try a tiny sandbox once (with a user namespace, else without) and remember the answer."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxSupport(
            False,
            "bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt-get install "
            f"bubblewrap), {_UNSAFE_HINT}.",
        )
    errors = []
    for userns in (True, False):
        try:
            done = _try(bwrap, userns)
        except (OSError, subprocess.SubprocessError) as exc:
            errors.append(str(exc))
            continue
        if done.returncode == 0:
            version = subprocess.run(
                [bwrap, "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
            mode = "with a user namespace" if userns else "without a user namespace"
            return SandboxSupport(True, f"{version or 'bwrap'} works ({mode})", bwrap, userns)
        errors.append((done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1])
    return SandboxSupport(
        False,
        f"bubblewrap cannot create a sandbox here ({errors[-1]}): allow it (it needs user "
        f"namespaces, or root), {_UNSAFE_HINT}.",
        bwrap,
    )


def sandbox_status() -> tuple[bool, str]:
    """(usable, reason in plain words): bwrap was tried once in this process, not guessed."""
    support = probe()
    return support.usable, support.reason
