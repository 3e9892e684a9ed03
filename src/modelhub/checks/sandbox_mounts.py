"""What of the host a check's sandbox sees: only what running Python and the test libraries
needs, read-only, on an otherwise empty root.

- the system's programs and libraries (``/usr``, ``/lib*``, ``/bin``, ``/sbin``: bound, or
  recreated as the symbolic links they are on merged-/usr systems) and the dynamic loader's
  configuration (``/etc/ld.so.*``): nothing else of ``/etc`` (no passwd, no TLS certificates,
  no host names: a check needs none of them);
- the Python environment: the interpreter's prefixes and the ``sys.path`` it will have, and
  the folder the hub's own code is imported from (the process inside runs this same code);
- whatever the operator named hidden (data dir, storage…) is masked again where it lies inside
  one of these.

Everything else of the host (``/home``, ``/var``, ``/run`` and its sockets, other users'
files, ``/sys``) does not exist inside.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import modelhub

_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_LOADER_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d")


def nested(paths: Iterable[Path]) -> list[Path]:
    """Paths, deduplicated, without those inside another one (binding the outer one is enough)."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(outer) for outer in kept):
            kept.append(path)
    return kept


def hub_source_root() -> Path:
    """The folder holding the ``modelhub`` package this process imported."""
    return Path(modelhub.__file__).resolve().parent.parent


@functools.cache
def python_paths() -> tuple[Path, ...]:
    """Everything the sandbox's interpreter needs: its prefixes, the sys.path it will have,
    and the hub's own code.

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
        str(hub_source_root()),
        *entries,
    ]
    paths = (os.path.realpath(p) for p in candidates if os.path.isabs(p) and os.path.exists(p))
    return tuple(nested(Path(p) for p in paths if Path(p) != Path("/")))


def _system_args() -> list[str]:
    args: list[str] = []
    for name in _SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    for name in _LOADER_FILES:
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def _bound() -> list[Path]:
    """The host paths that are visible inside (resolved)."""
    system = [Path(os.path.realpath(p)) for p in (*_SYSTEM_DIRS, *_LOADER_FILES)]
    return nested([*(p for p in system if p.exists()), *python_paths()])


def _mask_args(paths: Iterable[Path]) -> list[str]:
    args: list[str] = []
    for path in paths:
        if path.is_dir():
            args += ["--perms", "0000", "--size", "4096", "--tmpfs", str(path)]
        else:
            args += ["--ro-bind", "/dev/null", str(path)]
    return args


def host_mount_args(hidden: Iterable[Path]) -> list[str]:
    """The binds of the system and the Python environment, then masks over what must stay
    hidden where it lies inside them."""
    args = _system_args()
    system = {Path(p) for p in _SYSTEM_DIRS}
    for path in python_paths():
        if not any(path.is_relative_to(s) for s in system):
            args += ["--ro-bind", str(path), str(path)]
    bound = _bound()
    masks = [
        p
        for p in nested(Path(os.path.realpath(h)) for h in hidden if os.path.lexists(h))
        if p != Path("/") and any(p.is_relative_to(b) for b in bound)
    ]
    return args + _mask_args(masks)


def visible_host_paths() -> list[Path]:
    """What of the host a check can see (for the operator's documentation and tests)."""
    return _bound()
