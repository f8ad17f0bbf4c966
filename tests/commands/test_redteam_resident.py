"""``gatekeep resident`` attacked: where a served call could differ from the caller's own.

Real processes throughout: a real server, real callers, raw clients on the real socket.
What must hold: a served ``check`` answers as the caller's own process would, even for a
path that resolves through the judging process's descriptor table (``/dev/fd/N``); and the
server keeps no descriptor of a caller (a pipe held open by a long-lived process never
reaches its end of file: whoever reads it waits for ever).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from gatekeep.runtime import resident


def checked(sandbox, command: str, env: dict[str, str] | None = None,
            pass_fds: tuple[int, ...] = ()) -> tuple[int, str]:
    """``gatekeep check --json -c COMMAND``: its exit status and decision."""
    result = subprocess.run([str(sandbox.GATEKEEP), "check", "--json", "-c", command],
                            env={**sandbox.env, **(env or {})}, cwd=sandbox.work,
                            capture_output=True, text=True, pass_fds=pass_fds,
                            timeout=sandbox.TIMEOUT)
    return result.returncode, json.loads(result.stdout)["decision"]


def held_pipes(pid: int) -> set[str]:
    """The pipes a process holds a descriptor of (``pipe:[inode]``)."""
    found = set()
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("pipe:"):
            found.add(target)
    return found


def pipe_name(fd: int) -> str:
    return f"pipe:[{os.fstat(fd).st_ino}]"


# -- the descriptor table a path resolves through ---------------------------------------

def test_a_served_check_of_a_callers_descriptor_path_answers_as_its_own(sandbox, server):
    """``cat /dev/fd/N`` reads what the caller's descriptor N is: here a protected key, so
    the caller's own check asks. A server's child has other descriptors under those
    numbers and must not answer for it (it said allow)."""
    key = sandbox.home / ".ssh" / "id_rsa"
    key.parent.mkdir()
    key.write_text("secret\n", encoding="utf-8")
    fd = os.open(key, os.O_RDONLY)
    try:
        command = f"cat /dev/fd/{fd}"
        alone = checked(sandbox, command, env={resident.ENV: "0"}, pass_fds=(fd,))
        served = checked(sandbox, command, pass_fds=(fd,))
        through_proc = checked(sandbox, f"cat /proc/self/fd/{fd}", pass_fds=(fd,))
    finally:
        os.close(fd)

    assert alone == (3, "ask")
    assert served == alone
    assert through_proc == alone


@pytest.mark.parametrize("command", ["echo x > /dev/fd/3", "echo x > /dev/fd/4",
                                     "cat /dev/fd/3"])
def test_the_servers_own_descriptors_do_not_answer_for_a_caller(sandbox, server, command):
    """A caller with no descriptor 3: the server's child must not resolve /dev/fd/3 to a
    file of its own (its lock file: a self-protection deny the caller would not give)."""
    assert checked(sandbox, command) == checked(sandbox, command, env={resident.ENV: "0"})


# -- descriptors a server keeps ---------------------------------------------------------

def raw_request(path: Path, header: bytes, fds: list[int], then: bytes = b"") -> bytes:
    """Send ``header`` with ``fds`` attached, then ``then``; stop sending; the reply."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
        socket.send_fds(connection, [header], fds)
        if then:
            connection.sendall(then)
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(4096):
            reply += chunk
        return reply
    finally:
        connection.close()


@pytest.mark.parametrize("header,then", [
    pytest.param((resident.MAX_REQUEST + 1).to_bytes(4, "big"), b"", id="too-large"),
    pytest.param((1000).to_bytes(4, "big") + b"gatekeep-resident", b"\0" * 10, id="cut-short"),
    pytest.param(b"\0\0", b"", id="no-length"),
])
def test_a_request_the_server_refuses_leaves_it_no_descriptor(sandbox, server, header, then):
    """A caller killed while sending (or any malformed request): the streams it passed are
    closed at once, not kept for the server's life."""
    read, write = os.pipe()
    try:
        reply = raw_request(sandbox.state_dir / resident.SOCKET, header, [write] * 4, then)
        held = held_pipes(server.pid)
        name = pipe_name(write)
    finally:
        os.close(read)
        os.close(write)

    assert reply == b""  # refused: nothing was run
    assert server.poll() is None
    assert name not in held


def test_a_started_server_keeps_none_of_the_callers_descriptors(sandbox):
    """``GATEKEEP_RESIDENT=1`` starts a server that outlives its caller: a descriptor the
    caller inherited (a pipe, a build's job server) must not stay open in it."""
    read, write = os.pipe()
    try:
        result = subprocess.run([str(sandbox.GATEKEEP), "check", "-c", "ls"],
                                env={**sandbox.env, resident.ENV: "1"}, cwd=sandbox.work,
                                capture_output=True, text=True, pass_fds=(write,),
                                timeout=sandbox.TIMEOUT)
        assert result.returncode == 0
        name = pipe_name(write)
        sandbox.wait_for(lambda: (sandbox.state_dir / resident.SOCKET).exists())
        status = sandbox.gatekeep("resident", "--status").stdout
        pid = int(status.rsplit("pid ", 1)[1].rstrip(")\n"))
        held = held_pipes(pid)
    finally:
        sandbox.gatekeep("resident", "--stop")
        os.close(read)
        os.close(write)

    assert name not in held
