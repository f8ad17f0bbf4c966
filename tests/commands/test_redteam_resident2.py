"""``gatekeep resident`` attacked again: the typer-dispatched commands it stands in for.

Real processes throughout: a real server, real callers started with ``close_fds`` (a
caller holding more than its standard streams is never served), raw clients on the real
socket. What must hold: a served command keeps running no longer than its caller, sees
the caller's terminal as the caller would, writes nothing the caller's own process could
not write, and a caller of another gatekeep does not stop a server whose code is current.
"""

from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

import pytest

from gatekeep.runtime import resident

HEAVY = "gatekeep.core.engine"  # loaded by a caller that judges in its own process




def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
        return [int(word) for word in listing.read().split()]


def called(sandbox, *args: str, env: dict[str, str] | None = None,
           preexec_fn: Callable[[], None] | None = None) -> tuple[int, str, str, bool]:
    """``gatekeep ARGS``: exit status, stdout, stderr, and whether a server stood in (the
    caller itself imported neither typer nor the engine)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", *args],
                            capture_output=True, text=True, env={**sandbox.env, **(env or {})},
                            cwd=sandbox.work, timeout=sandbox.TIMEOUT, close_fds=True,
                            preexec_fn=preexec_fn)
    lines = result.stderr.splitlines()
    loaded = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    stderr = "".join(line + "\n" for line in lines if not line.startswith("import time:"))
    return result.returncode, result.stdout, stderr, not {"typer", HEAVY} & loaded


# -- what keeps running ------------------------------------------------------------------

@pytest.mark.parametrize("args", [("log", "-fn", "1"), ("log", "-fn1"), ("log", "-f"),
                                  ("log", "-n", "1", "-f"), ("approvals", "watch")])
def test_a_log_that_follows_in_any_spelling_is_never_served(args):
    """``-fn 1`` is click's ``--follow -n 1``: a served child would follow the log for ever,
    holding the caller's streams after the caller has gone."""
    assert not resident.servable(list(args))


def test_a_served_child_ends_when_its_caller_is_killed(sandbox, server):
    """A caller killed by anything but Ctrl-C (a harness's timeout, a closed terminal) takes
    its own work with it; a served child must not go on (here reading the caller's stdin,
    which never ends, and holding its stdout: whoever reads that pipe waits for ever)."""
    stdin_read, stdin_write = os.pipe()
    out_read, out_write = os.pipe()
    caller = subprocess.Popen(
        [str(sandbox.GATEKEEP), "replay", "/dev/stdin", "--policy", "builtin:default"],
        env=sandbox.env, cwd=sandbox.work, stdin=stdin_read, stdout=out_write,
        stderr=out_write, close_fds=True)
    os.close(stdin_read)
    os.close(out_write)
    try:
        sandbox.wait_for(lambda: children(server.pid))  # served: its child reads stdin
        caller.kill()
        caller.wait(timeout=sandbox.TIMEOUT)
        ready, _, _ = select.select([out_read], [], [], sandbox.TIMEOUT)
        ended = bool(ready) and os.read(out_read, 1 << 16) == b""
    finally:
        os.close(stdin_write)  # the child's stdin ends: it ends either way
        os.close(out_read)

    assert ended


# -- the terminal ------------------------------------------------------------------------

def test_doctor_on_a_terminal_finds_the_terminal_as_the_callers_own(sandbox, server):
    """A server's child has no controlling terminal: a served doctor opened /dev/tty in the
    child and told an operator at a terminal that there was none."""
    import pexpect

    found = []
    for env in ({}, {resident.ENV: "0"}):
        child = sandbox.pty_spawn("doctor", env=env)
        child.expect(pexpect.EOF, timeout=sandbox.TIMEOUT)
        found.append([line for line in child.before.decode().splitlines() if "prompt:" in line])

    assert found[1] == ["ok    prompt: questions can be asked on this terminal (/dev/tty)"]
    assert found[0] == found[1]


# -- the caller's descriptors ------------------------------------------------------------

@pytest.mark.parametrize("args", [("check", "--json", "-c", "rm -rf /"), ("schema",)])
def test_a_caller_with_a_closed_stdout_is_answered_as_its_own(sandbox, server, args):
    """With descriptor 1 closed, the caller's socket to the server took that number and
    went as the child's stdout: the child wrote its answer into its own connection and
    exited with the decision where the caller alone fails (70)."""
    served = called(sandbox, *args, preexec_fn=lambda: os.close(1))
    alone = called(sandbox, *args, env={resident.ENV: "0"}, preexec_fn=lambda: os.close(1))

    assert alone[0] == 70
    assert served[:3] == alone[:3]


# -- what the kernel restricts the caller to ---------------------------------------------

def no_file_content() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_a_callers_file_size_limit_holds_for_a_served_command(sandbox, server):
    """``ulimit -f 0``: the caller cannot write a byte to a file; its served child, under
    the server's limits, wrote the whole JUnit report."""
    reports = []
    for name, env in (("served.xml", {}), ("alone.xml", {resident.ENV: "0"})):
        report = sandbox.work / name
        status = called(sandbox, "test", "--junit", str(report), "builtin:default", env=env,
                        preexec_fn=no_file_content)[0]
        reports.append((status, report.exists() and report.stat().st_size))

    assert reports[1] == (2, 0)
    assert reports[0] == reports[1]


def no_new_privileges() -> None:
    """What a Landlock or seccomp sandbox sets before it confines a process."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl")


@pytest.mark.parametrize("args", [("lint", "builtin:default"), ("check", "-c", "ls")])
def test_a_confined_caller_is_never_served_by_an_unconfined_server(sandbox, server, args):
    """A caller under no_new_privs (a Landlock or seccomp sandbox, such as an agent's own)
    may not write where its sandbox forbids; a server started outside it may: its child
    would do the caller's work unconfined."""
    status, _, _, served = called(sandbox, *args, preexec_fn=no_new_privileges)

    assert status == 0
    assert not served
    assert not children(server.pid)


def own_network() -> None:
    """A network namespace of the caller's own, as a box with the network off has. Without
    root a user namespace comes with it, whose capabilities differ from the server's too;
    as root (CI) the namespace is the one difference."""
    flags = 0x40000000 if os.geteuid() == 0 else 0x40000000 | 0x10000000  # NEWNET, NEWUSER
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare")


@pytest.mark.parametrize("args", [("lint", "builtin:default"), ("check", "-c", "ls")])
def test_a_caller_in_another_network_namespace_is_never_served(sandbox, server, args):
    """The child would work in the server's namespaces: a caller cut off from the network
    would have its served command reach it."""
    status, _, _, served = called(sandbox, *args, preexec_fn=own_network)

    assert status == 0
    assert not served
    assert not children(server.pid)


# -- standing down -----------------------------------------------------------------------

def test_a_caller_of_another_gatekeep_does_not_stop_a_current_server(sandbox, server):
    """Another install of gatekeep sharing the state directory (another code digest) is
    declined; the server's own code has not changed, so it keeps serving: any such caller
    could otherwise stop it at every call."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(str(sandbox.state_dir / resident.SOCKET))
    body = resident.encode_request("check", ["check", "-c", "ls"], "other code", b"n" * 32)
    socket.send_fds(connection, [len(body).to_bytes(4, "big") + body], [0, 1, 2, 0])
    reply = connection.recv(100)
    connection.close()

    assert reply.startswith(b"declined ")
    assert called(sandbox, "lint", "builtin:default")[3]  # still served
    assert server.poll() is None


def test_a_caller_killed_with_sigterm_leaves_no_child(sandbox, server):
    """The same for SIGTERM, the signal a supervisor sends first."""
    stdin_read, stdin_write = os.pipe()
    caller = subprocess.Popen(
        [str(sandbox.GATEKEEP), "replay", "/dev/stdin", "--policy", "builtin:default"],
        env=sandbox.env, cwd=sandbox.work, stdin=stdin_read, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, close_fds=True)
    os.close(stdin_read)
    try:
        sandbox.wait_for(lambda: children(server.pid))
        caller.send_signal(signal.SIGTERM)
        caller.wait(timeout=sandbox.TIMEOUT)
        sandbox.wait_for(lambda: not children(server.pid), timeout=sandbox.TIMEOUT)
    finally:
        os.close(stdin_write)


# -- the caller's process, by number -------------------------------------------------------

def test_the_peer_is_the_process_that_connected_with_a_pidfd_of_it():
    from gatekeep.commands import resident as server_side

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind("\0gatekeep-peer-test-" + str(os.getpid()))
        listener.listen(1)
        caller = subprocess.Popen([sys.executable, "-c", (
            "import socket, sys; s = socket.socket(socket.AF_UNIX); "
            f"s.connect('\\0gatekeep-peer-test-{os.getpid()}'); sys.stdin.read()")],
            stdin=subprocess.PIPE)
        connection, _ = listener.accept()
        with connection:
            pid, pidfd = server_side._peer(connection)
            assert pid == caller.pid
            assert pidfd is not None  # Linux 6.5 and later
            try:
                assert server_side._pidfd_pid(pidfd) == caller.pid
                caller.communicate(b"")
                assert server_side._pidfd_pid(pidfd) == -1  # it has ended
            finally:
                os.close(pidfd)


def test_a_caller_gone_before_its_confinement_was_read_is_not_served():
    """Its number may name another process by then, confined as the server is: without
    the pidfd's word that the caller still runs, that process's confinement would be
    taken for the caller's."""
    from gatekeep.commands import resident as server_side

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    pidfd = os.pidfd_open(gone.pid)
    gone.wait()
    try:
        # the number now read is this process's: confined as the server is
        assert server_side._confined(os.getpid()) is None
        assert server_side._confined(os.getpid(), pidfd) == "gone"
    finally:
        os.close(pidfd)


THREAD_CALLER = """
import ctypes, os, sys, threading
from gatekeep.runtime import resident

found = []

def confined() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, for this thread alone
        raise OSError(ctypes.get_errno(), "prctl")
    found.append(resident.ask("check", ["check", "-c", "ls"]))

thread = threading.Thread(target=confined)
thread.start()
thread.join()
print("served" if found[0] is not None else "not served", file=sys.stderr)
"""


def test_a_caller_confined_in_one_thread_is_never_served(sandbox, server):
    """Confinement is a thread's own (no_new_privs, seccomp, Landlock, unshare): a caller
    whose asking thread is confined while its main thread is not looked unconfined in
    ``/proc/PID``, which shows the main thread, and its work was done unconfined."""
    assert called(sandbox, "lint", "builtin:default")[3]  # an ordinary caller is served
    # its child has answered; it may not be reaped yet (then it is still listed)
    sandbox.wait_for(lambda: not children(server.pid), timeout=sandbox.TIMEOUT)
    result = subprocess.run([sys.executable, "-c", THREAD_CALLER], capture_output=True,
                            text=True, env=sandbox.env, cwd=sandbox.work,
                            timeout=sandbox.TIMEOUT, close_fds=True)

    assert result.stderr.splitlines()[-1:] == ["not served"], result.stderr
    assert not children(server.pid)


# -- what it decodes ahead of need ---------------------------------------------------------

@pytest.mark.parametrize("planted", [
    b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON decoder's recursion
    b"redact",  # the real entry with a redaction pattern no policy could have loaded with
])
def test_a_planted_cache_entry_does_not_stop_the_server(sandbox, planted):
    """The server decodes the newest entries unverified (a caller verifies before use) and
    compiles what they name: an entry that fails in any way is one it did not warm, not
    the end of the server, which then served no one."""
    import json

    [real] = sorted((sandbox.state_dir / "cache").glob("p-*"))
    if planted == b"redact":
        entry = json.loads(real.read_bytes().partition(b"\n")[2])
        entry["policy"]["audit_redact"] = [["x", "("]]
        planted = json.dumps(entry).encode()
    (sandbox.state_dir / "cache" / "p-planted").write_bytes(b"not a seal\n" + planted)
    server = sandbox.start_resident()
    try:
        first = called(sandbox, "lint", "builtin:default")
        second = called(sandbox, "check", "-c", "ls")
        alive = server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert (first[0], first[3], second[0], second[3], alive) == (0, True, 0, True, True)


def landlocked() -> None:
    """A Landlock domain of the caller's own that forbids writing or creating any file,
    as an agent's sandbox sets one: it shows nowhere in ``/proc``."""
    no_new_privileges()
    libc = ctypes.CDLL(None, use_errno=True)
    handled = ctypes.c_uint64((1 << 1) | (1 << 8))  # WRITE_FILE, MAKE_REG
    ruleset = libc.syscall(444, ctypes.byref(handled), 8, 0)  # landlock_create_ruleset
    if ruleset < 0 or libc.syscall(446, ruleset, 0) != 0:  # landlock_restrict_self
        raise OSError(ctypes.get_errno(), "landlock")


def test_a_landlocked_caller_is_never_served_by_a_server_under_no_new_privs(sandbox):
    """Under no_new_privs (a container started so, a service manager's setting) a server
    looks like every Landlocked caller: their difference, the Landlock domain, is not in
    ``/proc``. Its child wrote the report the caller's own domain forbids."""
    server = subprocess.Popen([str(sandbox.GATEKEEP), "resident", "--foreground"],
                              env=sandbox.env, cwd=sandbox.work, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, preexec_fn=no_new_privileges)
    try:
        sandbox.wait_for(sandbox.resident_listening)
        report = sandbox.work / "report.xml"
        status, _, _, served = called(sandbox, "test", "--junit", str(report),
                                      "builtin:default", preexec_fn=landlocked)
        plain = called(sandbox, "lint", "builtin:default", preexec_fn=no_new_privileges)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert (status, served, report.exists()) == (2, False, False)
    assert (plain[0], plain[3]) == (0, False)  # no caller is: none can be told apart
