"""The bubblewrap sandbox: what a check's process sees and may do, and whether bwrap works here.

Inside, the root is empty but for what `sandbox_mounts` binds read-only (system libraries, the
Python environment, the hub's code) and two folders:

- ``/tmp/modelhub-check/package``: the package copy, a read-only bind of the host folder that
  the hub fills (also after the process started: that is how a warm sandbox gets its job);
- ``/tmp/modelhub-check/work``: a size-bounded tmpfs, the only writable place (cwd, HOME,
  caches, the output tensors; besides a small, also bounded, /dev/shm), so a package can
  neither fill the host's disk nor leave files behind.

The root, /dev and every bind are read-only. No network (own empty network namespace), own
pid/ipc/uts namespaces, no capabilities, a seccomp filter (`seccomp`), no environment beyond
what `sandbox_env` gives, and an unprivileged user: where the hub runs as root the process
becomes the host's ``nobody`` (uid 65534) itself, so the kernel's own permission checks hold it
back too; otherwise uid 65534 inside a user namespace, mapped to the hub's user.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from modelhub.checks.sandbox_mounts import host_mount_args, hub_source_root, visible_host_paths
from modelhub.checks.seccomp import filter_program

# Paths inside the sandbox (its /tmp is a folder of its own, empty root, not the host's /tmp).
PRIVATE_TMP = "/tmp"  # noqa: S108
SANDBOX_ROOT = f"{PRIVATE_TMP}/modelhub-check"
PACKAGE_DIR = f"{SANDBOX_ROOT}/package"
WORK_DIR = f"{SANDBOX_ROOT}/work"
ETC_FILES = ("passwd", "group")
SANDBOX_UID = 65534
"""The user checks run as ("nobody")."""
_SHM_BYTES = 512 * 1024**2
_HOST_SECRETS = ("/run", "/var/run", "/etc/shadow", "/etc/gshadow", "/etc/ssh")
_UNSAFE_HINT = (
    "or run checks without a sandbox with CheckRunner(allow_unsandboxed=True), which lets "
    "uploaded packages run code with the hub's rights"
)

UserMode = Literal["drop", "userns"]
"""``drop``: bwrap runs as root without a user namespace and ``setpriv`` becomes uid 65534 on
the host before the check's Python starts; ``userns``: bwrap maps uid 65534 inside to the
hub's own user outside."""


class SandboxUnavailable(Exception):
    """bubblewrap cannot run here, and unsandboxed checks were not allowed."""


@dataclass(frozen=True)
class SandboxSupport:
    """The outcome of trying bwrap once."""

    usable: bool
    reason: str
    bwrap: str | None = None
    mode: UserMode = "userns"
    setpriv: str | None = None
    """The ``setpriv`` that drops to uid 65534 inside (mode ``drop``)."""


def default_hidden_paths() -> list[Path]:
    """What the hub's settings (env ``MODELHUB_*``) point at: data dir, storage, SQLite file;
    also the host user's home, /run, a ``.env`` in the working directory and the usual places
    of host secrets. None of them is bound into a sandbox; they are masked should one lie
    inside something that is (say, a data dir inside the Python environment's folder)."""
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


def etc_files() -> dict[str, str]:
    """The sandbox's /etc/passwd and /etc/group: only its own user (libraries look it up)."""
    return {
        "passwd": f"nobody:x:{SANDBOX_UID}:{SANDBOX_UID}:nobody:{WORK_DIR}/home:/bin/false\n",
        "group": f"nogroup:x:{SANDBOX_UID}:\n",
    }


def _user_args(mode: UserMode) -> list[str]:
    if mode == "drop":
        # only the two capabilities setpriv needs to become uid 65534, which drops them
        return ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    # no nested user namespace either: it would hand the package fresh capabilities
    uid = str(SANDBOX_UID)
    return ["--unshare-user", "--disable-userns", "--uid", uid, "--gid", uid, "--cap-drop", "ALL"]


def drop_command(setpriv: str) -> list[str]:
    """Becomes uid/gid 65534 with no supplementary groups and no way back."""
    uid = str(SANDBOX_UID)
    return [setpriv, "--reuid", uid, "--regid", uid, "--clear-groups", "--no-new-privs"]


def bwrap_argv(
    *,
    bwrap: str,
    host_package_dir: Path,
    host_etc_dir: Path,
    hidden: Sequence[Path],
    work_bytes: int,
    mode: UserMode,
    setpriv: str | None,
    seccomp_fd: int | None,
    env: dict[str, str],
    command: Sequence[str],
    device_nodes: Sequence[str] = (),
) -> list[str]:
    """The full bwrap command line for one sandbox running ``command``; ``device_nodes``
    (host device files such as ``/dev/nvidia0``) are bound in read-write, nothing else of the
    host's /dev is."""
    # bwrap makes missing parents of mount points with the caller's umask: make them first,
    # world-readable (the sandbox's user must get through them), in an order parents first
    targets = [PACKAGE_DIR, WORK_DIR, *(f"/etc/{n}" for n in ETC_FILES)]
    targets += [str(p) for p in visible_host_paths()]
    argv = [bwrap]
    for folder in sorted({str(a) for t in targets for a in Path(t).parents if a != Path("/")}):
        argv += ["--perms", "0755", "--dir", folder]
    argv += host_mount_args(hidden)
    for name in ETC_FILES:
        argv += ["--ro-bind", str(host_etc_dir / name), f"/etc/{name}"]
    argv += ["--dev", "/dev", "--proc", "/proc"]
    for node in device_nodes:
        argv += ["--dev-bind", node, node]
    # every writable place is a tmpfs of bounded size: /dev/shm (POSIX semaphores), the work
    shm = str(min(work_bytes, _SHM_BYTES))
    argv += ["--perms", "1777", "--size", shm, "--tmpfs", "/dev/shm"]  # noqa: S108
    argv += ["--ro-bind", str(host_package_dir), PACKAGE_DIR]
    argv += ["--perms", "1777", "--size", str(work_bytes), "--tmpfs", WORK_DIR]
    for sub in ("home", "cache", "tmp", "out"):
        argv += ["--perms", "0777", "--dir", f"{WORK_DIR}/{sub}"]
    argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", WORK_DIR]
    argv += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    argv += _user_args(mode)
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    argv += ["--die-with-parent", "--new-session", "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    if mode == "drop":
        if setpriv is None:
            raise ValueError("mode 'drop' needs setpriv")
        command = [*drop_command(setpriv), "--", *command]
    return [*argv, "--", *command]


def seccomp_pipe() -> int:
    """A pipe's read end holding the compiled seccomp filter (bwrap reads it once)."""
    program = filter_program()
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, program)  # a few hundred bytes: fits the pipe's buffer
    finally:
        os.close(write_end)
    return read_end


def sandbox_env(*, work_dir: str, threads: int) -> dict[str, str]:
    """The whole environment of a check's process: no secrets, no MODELHUB_* settings."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"{work_dir}/home",
        "TMPDIR": f"{work_dir}/tmp",  # noqa: S108 - the check's own work folder
        "XDG_CACHE_HOME": f"{work_dir}/cache",
        "BIOIMAGEIO_CACHE_PATH": f"{work_dir}/cache/bioimageio",
        "USER": "nobody",
        "LOGNAME": "nobody",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "TQDM_DISABLE": "1",
    }
    for name in ("OMP", "MKL", "OPENBLAS", "NUMEXPR", "VECLIB_MAXIMUM"):
        env[f"{name}_NUM_THREADS"] = str(threads)
    return {k: v for k, v in env.items() if not k.startswith("MODELHUB_")}


INSIDE_MODULE = "modelhub.checks.inside"


def inside_command(*, job_fd: int, out_fd: int, module: str = INSIDE_MODULE) -> list[str]:
    """How the sandbox starts Python: isolated (-I: no cwd or user site on sys.path, no
    PYTHON* variables), no bytecode writes (-B), unbuffered output (-u) so the log keeps order;
    the hub's code is imported from where this process imported it (the same code), and
    ``module``'s ``main`` runs (a check's test by default, a prediction host for predictions)."""
    if not module.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"not a module name: {module!r}")
    bootstrap = (
        f"import sys; sys.path.insert(0, {str(hub_source_root())!r}); "
        f"from {module} import main; sys.exit(main())"
    )
    return [sys.executable, "-I", "-B", "-u", "-c", bootstrap, "--job-fd", str(job_fd),
            "--out-fd", str(out_fd)]  # fmt: skip


def _try(bwrap: str, mode: UserMode, setpriv: str | None) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="modelhub-probe-") as tmp:
        etc = Path(tmp)
        os.chmod(etc, 0o755)  # noqa: S103 - the sandbox's user reads it
        for name, text in etc_files().items():
            (etc / name).write_text(text)
            os.chmod(etc / name, 0o644)
        seccomp_fd = seccomp_pipe()
        try:
            argv = bwrap_argv(
                bwrap=bwrap,
                host_package_dir=etc,
                host_etc_dir=etc,
                hidden=default_hidden_paths(),
                work_bytes=1024 * 1024,
                mode=mode,
                setpriv=setpriv,
                seccomp_fd=seccomp_fd,
                env=sandbox_env(work_dir=WORK_DIR, threads=1),
                command=[sys.executable, "-I", "-c", "import json, modelhub.checks"],
            )
            return subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                pass_fds=(seccomp_fd,),
            )
        finally:
            os.close(seccomp_fd)


def _modes() -> list[tuple[UserMode, str | None]]:
    setpriv = shutil.which("setpriv")
    modes: list[tuple[UserMode, str | None]] = []
    if os.geteuid() == 0 and setpriv is not None:
        modes.append(("drop", os.path.realpath(setpriv)))
    return [*modes, ("userns", None)]


@functools.cache
def probe() -> SandboxSupport:
    """Try a tiny sandbox once (as the host's nobody where we are root, else in a user
    namespace) and remember the answer."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxSupport(
            False,
            "bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt-get install "
            f"bubblewrap), {_UNSAFE_HINT}.",
        )
    errors = []
    for mode, setpriv in _modes():
        try:
            done = _try(bwrap, mode, setpriv)
        except (OSError, subprocess.SubprocessError) as exc:
            errors.append(str(exc))
            continue
        if done.returncode == 0:
            version = subprocess.run(
                [bwrap, "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
            how = "as the host's nobody" if mode == "drop" else "in a user namespace"
            return SandboxSupport(True, f"{version or 'bwrap'} works ({how})", bwrap, mode, setpriv)
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
