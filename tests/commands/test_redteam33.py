"""Red team 33: integration surfaces (hooks, MCP, the approval queue) and the audit log.

Each test fails on the commit it was written against and passes once the finding is fixed,
whatever the fix; see /work/notes/redteam-33.md.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py


# -- the audit log -------------------------------------------------------------------------

def test_project_policy_cannot_redact_the_audit_record_of_what_ran(sandbox: Sandbox) -> None:
    """A project policy (the agent may have written it) must not erase the operator's record
    of the command: either nothing runs, or the record names the command."""
    (sandbox.work / ".gatekeep.yaml").write_text(
        "gatekeep: 1\nextends: [builtin:default]\n"
        "audit:\n  redact:\n    - {id: ok, pattern: '[^ ]+'}\n", encoding="utf-8")
    result = sandbox.gatekeep("run", "-c", "touch marker")
    if not sandbox.marker.exists():
        return  # refused (for instance: a project policy may not set audit patterns)
    assert result.returncode == 0, result.stderr
    decisions = [e for e in sandbox.audit() if e.get("kind", "decision") != "end"
                 and "decision" in e]
    assert decisions, "no decision record"
    assert decisions[-1]["command"] == "touch marker", decisions[-1]["command"]


# -- hooks: the payload's cwd and saved approvals -------------------------------------------

ASKED_ECHO = "echo approved-thing"


def _approve_always(sandbox: Sandbox, command: str) -> None:
    sandbox.answer_always(command)
    listed = sandbox.gatekeep("approvals", "list")
    assert "allow " + command in listed.stdout, listed.stdout + listed.stderr


@pytest.mark.parametrize("how", ["dotdot", "symlink"])
def test_hook_cwd_outside_the_scope_is_not_covered_by_an_approval(
        sandbox: Sandbox, how: str) -> None:
    """An approval for the working tree covers only calls that really run there: a payload
    cwd of TREE/../OTHER (or TREE/link -> OTHER) is OTHER."""
    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\nrules:\n"
        "  - id: needs-ok\n    ask: [\"echo approved-thing\"]\n    reason: needs ok\n")
    subprocess.run(["git", "init", "-q", str(sandbox.work)], check=True)
    _approve_always(sandbox, ASKED_ECHO)
    other = sandbox.root / "other"
    other.mkdir()
    if how == "dotdot":
        cwd = f"{sandbox.work}/../other"
    else:
        (sandbox.work / "link").symlink_to(other)
        cwd = f"{sandbox.work}/link"
    # the control: from OTHER itself it is asked
    plain = sandbox.gatekeep("hook", "json",
                             input=json.dumps({"command": ASKED_ECHO, "cwd": str(other)}))
    assert json.loads(plain.stdout)["decision"] == "ask", plain.stdout
    result = sandbox.gatekeep("hook", "json",
                              input=json.dumps({"command": ASKED_ECHO, "cwd": cwd}))
    reply = json.loads(result.stdout)
    assert reply["decision"] != "allow" and result.returncode != 0, reply


# -- the approval queue ------------------------------------------------------------------------

def test_queue_always_offer_shows_no_raw_terminal_escapes(sandbox: Sandbox) -> None:
    """What `approvals watch` shows at "always" comes from the agent's working tree; its
    control characters must be made visible, as the terminal prompt does."""
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "prompt: {timeout: 20, no_tty: queue}\n")
    tree = sandbox.work / "d\x1b[2J\x1b]0;owned\x07X"
    tree.mkdir()
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    waiting = subprocess.Popen(
        [str(sandbox.GATEKEEP), "run", "-c", "pip download foo"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=sandbox.env, cwd=tree,
        start_new_session=True, stdin=subprocess.DEVNULL)
    watcher = sandbox.pty_spawn("approvals", "watch")
    try:
        watcher.expect_exact("Run it? ")
        shown = watcher.before
        watcher.sendline("a")
        watcher.expect_exact("[y/N] ")
        shown += watcher.before
        watcher.sendline("n")
        watcher.expect_exact("Run it? ")
        watcher.sendline("")
        waiting.communicate(timeout=sandbox.TIMEOUT)
    finally:
        watcher.close(force=True)
        waiting.kill()
    assert b"\x1b[2J" not in shown and b"\x1b]0;" not in shown, shown[-300:]


# -- gatekeep mcp ------------------------------------------------------------------------------

class _Mcp:
    """``gatekeep mcp`` as a real process, spoken to in JSON-RPC lines."""

    def __init__(self, sandbox: Sandbox) -> None:
        pytest.importorskip("mcp")
        self.process = subprocess.Popen(
            [str(sandbox.GATEKEEP), "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=sandbox.env, cwd=sandbox.work,
            start_new_session=True)
        self._send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "rt33", "version": "1"}}})
        self._receive()
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def _send(self, message: dict[str, Any] | str) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()

    def _receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the MCP server ended"
        reply: dict[str, Any] = json.loads(line)
        return reply

    def call_raw(self, arguments: str) -> dict[str, Any]:
        """A run_command call whose arguments object is given as JSON text (NaN allowed)."""
        self._send('{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": '
                   '{"name": "run_command", "arguments": ' + arguments + "}}")
        return self._receive()

    def peak_rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def test_mcp_output_is_bounded_while_read_not_after(sandbox: Sandbox) -> None:
    """run_command returns at most 1 MiB of output; the server must not hold the whole
    output in memory to get there (an allowed `yes` or `cat /dev/zero` takes it down)."""
    server = _Mcp(sandbox)
    try:
        before = server.peak_rss_kib()
        reply = server.call_raw(json.dumps(
            {"command": "head -c 300000000 /dev/zero", "timeout": 120}))
        grown = server.peak_rss_kib() - before
    finally:
        server.close()
    result = reply["result"].get("structuredContent", {})
    assert result.get("ran") is True, reply
    assert grown < 100 * 1024, f"the server's peak memory grew by {grown // 1024} MiB"


def test_mcp_reports_no_error_for_a_command_it_leaves_running(sandbox: Sandbox) -> None:
    """A run_command call answered with an error must not leave the command running on its
    own (a NaN timeout made communicate() raise after the start)."""
    server = _Mcp(sandbox)
    try:
        reply = server.call_raw('{"command": "sleep 2; touch marker", "timeout": NaN}')
    finally:
        server.close()
    time.sleep(4)
    result = reply.get("result", {})
    errored = "error" in reply or result.get("isError") \
        or result.get("structuredContent", {}).get("ran") is False
    if errored:
        assert not sandbox.marker.exists(), f"reported {reply}, yet the command ran"
    else:  # answered as a run: it must have run and been waited for
        assert sandbox.marker.exists()


# -- saved approvals: the scope ---------------------------------------------------------------

def test_a_planted_temp_dir_git_does_not_stretch_an_approval_over_the_temp_dir(
        sandbox: Sandbox) -> None:
    """A boxed project script can write the temp dir; a `.git` it leaves there must not turn
    the operator's next "always" in a temp-dir project into one for every directory there."""
    import pexpect

    temp = sandbox.root / "tmp"
    project, victim = temp / "proj", temp / "victim"
    project.mkdir(parents=True)
    victim.mkdir()
    env = {**sandbox.env, "TMPDIR": str(temp)}
    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\nrules:\n"
        "  - id: needs-ok\n    ask: [\"echo approved-thing\"]\n    reason: needs ok\n")
    script = project / "run.sh"
    script.write_text(f"#!/bin/sh\nmkdir -p '{temp}/.git'\n", encoding="utf-8")
    script.chmod(0o755)
    planted = sandbox.gatekeep("run", "-c", "./run.sh", env=env, cwd=project)
    if not (temp / ".git").exists():
        pytest.skip(f"the box did not let the script write the temp dir: {planted.stderr}")
    terminal = pexpect.spawn(str(sandbox.GATEKEEP), ["run", "-c", ASKED_ECHO], env=env,
                             cwd=str(project), timeout=sandbox.TIMEOUT)
    terminal.expect_exact("Run it? ")
    terminal.sendline("a")
    index = terminal.expect_exact(["Save it and run? [y/N] ", "Run it? "])
    if index == 0:
        terminal.sendline("y")
    else:
        terminal.sendline("n")
    terminal.expect(pexpect.EOF)
    terminal.close()
    result = sandbox.gatekeep("run", "-c", ASKED_ECHO, env=env, cwd=victim)
    assert result.returncode == 126 and "approved-thing" not in result.stdout, (
        result.stdout, result.stderr, sandbox.gatekeep("approvals", "list").stdout)


# -- the operator prompt: keystrokes pushed by a command ----------------------------------------

def test_what_was_typed_before_the_question_is_no_answer(sandbox: Sandbox) -> None:
    """Keys in the terminal's input before the question (typed ahead, or pushed by a
    helper an unboxed script left: TIOCSTI) are dropped when the question opens the
    terminal. (One pushed after the question is shown still lands: see the README's limits.)"""
    import pexpect

    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "prompt: {timeout: 8}\n")
    (sandbox.work / "build").mkdir()
    shell = pexpect.spawn("/bin/bash", ["--norc", "--noprofile"],
                          env={**sandbox.env, "TERM": "dumb", "PS1": "$ "},
                          cwd=str(sandbox.work), timeout=sandbox.TIMEOUT)
    try:
        shell.expect_exact("$ ")
        shell.sendline(f"sleep 1; {sandbox.GATEKEEP} run -c 'rm -r build'; echo rc=$?")
        shell.sendline("y")  # typed ahead, while sleep runs
        shell.expect_exact("Run it? ")
        shell.expect([r"rc=\d+", pexpect.TIMEOUT], timeout=20)
    finally:
        shell.close(force=True)
    assert (sandbox.work / "build").exists(), "a key typed before the question answered it"


def test_always_at_a_hook_question_keeps_the_saved_approvals_readable(sandbox: Sandbox) -> None:
    """An "always" answered at a hook's terminal question, for a payload cwd written with
    `..`, must not leave approvals.json unreadable (every approval ignored, list fails)."""
    import pexpect

    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\nprompt: {via: tty}\nrules:\n"
        "  - id: needs-ok\n    ask: [\"echo approved-thing\"]\n    reason: needs ok\n")
    other = sandbox.root / "other"
    other.mkdir()
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    payload = sandbox.root / "payload.json"
    payload.write_text(json.dumps({"command": ASKED_ECHO, "cwd": f"{sandbox.work}/../other"}))
    shell = pexpect.spawn("/bin/bash", ["-c", f"'{sandbox.GATEKEEP}' hook json < '{payload}'"],
                          env={**sandbox.env, "TERM": "dumb"}, cwd=str(sandbox.work),
                          timeout=sandbox.TIMEOUT)
    try:
        shell.expect_exact("Run it? ")
        shell.sendline("a")
        if shell.expect_exact(["[y/N] ", "Run it? "]) == 0:
            shell.sendline("y")
        else:
            shell.sendline("n")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    listed = sandbox.gatekeep("approvals", "list")
    assert listed.returncode == 0 and "cannot read" not in listed.stderr, listed.stderr


def test_an_approval_for_a_tree_program_on_path_does_not_cover_an_edited_program(
        settled: Sandbox) -> None:
    """"Always" for `mytool --x`, where `mytool` is a file of the tree found on PATH, approves
    that program as it was: rewritten by the agent, it is asked again."""

    subprocess.run(["git", "init", "-q", str(settled.work)], check=True)  # the tree: work only
    tools = settled.work / "bin"
    tools.mkdir()
    program = tools / "mytool"
    program.write_text("#!/bin/sh\necho original-tool\n", encoding="utf-8")
    program.chmod(0o755)
    env = {**settled.env, "PATH": f"{tools}:{settled.env['PATH']}"}
    assert "original-tool" in settled.answer_always("mytool --x", env=env)
    program.write_text("#!/bin/sh\necho changed-tool\n", encoding="utf-8")
    result = settled.gatekeep("run", "-c", "mytool --x", env=env)
    assert "changed-tool" not in result.stdout and result.returncode == 126, (
        result.stdout, result.stderr)
