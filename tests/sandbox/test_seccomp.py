"""The box's system-call filter: no new Unix socket, in the box for real and as a program."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeep.runtime import execute
from gatekeep.sandbox import seccomp
from gatekeep.sandbox.boundary import Boundary
from gatekeep.sandbox.spec import Limits

BWRAP = "/usr/bin/bwrap"
boxed = pytest.mark.skipif(not os.path.exists(BWRAP), reason="needs bubblewrap")
SHELL = execute.system_shell()

# -- the program, read by a small classic-BPF interpreter (every machine of the table) -----

ALLOW, KILL, EACCES, ENOSYS = "allow", "kill", "EACCES", "ENOSYS"


def verdict(filt: bytes, arch: int, nr: int, args: tuple[int, ...] = (),
            byteorder: str = "little") -> str:
    """What the kernel would do with this call: the filter run on its ``seccomp_data``."""
    end = "<" if byteorder == "little" else ">"
    data = struct.pack(f"{end}iIQ6Q", nr, arch, 0, *(list(args) + [0] * 6)[:6])
    code = [struct.unpack(f"{end}HBBI", filt[i:i + 8]) for i in range(0, len(filt), 8)]
    acc, pc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        pc += 1
        if op == 0x20:
            acc = struct.unpack(f"{end}I", data[k:k + 4])[0]
        elif op == 0x54:
            acc &= k
        elif op == 0x15:
            pc += jt if acc == k else jf
        elif op == 0x06:
            if k == 0x7FFF0000:
                return ALLOW
            if k == 0x80000000:
                return KILL
            return {0x50000 | 13: EACCES, 0x50000 | 38: ENOSYS}[k]
        else:
            raise AssertionError(f"unknown instruction {op:#x}")


X86_64, I386, AARCH64, ARM = 0xC000003E, 0x40000003, 0xC00000B7, 0x40000028


@pytest.mark.parametrize("machine", sorted(seccomp.MACHINES))
def test_every_machine_gets_a_program_that_reaches_every_label(machine: str) -> None:
    for byteorder in ("little", "big"):
        filt = seccomp.program(machine, byteorder)
        assert len(filt) % 8 == 0 and len(filt) // 8 < 4096
        native = seccomp.ABIS[seccomp.MACHINES[machine][0]]
        socket_nr, pair_nr = native[1], native[2]
        assert verdict(filt, native[0], socket_nr, (1,), byteorder) == EACCES
        assert verdict(filt, native[0], socket_nr, (2,), byteorder) == ALLOW
        assert verdict(filt, native[0], pair_nr, (1, 2), byteorder) == EACCES
        assert verdict(filt, native[0], pair_nr, (1, 1), byteorder) == ALLOW
        assert verdict(filt, native[0], 0, (), byteorder) == ALLOW


@pytest.mark.parametrize(("arch", "nr", "args", "expected"), [
    (X86_64, 41, (socket.AF_UNIX, socket.SOCK_STREAM), EACCES),
    (X86_64, 41, (socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC), EACCES),
    (X86_64, 41, (socket.AF_UNIX | (1 << 32), 1), EACCES),  # the kernel reads an int
    (X86_64, 41, (socket.AF_INET, socket.SOCK_STREAM), ALLOW),
    (X86_64, 41, (socket.AF_INET6, socket.SOCK_DGRAM), ALLOW),
    (X86_64, 41, (socket.AF_NETLINK, 3), ALLOW),
    (X86_64, 41, (40, 1), EACCES),                  # AF_VSOCK: to the machine's host
    (X86_64, 41, (socket.AF_PACKET, 3), EACCES),   # and every other family
    (X86_64, 41, (38, 5), EACCES),                  # AF_ALG
    (X86_64, 248, (), ENOSYS), (X86_64, 249, (), ENOSYS), (X86_64, 250, (), ENOSYS),
    (I386, 288, (), ENOSYS),                        # i386's keyctl
    (X86_64, 0x40000000 | 250, (), ENOSYS),
    (X86_64, 53, (1, socket.SOCK_STREAM | socket.SOCK_CLOEXEC), ALLOW),
    (X86_64, 53, (1, socket.SOCK_SEQPACKET), ALLOW),
    (X86_64, 53, (1, socket.SOCK_DGRAM), EACCES),   # a datagram socket sends to any path
    (X86_64, 53, (1, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK), EACCES),
    (X86_64, 425, (), ENOSYS), (X86_64, 426, (), ENOSYS), (X86_64, 427, (), ENOSYS),
    (X86_64, 0x40000000 | 41, (1, 1), EACCES),     # x32's socket
    (X86_64, 0x40000000 | 53, (1, 2), EACCES),
    (X86_64, 0x40000000 | 425, (), ENOSYS),
    (X86_64, 0x40000000 | 0, (), ALLOW),
    (X86_64, 42, (1,), ALLOW),                      # connect: only what socket made
    (I386, 359, (1, 1), EACCES),
    (I386, 359, (2, 1), ALLOW),
    (I386, 102, (1,), EACCES),                      # socketcall(SYS_SOCKET, ...)
    (I386, 102, (8,), EACCES),                      # socketcall(SYS_SOCKETPAIR, ...)
    (I386, 102, (3,), ALLOW),                       # socketcall(SYS_CONNECT, ...)
    (I386, 41, (1,), ALLOW),                        # another call on i386
    (0xC0000015, 326, (1,), KILL),                  # an ABI this machine does not run
])
def test_x86_64_calls(arch: int, nr: int, args: tuple[int, ...], expected: str) -> None:
    assert verdict(seccomp.program("x86_64", "little"), arch, nr, args) == expected


def test_arm64_calls_and_its_32_bit_programs() -> None:
    filt = seccomp.program("aarch64", "little")
    assert verdict(filt, AARCH64, 198, (1,)) == EACCES
    assert verdict(filt, AARCH64, 198, (2,)) == ALLOW
    assert verdict(filt, AARCH64, 41, (1,)) == ALLOW  # x86_64's number is another call here
    assert verdict(filt, AARCH64, 219, ()) == ENOSYS  # keyctl
    assert verdict(filt, ARM, 281, (1,)) == KILL  # 32-bit arm: not in the table
    assert verdict(filt, X86_64, 41, (1,)) == KILL


def test_the_low_word_of_an_argument_is_read_in_the_machines_byte_order() -> None:
    filt = seccomp.program("aarch64", "big")
    assert verdict(filt, AARCH64, 198, (1,), "big") == EACCES
    assert verdict(filt, AARCH64, 198, (2,), "big") == ALLOW
    assert verdict(filt, AARCH64, 199, (1, 2), "big") == EACCES
    assert verdict(filt, AARCH64, 199, (1, 1), "big") == ALLOW


def test_a_machine_without_a_table_entry_has_no_filter() -> None:
    assert not seccomp.supported("mips64")
    with pytest.raises(KeyError):
        seccomp.program("mips64")


# -- in a box, for real --------------------------------------------------------------------

PROBE = """
import ctypes, socket, sys
def probe(name, make):
    try:
        make()
    except OSError as error:
        print(name, error.errno)
    else:
        print(name, 0)
probe("unix", lambda: socket.socket(socket.AF_UNIX))
probe("inet", lambda: socket.socket(socket.AF_INET).close())
probe("pair", lambda: socket.socketpair())
probe("pair-seq", lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET))
probe("pair-dgram", lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM))
probe("vsock", lambda: socket.socket(40, socket.SOCK_STREAM))
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
print("io_uring", ctypes.get_errno() if libc.syscall(425, 4, params) < 0 else 0)
print("keyctl", ctypes.get_errno() if libc.syscall(KEYCTL, 0, -3, 0) < 0 else 0)
"""


def _box(tree: Path) -> Boundary:
    return Boundary(str(tree), (str(tree),), (), (), (), (), False, False, Limits())


def _run(tree: Path, script: str) -> tuple[int, str]:
    tree.mkdir(exist_ok=True)
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        ran = execute.run_boxed(_box(tree), BWRAP, SHELL, ["bash", "-c", script],
                                {"PATH": "/usr/bin:/bin"})
    finally:
        os.chdir(cwd)
    return ran.status, (tree / "out").read_text() if (tree / "out").exists() else ""


@boxed
@pytest.mark.skipif(not seccomp.supported(), reason="no filter for this machine")
def test_in_the_box_unix_sockets_fail_and_pipes_and_inet_sockets_work(tmp_path: Path) -> None:
    keyctl = seccomp.ABIS[seccomp.MACHINES[os.uname().machine][0]][4][2]
    (tmp_path / "probe.py").write_text(PROBE.replace("KEYCTL", str(keyctl)))
    status, out = _run(tmp_path / "tree", f"{sys.executable} {tmp_path}/probe.py > out")
    assert status == 0
    assert dict(line.split() for line in out.splitlines()) == {
        "unix": "13", "inet": "0", "pair": "0", "pair-seq": "0", "pair-dgram": "13",
        "vsock": "13", "io_uring": "38", "keyctl": "38"}


@boxed
@pytest.mark.skipif(not seccomp.supported(), reason="no filter for this machine")
def test_a_socket_where_no_list_looks_is_out_of_reach(tmp_path: Path) -> None:
    """A service's socket deep in a directory of its own: connects unboxed, not boxed."""
    path = tmp_path / "svc-7f3a" / "run" / "deep" / "s.sock"
    path.parent.mkdir(parents=True)
    connect = (f"{sys.executable} -c 'import socket; socket.socket(socket.AF_UNIX)"
               f".connect(\"{path}\")' 2> out")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen(4)
        unboxed = subprocess.run(["bash", "-c", connect], cwd=tmp_path, check=False)
        status, out = _run(tmp_path / "tree", connect)
    assert unboxed.returncode == 0
    assert status == 1 and "PermissionError" in out


@boxed
def test_a_filter_that_cannot_be_made_is_a_box_that_does_not_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails() -> int:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(seccomp, "descriptor", fails)
    with pytest.raises(execute.BoxFailed, match="system-call filter"):
        _run(tmp_path / "tree", "touch ran")
    assert not (tmp_path / "tree" / "ran").exists()


def test_the_descriptor_holds_the_program_from_its_start() -> None:
    fd = seccomp.descriptor()
    if not seccomp.supported():
        assert fd == -1
        return
    try:
        assert os.read(fd, 1 << 16) == seccomp.program()
        assert not os.get_inheritable(fd)  # only bwrap gets it, when it is started
    finally:
        os.close(fd)


def test_doctor_says_when_this_machine_has_no_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    from gatekeep.commands import doctor

    assert doctor._filter() == ([] if seccomp.supported() else doctor._filter())
    monkeypatch.setattr(seccomp, "supported", lambda machine=None: False)
    (finding,) = doctor._filter()
    assert finding.status == "note" and "no system-call filter" in finding.what
    assert seccomp.descriptor() == -1
