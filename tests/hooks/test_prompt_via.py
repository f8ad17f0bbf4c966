"""``prompt.via``: where a hook puts a question for the operator."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from gatekeep.approval import pending as queue

POLICY = """gatekeep: 1
prompt: {via: %s, timeout: 30}
rules:
  - id: removing
    ask: [rm]
    reason: deletes files
"""


def claude_payload(scratch, command):
    return json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "permission_mode": "default", "cwd": str(scratch.work),
                       "tool_input": {"command": command, "description": "clean up"}}).encode()


def test_an_unknown_route_is_a_policy_error_and_blocks(scratch):
    path = scratch.operator_policy(POLICY % "telepathy")
    result = scratch.hook("claude-code", claude_payload(scratch, "rm x"))
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"gatekeep: policy error: {path}:2:15: prompt.via: expected one of agent, queue, tty, "
        "got 'telepathy'\ngatekeep: not run (the operator must fix the policy)\n")


def wait_for_request(scratch, process):
    database = scratch.state_home / "gatekeep" / "queue.sqlite"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if database.exists():
            with queue.connect(database) as connection:
                found = queue.pending(connection, time.time())
            if found:
                return database, found[0]
        time.sleep(0.05)
    pytest.fail("the hook queued no request")


def start_hook(scratch, command):
    process = subprocess.Popen([str(scratch.BIN / "gatekeep"), "hook", "claude-code"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=scratch.env, cwd=scratch.work,
                               start_new_session=True)
    process.stdin.write(claude_payload(scratch, command))
    process.stdin.close()
    return process


@pytest.mark.parametrize(("choice", "code"), [("run", 0), ("deny", 2)])
def test_queue_waits_for_the_operators_answer(scratch, choice, code):
    scratch.operator_policy(POLICY % "queue")
    process = start_hook(scratch, "rm x")
    database, request = wait_for_request(scratch, process)
    assert request.command == "rm x"
    assert request.view.startswith("The agent says it is for: clean up\n")
    with queue.connect(database) as connection:
        assert queue.answer(connection, request.id, choice, "y" if code == 0 else "n", "")
    process.wait(timeout=30)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    assert process.returncode == code, stderr
    if code == 0:
        assert json.loads(stdout)["hookSpecificOutput"]["permissionDecision"] == "allow"
    else:
        assert stderr.decode().endswith("gatekeep: not run: the operator denied it\n")
    assert scratch.audit()[-1]["operator"]["choice"] == choice


def test_tty_without_a_terminal_blocks(scratch):
    scratch.operator_policy(POLICY % "tty")
    result = scratch.hook("claude-code", claude_payload(scratch, "rm x"))
    assert result.returncode == 2
    assert result.stderr.decode().endswith(
        "gatekeep: not run: it needs the operator's approval and there is no terminal to ask "
        "on\n")


def test_tty_asks_on_the_terminal_with_the_agents_purpose(scratch):
    """The agent gives the hook a terminal; the payload comes from a file, the answer from it."""
    import pexpect

    scratch.operator_policy(POLICY % "tty")
    body = scratch.root / "payload.json"
    body.write_bytes(claude_payload(scratch, "rm x"))
    terminal = pexpect.spawn("/bin/sh", ["-c", f'exec "$0" hook claude-code < {body}',
                                         str(scratch.BIN / "gatekeep")],
                             env=scratch.env, cwd=str(scratch.work), timeout=60)
    terminal.expect_exact("Run it? ")
    assert "The agent says it is for: clean up" in terminal.before.decode()
    terminal.sendline("y")
    terminal.expect(pexpect.EOF)
    output = terminal.before.decode()
    terminal.close()
    assert terminal.exitstatus == 0, output
    assert '"permissionDecision": "allow"' in output
    operator = scratch.audit()[-1]["operator"]
    assert operator.pop("waited") >= 0  # the seconds the question took
    assert operator == {"answer": "y", "choice": "run"}


def test_run_with_a_terminal_asks_through_the_queue_when_the_policy_says_so(scratch):
    """An agent's full-screen interface owns the terminal: the question goes to the queue."""
    import pexpect

    scratch.operator_policy(POLICY % "queue")
    (scratch.work / "x").write_text("")
    terminal = pexpect.spawn(str(scratch.BIN / "gatekeep"), ["run", "--why", "clean up", "-c",
                                                              "rm x"],
                             env=scratch.env, cwd=str(scratch.work), timeout=60)
    deadline = time.monotonic() + 30
    found = []
    database = scratch.state_home / "gatekeep" / "queue.sqlite"
    while not found and time.monotonic() < deadline:
        assert terminal.isalive(), terminal.read_nonblocking(4096, timeout=1)
        if database.exists():
            with queue.connect(database) as connection:
                found = queue.pending(connection, time.time())
        time.sleep(0.05)
    assert found, "run queued no request"
    assert found[0].view.startswith("The agent says it is for: clean up\n")
    with queue.connect(database) as connection:
        assert queue.answer(connection, found[0].id, "run", "y", "")
    terminal.expect(pexpect.EOF)
    output = terminal.before.decode()
    terminal.close()
    assert terminal.exitstatus == 0, output
    assert "Run it?" not in output  # nothing was asked on the terminal
    assert not (scratch.work / "x").exists()
    assert scratch.audit()[-1]["operator"]["choice"] == "run"


def test_an_answered_request_leaves_the_queue_with_its_secrets(scratch):
    """The queue holds the command as sent (the operator must see it); once answered, only
    the audit log keeps it, redacted."""
    scratch.operator_policy(POLICY % "queue")
    secret = "ghp_Zq7Xw3Lk9Pv2Nm5Rt8Yb4Hc6Jd1Fg0SeAb12"  # made up for this test
    process = start_hook(scratch, f"rm x # {secret}")
    database, request = wait_for_request(scratch, process)
    assert secret in request.command
    with queue.connect(database) as connection:
        assert queue.answer(connection, request.id, "deny", "n", "")
    process.wait(timeout=30)

    with queue.connect(database) as connection:
        rows = connection.execute("SELECT * FROM requests").fetchall()
    assert [row for row in rows if any(secret in str(value) for value in row)] == []
    assert scratch.audit()[-1]["operator"]["choice"] == "deny"
