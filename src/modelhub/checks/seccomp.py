"""The seccomp filter of a check's process: a classic BPF program that bubblewrap installs
(``--seccomp FD``) just before it starts the command, inherited by everything it starts.

It denies what a model's code never needs and what widens the kernel's reach: tracing other
processes (``ptrace``, ``process_vm_*``), the kernel keyring, ``perf_event_open``,
``userfaultfd``, io_uring, ``bpf``, mounting and namespaces (``mount``, ``unshare``,
``setns``, ``clone`` with a namespace flag), loading kernels and modules, and the like. A denied
call fails with EPERM, so the package sees an ordinary error; ``clone3`` fails with ENOSYS,
because its flags sit in memory a filter cannot read and the C library then falls back to
``clone``, whose flags it can.

Written by hand (no libseccomp binding needed): the program checks the architecture field
first (x86_64 and aarch64 are known; any other architecture, and the x32 ABI, is refused), then
compares the system call number with each entry of that architecture's table.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Iterable
from dataclasses import dataclass

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_NR, _ARCH, _ARG0_LOW = 0, 4, 16  # little endian: the low half of args[0] comes first

_LD_W_ABS = 0x20
_JEQ_K, _JGE_K, _JSET_K = 0x15, 0x35, 0x45
_RET_K = 0x06

RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
RET_EPERM = _RET_ERRNO | errno.EPERM
RET_ENOSYS = _RET_ERRNO | errno.ENOSYS

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
_X32_BIT = 0x40000000

# clone() flags that would create a namespace (CLONE_NEWTIME shares its bit with the exit
# signal in clone(), and exists only for clone3/unshare, both refused anyway)
CLONE_NAMESPACE_FLAGS = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)

DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "keyctl",
    "add_key",
    "request_key",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "bpf",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "name_to_handle_at",
    "open_by_handle_at",
    "lookup_dcookie",
    "vhangup",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
)

# calls added since Linux 5.1 have the same number on every architecture
_UNIFIED = {
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "clone3": 435,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
}
# system call numbers (linux/arch/x86/entry/syscalls/syscall_64.tbl and the generic table
# that aarch64 uses, include/uapi/asm-generic/unistd.h)
SYSCALLS: dict[int, dict[str, int]] = {
    AUDIT_ARCH_X86_64: {
        "clone": 56,
        "ptrace": 101,
        "syslog": 103,
        "vhangup": 153,
        "pivot_root": 155,
        "adjtimex": 159,
        "chroot": 161,
        "acct": 163,
        "settimeofday": 164,
        "mount": 165,
        "umount2": 166,
        "swapon": 167,
        "swapoff": 168,
        "reboot": 169,
        "init_module": 175,
        "delete_module": 176,
        "quotactl": 179,
        "lookup_dcookie": 212,
        "clock_settime": 227,
        "kexec_load": 246,
        "add_key": 248,
        "request_key": 249,
        "keyctl": 250,
        "unshare": 272,
        "perf_event_open": 298,
        "name_to_handle_at": 303,
        "open_by_handle_at": 304,
        "clock_adjtime": 305,
        "setns": 308,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "kcmp": 312,
        "finit_module": 313,
        "kexec_file_load": 320,
        "bpf": 321,
        "userfaultfd": 323,
        **_UNIFIED,
    },
    AUDIT_ARCH_AARCH64: {
        "lookup_dcookie": 18,
        "umount2": 39,
        "mount": 40,
        "pivot_root": 41,
        "chroot": 51,
        "vhangup": 58,
        "quotactl": 60,
        "acct": 89,
        "unshare": 97,
        "kexec_load": 104,
        "init_module": 105,
        "delete_module": 106,
        "clock_settime": 112,
        "syslog": 116,
        "ptrace": 117,
        "reboot": 142,
        "settimeofday": 170,
        "adjtimex": 171,
        "add_key": 217,
        "request_key": 218,
        "keyctl": 219,
        "clone": 220,
        "swapon": 224,
        "swapoff": 225,
        "perf_event_open": 241,
        "name_to_handle_at": 264,
        "open_by_handle_at": 265,
        "clock_adjtime": 266,
        "setns": 268,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "kcmp": 272,
        "finit_module": 273,
        "bpf": 280,
        "userfaultfd": 282,
        "kexec_file_load": 294,
        **_UNIFIED,
    },
}


@dataclass(frozen=True)
class Insn:
    """One BPF instruction; ``true``/``false`` name a label for conditional jumps."""

    code: int
    k: int = 0
    true: str | None = None
    false: str | None = None
    label: str | None = None
    """The label of this instruction itself."""


def assemble(program: Iterable[Insn]) -> bytes:
    """``struct sock_filter[]`` bytes, with labels turned into forward jump offsets."""
    insns = list(program)
    where = {insn.label: i for i, insn in enumerate(insns) if insn.label}
    out = bytearray()
    for i, insn in enumerate(insns):
        offsets = []
        for target in (insn.true, insn.false):
            offset = 0 if target is None else where[target] - i - 1
            if not 0 <= offset <= 255:
                raise ValueError(f"jump from {i} to {target!r} out of reach")
            offsets.append(offset)
        out += struct.pack("<HBBI", insn.code, offsets[0], offsets[1], insn.k)
    return bytes(out)


def _arch_block(arch: int, prefix: str) -> list[Insn]:
    table = SYSCALLS[arch]
    block = [Insn(_LD_W_ABS, _NR, label=f"{prefix}start")]
    if arch == AUDIT_ARCH_X86_64:  # the x32 ABI numbers: another table, never ours
        block.append(Insn(_JGE_K, _X32_BIT, true="deny"))
    block += [Insn(_JEQ_K, table[name], true="deny") for name in DENIED]
    block.append(Insn(_JEQ_K, table["clone3"], true="nosys"))
    block.append(Insn(_JEQ_K, table["clone"], false="allow"))
    block.append(Insn(_LD_W_ABS, _ARG0_LOW))
    block.append(Insn(_JSET_K, CLONE_NAMESPACE_FLAGS, true="deny", false="allow"))
    return block


def filter_program() -> bytes:
    """The compiled filter, as bwrap's ``--seccomp`` reads it from a file descriptor."""
    program = [
        Insn(_LD_W_ABS, _ARCH),
        Insn(_JEQ_K, AUDIT_ARCH_X86_64, true="x86_64start"),
        Insn(_JEQ_K, AUDIT_ARCH_AARCH64, true="aarch64start"),
        Insn(_RET_K, RET_KILL_PROCESS),
        *_arch_block(AUDIT_ARCH_X86_64, "x86_64"),
        *_arch_block(AUDIT_ARCH_AARCH64, "aarch64"),
        Insn(_RET_K, RET_ALLOW, label="allow"),
        Insn(_RET_K, RET_EPERM, label="deny"),
        Insn(_RET_K, RET_ENOSYS, label="nosys"),
    ]
    return assemble(program)
