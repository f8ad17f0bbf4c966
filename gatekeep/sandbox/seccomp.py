"""The box's system-call filter: no new Unix socket that could reach another process.

A Unix socket with a path connects through a read-only mount, and ``--unshare-net`` does
not cover it; the box hides the places known to hold them (``boundary.SOCKET_DIRS``, the
run dirs), but a service may keep one anywhere it can write (``/tmp/any/where/s.sock``),
and one made after the box started is not hidden at all. The filter closes the class:

- ``socket`` makes only ``AF_INET``, ``AF_INET6`` and ``AF_NETLINK`` sockets: with
  ``AF_UNIX`` (nothing in the box connects to a socket by its path, or listens on one),
  ``AF_VSOCK`` (a virtual machine's way to its host, which no network namespace covers)
  or any other family, it fails with EACCES;
- ``socketpair`` keeps its stream and sequenced-packet kinds (pipes between the box's own
  processes: node's and Python's child processes), which cannot be connected elsewhere;
  a datagram pair can send to any path, so it fails too;
- ``io_uring`` fails with ENOSYS (its requests make sockets without ``socket``), and so do
  the keyring calls (``add_key``, ``request_key``, ``keyctl``): without a user namespace of
  its own (gatekeep run by root), the box would share the caller's keyrings;
- on 32-bit x86, ``socketcall``'s socket and socketpair fail (their family is in memory
  the filter cannot read).

Sockets made before the box (the ones the agent's terminal gave it on stdin) are not
touched. The program is classic BPF, built here from the table below and handed to bwrap
(``--seccomp FD``), which loads it just before it starts the command.

Only the standard library: the fast path builds its boxes with this too.
"""

from __future__ import annotations

import os
import struct
import sys

AF_INET, AF_INET6, AF_NETLINK = 2, 10, 16  # the only families a socket may have
SOCK_STREAM, SOCK_SEQPACKET = 1, 5
SOCK_TYPE_MASK = 0xF
SYS_SOCKET, SYS_SOCKETPAIR = 1, 8  # socketcall's first argument
EACCES, ENOSYS = 13, 38
IO_URING = (425, 426, 427)  # io_uring_setup, _enter, _register: one number on every arch
X32 = 0x40000000  # x86_64's x32 ABI: its numbers have this bit

# The audit arch of each kernel ABI and its call numbers (from the kernel's headers):
# socket, socketpair, socketcall (32-bit ABIs that also pass socket calls through one
# multiplexer), and add_key, request_key, keyctl (the keyrings: the box's are the caller's,
# without a user namespace of its own).
ABIS: dict[str, tuple[int, int, int, int | None, tuple[int, ...]]] = {
    "x86_64": (0xC000003E, 41, 53, None, (248, 249, 250)),
    "i386": (0x40000003, 359, 360, 102, (286, 287, 288)),
    "aarch64": (0xC00000B7, 198, 199, None, (217, 218, 219)),
    "riscv64": (0xC00000F3, 198, 199, None, (217, 218, 219)),
    "loongarch64": (0xC0000102, 198, 199, None, (217, 218, 219)),
}
# A machine's own ABIs (``os.uname().machine``): the first is the native one; the others
# are what its kernel also runs (32-bit programs). A program of another ABI is killed
# (arm64's 32-bit arm programs: their numbers are not in the table).
MACHINES = {
    "x86_64": ("x86_64", "i386"), "aarch64": ("aarch64",), "arm64": ("aarch64",),
    "riscv64": ("riscv64",), "loongarch64": ("loongarch64",),
}

# classic BPF
_LD_ABS, _AND, _JEQ, _RET = 0x20, 0x54, 0x15, 0x06
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_ERRNO = 0x00050000


def supported(machine: str | None = None) -> bool:
    """Whether the filter can be built for this machine (else the box goes without it)."""
    return (machine or os.uname().machine) in MACHINES


def program(machine: str | None = None, byteorder: str = sys.byteorder) -> bytes:
    """The filter for ``machine`` (this one by default), as bwrap reads it: ``struct
    sock_filter`` records in the machine's byte order. KeyError for a machine not known."""
    abis = MACHINES[machine or os.uname().machine]
    low = 0 if byteorder == "little" else 4  # a 64-bit argument's low word
    # an instruction (its jumps by label or by count), or a label: where the next one is
    code: list[tuple[int, str | int, str | int, int] | str] = [(_LD_ABS, 0, 0, 4)]  # ABI
    code += [(_JEQ, f"abi {name}", 0, ABIS[name][0]) for name in abis]
    code.append((_RET, 0, 0, _KILL))  # an ABI the table does not know: nothing runs
    for name in abis:
        _, socket, pair, multiplexed, keys = ABIS[name]
        calls = [(socket, "socket"), (pair, "socketpair"),
                 *((n, "nosys") for n in (*IO_URING, *keys)),
                 *([(multiplexed, "socketcall")] if multiplexed is not None else [])]
        if name == "x86_64":
            calls += [(number | X32, label) for number, label in calls]
        code += [f"abi {name}", (_LD_ABS, 0, 0, 0)]  # the call's number
        code += [(_JEQ, label, 0, number) for number, label in calls]
        code.append((_RET, 0, 0, _ALLOW))
    code += ["socket", (_LD_ABS, 0, 0, 16 + low), (_JEQ, "allow", 0, AF_INET),
             (_JEQ, "allow", 0, AF_INET6), (_JEQ, "allow", "deny", AF_NETLINK),
             "socketpair", (_LD_ABS, 0, 0, 24 + low), (_AND, 0, 0, SOCK_TYPE_MASK),
             (_JEQ, "allow", 0, SOCK_STREAM), (_JEQ, "allow", "deny", SOCK_SEQPACKET),
             "socketcall", (_LD_ABS, 0, 0, 16 + low), (_JEQ, "deny", 0, SYS_SOCKET),
             (_JEQ, "deny", "allow", SYS_SOCKETPAIR),
             "allow", (_RET, 0, 0, _ALLOW),
             "deny", (_RET, 0, 0, _ERRNO | EACCES),
             "nosys", (_RET, 0, 0, _ERRNO | ENOSYS)]
    return _assemble(code, byteorder)


def _assemble(code: list[tuple[int, str | int, str | int, int] | str], byteorder: str) -> bytes:
    """Labels to relative jumps (from the next instruction, at most 255 ahead)."""
    where: dict[str, int] = {}
    body: list[tuple[int, str | int, str | int, int]] = []
    for line in code:
        if isinstance(line, str):
            where[line] = len(body)
        else:
            body.append(line)
    fmt = ("<" if byteorder == "little" else ">") + "HBBI"
    out = bytearray()
    for at, (op, jt, jf, k) in enumerate(body):
        jumps = [where[j] - at - 1 if isinstance(j, str) else j for j in (jt, jf)]
        if any(not 0 <= j <= 255 for j in jumps):
            raise ValueError("a jump in the filter is out of reach")
        out += struct.pack(fmt, op, jumps[0], jumps[1], k)
    return bytes(out)


def descriptor() -> int:
    """A file descriptor holding this machine's filter, read from its start (for bwrap's
    ``--seccomp``); -1 when the machine has no filter (``supported``). The caller closes it."""
    if not supported():
        return -1
    fd = os.memfd_create("gatekeep-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, program())
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd
