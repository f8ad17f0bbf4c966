"""``gatekeep resident``: a loaded judge answers fresh calls exactly as the caller would have,
and nothing it says (or fails to say) ever runs a command by itself.

Real processes throughout: a real server (``gatekeep resident --foreground``), real
callers, and fake servers listening on the same socket to stand for a broken or hostile one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gatekeep.runtime import resident, sealed

HEAVY = "gatekeep.core.engine"  # loaded by a caller that judges in its own process





def traced(sandbox, *args: str, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``gatekeep ARGS`` with the modules it imported itself (``-X importtime``)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", *args],
                            capture_output=True, text=True, env={**sandbox.env, **(env or {})},
                            cwd=cwd or sandbox.work, timeout=sandbox.TIMEOUT)
    loaded = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
              if line.startswith("import time:")}
    result.stderr = "".join(line + "\n" for line in result.stderr.splitlines()
                            if not line.startswith("import time:"))
    return result, loaded


def answer(result: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("args", [
    pytest.param(("check", "-c", "ls -la && git status"), id="allow"),
    pytest.param(("check", "-c", "ls; rm -rf build"), id="ask"),
    pytest.param(("check", "--", "git", "push", "--force", "origin", "main"), id="deny"),
    pytest.param(("check", "--json", "-c", "curl x | sh"), id="json"),
    pytest.param(("check", "--policy", "builtin:production", "-c", "ls"), id="policy"),
    pytest.param(("check", "--policy", "nowhere.yaml", "-c", "ls"), id="policy-error"),
])
def test_a_served_check_answers_as_the_callers_own_would(sandbox, server, args):
    served, loaded = traced(sandbox, *args)
    alone, alone_loaded = traced(sandbox, *args, env={resident.ENV: "0"})

    assert answer(served) == answer(alone)
    assert HEAVY not in loaded  # the server's child judged it
    assert HEAVY in alone_loaded


def test_a_served_check_takes_on_the_callers_environment_and_directory(sandbox, server):
    """A project policy in the caller's directory and GATEKEEP_POLICY in its environment
    tighten the answer, though the server started elsewhere without them."""
    project = sandbox.work / "project"
    project.mkdir()
    (project / ".gatekeep.yaml").write_text(
        "gatekeep: 1\nrules:\n  - id: no-ls-here\n    deny: ['ls']\n    reason: not here\n",
        encoding="utf-8")
    strict = {"GATEKEEP_POLICY": "builtin:production", "NO_COLOR": "1", "TZ": "Asia/Tokyo"}
    for env in ({}, strict):
        served, loaded = traced(sandbox, "check", "--json", "-c", "ls -la", env=env, cwd=project)
        alone, _ = traced(sandbox, "check", "--json", "-c", "ls -la",
                          env={**env, resident.ENV: "0"}, cwd=project)
        assert HEAVY not in loaded
        assert answer(served) == answer(alone)
    assert json.loads(served.stdout)["decision"] != "allow"


def test_a_fresh_run_judged_by_the_server_runs_from_the_stored_decision(sandbox, server):
    result, loaded = traced(sandbox, "run", "-c", f"echo ran > {sandbox.marker.name}")

    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert sandbox.marker.read_text() == "ran\n"
    assert HEAVY not in loaded
    assert list((sandbox.state_dir / "cache").glob("d-*"))
    assert [r["decision"] for r in sandbox.audit() if "decision" in r] == ["allow"]


def test_a_run_the_server_would_not_store_is_judged_by_the_caller(sandbox, server):
    """A command that needs approval: the child stores nothing, the caller's own run
    refuses it (no terminal), and nothing ran."""
    target = sandbox.home / "keep"
    target.mkdir()
    result, loaded = traced(sandbox, "run", "-c", f"rm -rf {target}")

    assert result.returncode == 126
    assert result.stderr.endswith(sandbox.NEEDS_APPROVAL)
    assert target.exists()
    assert HEAVY in loaded


def test_a_hook_call_judged_by_the_server_answers_as_the_callers_own_would(sandbox, server):
    payload = json.dumps({"session_id": "s", "cwd": str(sandbox.work), "tool_name": "Bash",
                          "hook_event_name": "PreToolUse",
                          "tool_input": {"command": "ls -la && git status"}})
    served = sandbox.gatekeep("hook", "claude-code", input=payload)
    for stored in (sandbox.state_dir / "cache").glob("d-*"):
        stored.unlink()
    alone = sandbox.gatekeep("hook", "claude-code", input=payload, env={resident.ENV: "0"})
    fresh_name = re.compile(r"gatekeep-cwd\.[0-9a-f]+")  # a new one for every reply

    assert [fresh_name.sub("X", part) for part in map(str, answer(served))] == \
        [fresh_name.sub("X", part) for part in map(str, answer(alone))]
    assert json.loads(served.stdout)["hookSpecificOutput"]["permissionDecision"] == "allow"


# -- servers that are broken or not ours ---------------------------------------------------

class FakeServer:
    """Listens on the resident socket and answers every request with ``reply(request)``."""

    def __init__(self, path: Path, reply: Callable[[bytes], bytes | None]) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(4)
        self.reply, self.requests = reply, 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                data, fds, _, _ = socket.recv_fds(connection, 1 << 20, 8)
                for fd in fds:
                    os.close(fd)
                self.requests += 1
                answered = self.reply(data)
                if answered is None:
                    time.sleep(resident.ACK_SECONDS + 2)  # never answers in time
                    continue
                connection.sendall(answered)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def fake(sandbox) -> Iterator[Callable[[Callable[[bytes], bytes | None]], FakeServer]]:
    made: list[FakeServer] = []
    state = sandbox.state_dir

    def start(reply: Callable[[bytes], bytes | None]) -> FakeServer:
        sandbox.gatekeep("check", "-c", "true")  # the state directory and its key
        made.append(FakeServer(state / resident.SOCKET, reply))
        return made[-1]
    yield start
    for server in made:
        server.close()


def keyed_reply(sandbox, status: int) -> Callable[[bytes], bytes]:
    """A reply with a right MAC: what only a process holding the key could send."""
    def reply(data: bytes) -> bytes:
        secret = sealed.key(str(sandbox.state_dir))
        assert secret is not None
        nonce = data[4:].split(b"\0")[6]
        return b"accepted 999999999\n" + f"{status} ".encode() + \
            resident.reply_mac(secret, nonce, status) + b"\n"
    return reply


@pytest.mark.parametrize("reply", [
    pytest.param(lambda data: b"accepted 999999999\n0 " + b"0" * 64 + b"\n", id="forged-mac"),
    pytest.param(lambda data: b"accepted 999999999\n", id="closed-after-accepting"),
    pytest.param(lambda data: b"accepted 999999999\nallow\n", id="garbage"),
])
def test_an_unverifiable_check_answer_is_an_internal_error(sandbox, fake, reply):
    server = fake(reply)
    result = sandbox.gatekeep("check", "-c", "rm -rf /")

    assert server.requests == 1
    assert result.returncode == 70
    assert "the resident judge gave no verifiable answer" in result.stderr


@pytest.mark.parametrize("reply", [
    pytest.param(lambda sandbox: lambda data: b"accepted 999999999\n0 " + b"0" * 64 + b"\n",
                 id="forged-mac"),
    pytest.param(lambda sandbox: lambda data: b"declined stale\n", id="declined"),
    pytest.param(lambda sandbox: lambda data: None, id="silent"),
    # even a server holding the key (one the agent started with its own code) only says
    # "stored": the caller runs only what the sealed decision store holds
    pytest.param(lambda sandbox: keyed_reply(sandbox, 0), id="keyed-stored"),
])
def test_no_server_answer_runs_a_command_the_caller_would_not(sandbox, fake, reply):
    server = fake(reply(sandbox))
    target = sandbox.home / "keep"
    target.mkdir()
    result = sandbox.gatekeep("run", "-c", f"rm -rf {target}")

    assert server.requests == 1
    assert result.returncode == 126
    assert target.exists()


def test_a_hook_call_blocks_when_the_server_says_stored_but_nothing_is(sandbox, fake):
    server = fake(keyed_reply(sandbox, 0))
    payload = json.dumps({"session_id": "s", "cwd": str(sandbox.work), "tool_name": "Bash",
                          "hook_event_name": "PreToolUse",
                          "tool_input": {"command": "git push --force origin main"}})
    result = sandbox.gatekeep("hook", "claude-code", input=payload)

    assert server.requests == 1
    assert result.returncode == 2
    assert json.loads(result.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_a_socket_outside_a_private_state_directory_is_never_asked(sandbox, fake):
    server = fake(lambda data: b"accepted 999999999\n0 " + b"0" * 64 + b"\n")
    sandbox.state_dir.chmod(0o777)
    try:
        result = sandbox.gatekeep("check", "-c", "ls")
    finally:
        sandbox.state_dir.chmod(0o700)

    assert server.requests == 0
    assert result.returncode != 70


# -- the server's own life --------------------------------------------------------------

def test_status_stop_and_one_server_per_state_directory(sandbox, server):
    assert sandbox.gatekeep("resident", "--status").stdout == f"running (pid {server.pid})\n"
    second = sandbox.gatekeep("resident", "--foreground")
    assert (second.returncode, second.stderr) == (
        1, "gatekeep: a resident judge already runs for this state directory (or "
           "resident.lock there is not a plain file of this user)\n")
    assert sandbox.gatekeep("resident").stdout == f"already running (pid {server.pid})\n"

    assert sandbox.gatekeep("resident", "--stop").returncode == 0
    server.wait(timeout=10)
    assert not (sandbox.state_dir / resident.SOCKET).exists()
    assert sandbox.gatekeep("resident", "--status").returncode == 1


def test_a_caller_running_other_code_is_declined(sandbox, server):
    """A caller whose gatekeep differs (here: a request with another code digest) is
    declined; the server's own code is current (another install's caller), so it stays."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(str(sandbox.state_dir / resident.SOCKET))
    body = resident.encode_request("check", ["check", "-c", "ls"], "other code", b"n" * 32)
    socket.send_fds(connection, [len(body).to_bytes(4, "big") + body], [0, 1, 2, 0])

    assert connection.recv(100).startswith(b"declined ")
    assert server.poll() is None


def test_a_server_stops_when_idle(sandbox):
    sandbox.gatekeep("check", "-c", "true")
    code = ("import sys\nfrom gatekeep.commands.resident import serve\n"
            "sys.exit(serve(sys.argv[1], 0.5, sys.stderr))\n")
    result = subprocess.run([sys.executable, "-c", code, str(sandbox.state_dir)],
                            env=sandbox.env, capture_output=True, text=True, timeout=30)

    assert (result.returncode, result.stderr) == (0, "")
    assert not (sandbox.state_dir / resident.SOCKET).exists()


def test_a_caller_with_the_setting_on_starts_one(sandbox):
    result = sandbox.gatekeep("check", "-c", "ls", env={resident.ENV: "1"})
    assert result.returncode == 0
    try:
        sandbox.wait_for(sandbox.resident_listening)
        served, loaded = traced(sandbox, "check", "-c", "ls")
        assert (served.returncode, HEAVY in loaded) == (0, False)
    finally:
        sandbox.gatekeep("resident", "--stop")


def test_a_caller_of_another_interpreter_set_up_is_declined_and_judges_itself(sandbox, server):
    result = subprocess.run([sys.executable, "-O", "-X", "importtime", "-m", "gatekeep",
                             "check", "-c", "ls"], capture_output=True, text=True,
                            env=sandbox.env, cwd=sandbox.work, timeout=sandbox.TIMEOUT)

    assert result.returncode == 0
    assert HEAVY in result.stderr


def full_pipe() -> tuple[int, int, int]:
    """A pipe filled to its capacity: a child writing to it blocks until it is read."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    filled = 0
    with contextlib.suppress(BlockingIOError):
        while True:
            filled += os.write(write_end, b"x" * 4096)
    os.set_blocking(write_end, True)
    return read_end, write_end, filled


def test_ctrl_c_at_a_served_check_stops_its_child_too(sandbox, server):
    """The child writes to the caller's own stdout: interrupted, it must not go on to print
    a decision after the caller has gone. Its stdout here is a full pipe, so the child is
    still writing when the caller is interrupted."""
    read_end, write_end, filled = full_pipe()
    caller = subprocess.Popen([str(sandbox.GATEKEEP), "check", "-c", "ls"], env=sandbox.env,
                              cwd=sandbox.work, stdout=write_end, stderr=subprocess.PIPE,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(write_end)
    time.sleep(1.0)
    caller.send_signal(signal.SIGINT)
    caller.wait(timeout=sandbox.TIMEOUT)
    with os.fdopen(read_end, "rb") as pipe:
        written = pipe.read()  # to the end: the caller and the child have both gone

    assert caller.returncode == 130
    assert len(written) == filled


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
        return [int(word) for word in listing.read().split()]


def process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


@pytest.mark.parametrize("ignored", [False, True], ids=["ctrl-z", "ctrl-z-ignored"])
def test_ctrl_z_at_a_served_check_stops_its_child_and_fg_resumes_it(sandbox, server, ignored):
    """The child is in the server's session, out of reach of the terminal's job control:
    stopped with its caller, it must not go on writing to the caller's stdout; continued, it
    finishes as the caller's own work would. A caller started with Ctrl-Z ignored is not
    stopped by it, nor is its child."""
    read_end, write_end, filled = full_pipe()

    def own_job() -> None:  # a job of its own, as a shell starts it: Ctrl-Z stops it
        os.setpgid(0, 0)
        signal.signal(signal.SIGTSTP, signal.SIG_IGN if ignored else signal.SIG_DFL)

    caller = subprocess.Popen([str(sandbox.GATEKEEP), "check", "-c", "ls"], env=sandbox.env,
                              cwd=sandbox.work, stdout=write_end, stderr=subprocess.PIPE,
                              preexec_fn=own_job)
    os.close(write_end)
    sandbox.wait_for(lambda: bool(children(server.pid)))
    child = children(server.pid)[0]
    time.sleep(0.5)  # the child is writing into the full pipe
    caller.send_signal(signal.SIGTSTP)
    if ignored:
        time.sleep(0.5)
        assert os.waitpid(caller.pid, os.WNOHANG | os.WUNTRACED) == (0, 0)  # still running
        assert process_state(child) != "T"
    else:
        _, status = os.waitpid(caller.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)
        sandbox.wait_for(lambda: process_state(child) == "T")
        caller.send_signal(signal.SIGCONT)  # fg
    with os.fdopen(read_end, "rb") as pipe:
        written = pipe.read()  # to the end: the child finished, and the caller with it
    caller.wait(timeout=sandbox.TIMEOUT)

    assert caller.returncode == 0
    assert written[:filled] == b"x" * filled
    assert written[filled:].startswith(b"ALLOW  ls\n")


# -- the typer-dispatched commands ---------------------------------------------------------

SERVED_CALLS = [
    ("log", "-n", "1"), ("log", "stats"), ("log", "verify"), ("approvals", "list"),
    ("--help",), ("log", "--help"), ("schema",), ("completions", "bash"),
    ("lint", "builtin:default"), ("test", "builtin:default"),
    ("lint", "nowhere.yaml"), ("log", "-n", "x"),
]


@pytest.mark.parametrize("args", [pytest.param(a, id=" ".join(a)) for a in SERVED_CALLS])
def test_a_served_command_answers_as_the_callers_own_would(sandbox, server, args):
    sandbox.gatekeep("run", "-c", "ls")  # a record for the log to show
    served, loaded = traced(sandbox, *args)
    alone, alone_loaded = traced(sandbox, *args, env={resident.ENV: "0"})
    for result in (served, alone):  # doctor's line on the resident judge: said apart below
        result.stdout = re.sub(r"(?m)^\S+ +resident judge: .*\n", "", result.stdout)

    assert answer(served) == answer(alone)
    assert "typer" not in loaded
    assert "typer" in alone_loaded


def test_a_served_command_on_a_terminal_is_drawn_as_the_callers_own(sandbox, server):
    import pexpect

    sandbox.gatekeep("run", "-c", "ls")
    drawn = []
    for env in ({"TERM": "xterm-256color"}, {"TERM": "xterm-256color", resident.ENV: "0"}):
        for args in (["log", "-n", "1"], ["--help"]):
            child = sandbox.pty_spawn(*args, env=env)
            child.expect(pexpect.EOF, timeout=sandbox.TIMEOUT)
            drawn.append(child.before)
    assert drawn[:2] == drawn[2:]
    assert b"\x1b[" in drawn[0]  # in colour: drawn for a terminal


@pytest.mark.parametrize("args", [("log", "--follow"), ("approvals", "watch"), ("mcp",),
                                  ("install", "claude-code"), ("run", "--help")])
def test_what_keeps_running_talks_to_the_operator_or_names_gatekeep_is_never_served(args):
    assert not resident.servable(list(args))


def test_a_caller_whose_import_time_settings_differ_is_declined(sandbox, server):
    """typer reads FORCE_COLOR and TERMINAL_WIDTH when it is imported: a server started
    without them cannot draw help as a caller that has them."""
    env = {"FORCE_COLOR": "1", "TERMINAL_WIDTH": "60"}
    served, loaded = traced(sandbox, "--help", env=env)
    alone, _ = traced(sandbox, "--help", env={**env, resident.ENV: "0"})

    assert "typer" in loaded
    assert answer(served) == answer(alone)


def test_doctor_says_whether_a_resident_judge_runs(sandbox, server):
    running = sandbox.gatekeep("doctor").stdout
    off = sandbox.gatekeep("doctor", env={resident.ENV: "0"}).stdout
    sandbox.gatekeep("resident", "--stop")
    server.wait(timeout=10)
    none = sandbox.gatekeep("doctor").stdout

    assert f"ok    resident judge: running (pid {server.pid})" in running
    assert "note  resident judge: not asked (GATEKEEP_RESIDENT=0)" in off
    assert "note  resident judge: none runs" in none


def test_a_server_stands_down_when_a_package_it_loaded_changes(sandbox, server, tmp_path):
    """A directory on the import path whose stamp moved (a package installed, upgraded or
    removed) makes the server's own set-up stale: it declines and stops."""
    directory = tmp_path / "site"
    directory.mkdir()
    env = {"PYTHONPATH": str(directory)}
    server.terminate()
    server.wait(timeout=10)
    assert not (sandbox.state_dir / resident.SOCKET).exists()
    process = sandbox.start_resident(env)
    try:
        first, loaded = traced(sandbox, "check", "-c", "ls", env=env)
        assert (first.returncode, HEAVY in loaded) == (0, False)
        (directory / "newly_installed.py").write_text("")
        second, loaded = traced(sandbox, "check", "-c", "ls", env=env)
        assert (second.returncode, HEAVY in loaded) == (0, True)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()


def test_a_lock_file_that_is_a_fifo_hangs_nothing(sandbox):
    state = sandbox.state_dir
    sandbox.gatekeep("check", "-c", "true")
    os.mkfifo(state / resident.LOCK)

    assert sandbox.gatekeep("resident", "--status").returncode == 1
    assert sandbox.gatekeep("resident", "--stop").stdout == "not running\n"
    refused = sandbox.gatekeep("resident", "--foreground")
    assert refused.returncode == 1
    assert "is not a plain file of this user" in refused.stderr


def test_a_request_that_cannot_be_framed_is_left_to_the_caller(sandbox, server):
    """A lone surrogate cannot travel to the server (the hook's reader refuses such text
    before it gets here; this holds the guard under it): no exception, no answer, the
    caller decides."""
    env = {**sandbox.env}
    status = resident.ask("prepare", ["run", "-c", "echo \ud800"], str(sandbox.work), env)

    assert status is None
