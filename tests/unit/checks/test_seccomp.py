"""The hand-assembled seccomp filter: its decisions for both architectures (evaluated by a
small classic-BPF interpreter here), and the kernel enforcing it in a real sandbox."""

from __future__ import annotations

import errno
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from modelhub.checks import seccomp
from modelhub.checks.sandbox import bwrap_argv, etc_files, probe, sandbox_env, seccomp_pipe
from modelhub.checks.seccomp import (
    AUDIT_ARCH_AARCH64,
    AUDIT_ARCH_X86_64,
    RET_ALLOW,
    RET_ENOSYS,
    RET_EPERM,
    RET_KILL_PROCESS,
    SYSCALLS,
)

CLONE_NEWUSER = 0x10000000
SIGCHLD = 17


def run_filter(program: bytes, *, arch: int, nr: int, arg0: int = 0) -> int:
    """Evaluate a classic BPF program on a struct seccomp_data (the subset the filter uses)."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    insns = [struct.unpack_from("<HBBI", program, i) for i in range(0, len(program), 8)]
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        pc += 1
        if code == 0x20:  # ld [k]
            (acc,) = struct.unpack_from("<I", data, k)
        elif code == 0x06:  # ret k
            return int(k)
        elif code in (0x15, 0x35, 0x45):  # jeq / jge / jset
            hit = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += jt if hit else jf
        else:
            raise AssertionError(f"unexpected instruction {code:#x}")


@pytest.mark.parametrize("arch", [AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64])
def test_filter_denies_the_list_and_allows_the_rest(arch: int) -> None:
    program = seccomp.filter_program()
    table = SYSCALLS[arch]
    for name in seccomp.DENIED:
        assert run_filter(program, arch=arch, nr=table[name]) == RET_EPERM, name
    assert run_filter(program, arch=arch, nr=table["clone3"]) == RET_ENOSYS
    # clone: threads and plain forks pass, a new namespace does not
    assert run_filter(program, arch=arch, nr=table["clone"], arg0=0x3D0F00) == RET_ALLOW
    assert run_filter(program, arch=arch, nr=table["clone"], arg0=SIGCHLD) == RET_ALLOW
    flags = SIGCHLD | CLONE_NEWUSER
    assert run_filter(program, arch=arch, nr=table["clone"], arg0=flags) == RET_EPERM
    denied = set(table.values())
    for nr in range(0, 460):  # read, write, openat, mmap, futex…: everything else passes
        if nr not in denied:
            assert run_filter(program, arch=arch, nr=nr) == RET_ALLOW, nr


def test_filter_refuses_other_architectures_and_x32() -> None:
    program = seccomp.filter_program()
    assert run_filter(program, arch=0x40000003, nr=26) == RET_KILL_PROCESS  # i386
    assert run_filter(program, arch=AUDIT_ARCH_X86_64, nr=0x40000000 + 101) == RET_EPERM


def test_x86_64_numbers_match_the_kernel_headers() -> None:
    header = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
    if not header.is_file():
        pytest.skip("no x86_64 kernel headers here")
    text = header.read_text()
    for name, nr in SYSCALLS[AUDIT_ARCH_X86_64].items():
        assert f"#define __NR_{name} {nr}\n" in text, name


def test_aarch64_numbers_match_the_generic_table() -> None:
    header = Path("/usr/include/asm-generic/unistd.h")
    if not header.is_file():
        pytest.skip("no generic kernel headers here")
    defined = {}
    for line in header.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "#define" and parts[2].isdigit():
            defined[parts[1].removeprefix("__NR3264_").removeprefix("__NR_")] = int(parts[2])
    for name, nr in SYSCALLS[AUDIT_ARCH_AARCH64].items():
        assert defined[name] == nr, name


PROBE = """
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
def call(name, *args):
    result = getattr(libc, name)(*args)
    return "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()]
child = os.fork()
if child == 0:
    os.execv("/bin/sleep", ["sleep", "5"])
found = {
    "ptrace": call("ptrace", 16, child, 0, 0),  # PTRACE_ATTACH to our own child
    "unshare": call("unshare", 0x10000000),
    "keyctl": call("syscall", 250 if os.uname().machine == "x86_64" else 219, 0, 0, 0),
    "uid": os.getuid(),
}
os.kill(child, 9)
print(json.dumps(found))
"""


@pytest.mark.parametrize("mode", ["drop", "userns"])
def test_the_kernel_enforces_the_filter_in_a_sandbox(tmp_path: Path, mode: str) -> None:
    support = probe()
    assert support.usable and support.bwrap is not None, support.reason
    if mode == "drop" and support.mode != "drop":
        pytest.skip("the hub does not run as root here: no dropping to the host's nobody")
    tmp_path.chmod(0o755)
    for name, text in etc_files().items():
        (tmp_path / name).write_text(text)
    outcomes = {}
    for with_filter in (False, True):
        fd = seccomp_pipe() if with_filter else None
        argv = bwrap_argv(
            bwrap=support.bwrap,
            host_package_dir=tmp_path,
            host_etc_dir=tmp_path,
            hidden=[],
            work_bytes=1 << 20,
            mode="drop" if mode == "drop" else "userns",
            setpriv=support.setpriv,
            seccomp_fd=fd,
            env=sandbox_env(work_dir="/tmp", threads=1),
            command=[sys.executable, "-I", "-c", PROBE],
        )
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=60, pass_fds=() if fd is None else (fd,)
        )
        if fd is not None:
            os.close(fd)
        assert done.returncode == 0, done.stderr
        outcomes[with_filter] = done.stdout.strip()
    # without the filter the same process may trace its child; with it, it may not
    assert '"ptrace": "ok"' in outcomes[False]
    eperm = errno.errorcode[errno.EPERM]
    assert outcomes[True] == (
        f'{{"ptrace": "{eperm}", "unshare": "{eperm}", "keyctl": "{eperm}", "uid": 65534}}'
    )
