"""The real ``gatekeep run`` asking on a pseudo-terminal, and the queue for headless runs."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pexpect
import pytest

Sandbox = Any  # the fixture's class lives in conftest.py
ASKED = "rm -r build && touch marker"
QUESTION = "Run it? "


def prepare(sandbox: Sandbox) -> None:
    (sandbox.work / "build").mkdir()
    (sandbox.work / "build" / "f.txt").write_text("x\n")


def prompt(sandbox: Sandbox, command: str = ASKED, **kwargs: Any) -> Any:
    terminal = sandbox.pty_spawn("run", "-c", command, **kwargs)
    terminal.expect_exact(QUESTION)
    return terminal


def finish(terminal: Any) -> tuple[str, int | None]:
    terminal.expect(pexpect.EOF)
    output = terminal.before.decode()
    terminal.close()
    return output, terminal.exitstatus


def test_y_runs_the_command_and_its_output_reaches_the_caller(sandbox: Sandbox) -> None:
    prepare(sandbox)
    terminal = prompt(sandbox, "rm -r build && echo done-by-gatekeep")
    explanation = terminal.before.decode()
    assert "rm -r build" in explanation and "removes the tree" in explanation
    terminal.sendline("y")
    output, status = finish(terminal)
    assert status == 0, output
    assert "done-by-gatekeep" in output
    assert not (sandbox.work / "build").exists()
    operator = sandbox.audit()[-1]["operator"]
    assert operator.pop("waited") >= 0  # the seconds the question took
    assert operator == {"answer": "y", "choice": "run"}


def test_n_runs_nothing_and_the_message_reaches_the_agent(sandbox: Sandbox) -> None:
    prepare(sandbox)
    terminal = prompt(sandbox)
    terminal.sendline("n")
    terminal.expect_exact("Enter to skip): ")
    terminal.sendline("clean only build/tmp")
    output, status = finish(terminal)
    assert status == 126
    assert "gatekeep: not run: the operator denied it" in output
    assert "gatekeep: the operator says: clean only build/tmp" in output
    assert not sandbox.marker.exists() and (sandbox.work / "build").exists()


def test_enter_alone_denies(sandbox: Sandbox) -> None:
    prepare(sandbox)
    terminal = prompt(sandbox)
    terminal.sendline("")
    output, status = finish(terminal)
    assert status == 126
    assert "Not run (Enter alone means deny)." in output
    assert not sandbox.marker.exists()


def test_no_answer_in_time_denies(sandbox: Sandbox) -> None:
    prepare(sandbox)
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "prompt: {timeout: 1}\n")
    terminal = prompt(sandbox)
    output, status = finish(terminal)
    assert status == 126
    assert "No answer in time: not run." in output
    assert "the operator did not answer in time" in output
    assert not sandbox.marker.exists()


def test_ctrl_c_at_the_prompt_denies(sandbox: Sandbox) -> None:
    prepare(sandbox)
    terminal = prompt(sandbox)
    terminal.sendintr()
    output, status = finish(terminal)
    assert status == 126, output
    assert "the operator interrupted the prompt" in output
    assert not sandbox.marker.exists()


def test_always_saves_the_shown_rule_and_the_next_identical_run_needs_no_prompt(
        sandbox: Sandbox) -> None:
    prepare(sandbox)
    terminal = prompt(sandbox)
    terminal.sendline("a")
    terminal.expect_exact("Save it and run? [y/N] ")
    assert "allow rm -r build" in terminal.before.decode()
    terminal.sendline("y")
    _, status = finish(terminal)
    assert status == 0 and sandbox.marker.exists()
    saved = json.loads((sandbox.config_home / "gatekeep" / "approvals.json").read_text())
    assert [a["argv"] for a in saved["approvals"]] == [["rm", "-r", "build"]]
    assert saved["approvals"][0]["scope"] == str(sandbox.work)

    prepare(sandbox)
    sandbox.marker.unlink()
    again = sandbox.gatekeep("run", "-c", ASKED)  # no terminal at all: the approval decides
    assert again.returncode == 0, again.stderr
    assert sandbox.marker.exists()
    listed = sandbox.gatekeep("approvals", "list")
    assert "allow rm -r build" in listed.stdout


def saved(sandbox: Sandbox, approval_id: str, expires: float, **fields: Any) -> None:
    """Write an approval for ``rm -r build`` in the sandbox's tree, as "always" saves it."""
    import os
    import shutil

    record = {"id": approval_id, "argv": ["rm", "-r", "build"], "scope": str(sandbox.work),
              "created": expires - 86400, "expires": expires, "command": ASKED,
              "program": os.path.realpath(shutil.which("rm") or "rm"), "assignments": [],
              "redirects": [], "wrapper": None, "lifts": ["delete-files", "recursive-delete"],
              "files": [f"{sandbox.work / 'build'}=dir"]}  # the directory it names
    record.update(fields)
    (sandbox.config_home / "gatekeep").mkdir(parents=True, exist_ok=True)
    (sandbox.config_home / "gatekeep" / "approvals.json").write_text(
        json.dumps({"version": 2, "approvals": [record]}))


def test_an_expired_approval_is_ignored_with_a_warning(sandbox: Sandbox) -> None:
    prepare(sandbox)
    saved(sandbox, "0badcafe", time.time() - 3600)
    terminal = prompt(sandbox)
    assert "approval 0badcafe for rm -r build expired on" in terminal.before.decode()
    terminal.sendline("")
    _, status = finish(terminal)
    assert status == 126 and not sandbox.marker.exists()


def test_an_approval_saved_by_an_older_gatekeep_matches_nothing(sandbox: Sandbox) -> None:
    """Format 1 approvals matched any invocation with the same words: they stay inert."""
    prepare(sandbox)
    record = {"id": "0ldf0rm1", "argv": ["rm", "-r", "build"], "scope": str(sandbox.work),
              "created": time.time(), "expires": time.time() + 3600, "command": ASKED}
    (sandbox.config_home / "gatekeep").mkdir(parents=True)
    (sandbox.config_home / "gatekeep" / "approvals.json").write_text(
        json.dumps({"version": 1, "approvals": [record]}))
    assert sandbox.gatekeep("run", "-c", ASKED).returncode == 126
    assert not sandbox.marker.exists()
    listed = sandbox.gatekeep("approvals", "list").stdout
    assert "rm -r build (saved by an older gatekeep: matches nothing)" in listed


def test_revoke_removes_an_approval(sandbox: Sandbox) -> None:
    prepare(sandbox)
    saved(sandbox, "feedf00d", time.time() + 3600)
    assert sandbox.gatekeep("run", "-c", "rm -r build").returncode == 0
    assert sandbox.gatekeep("approvals", "revoke", "feedf00d").stdout == "revoked feedf00d\n"
    assert sandbox.gatekeep("approvals", "revoke", "feedf00d").returncode == 2
    prepare(sandbox)
    assert sandbox.gatekeep("run", "-c", ASKED).returncode == 126


def test_without_a_terminal_the_request_is_denied_at_once(sandbox: Sandbox) -> None:
    prepare(sandbox)
    started = time.monotonic()
    result = subprocess.run(
        [str(sandbox.GATEKEEP), "run", "-c", ASKED], capture_output=True, text=True,
        env=sandbox.env, cwd=sandbox.work, timeout=sandbox.TIMEOUT, start_new_session=True,
        stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 126
    assert "there is no terminal to ask on" in result.stderr
    assert time.monotonic() - started < 10
    assert not sandbox.marker.exists()


def test_agents_cannot_run_the_approval_commands(sandbox: Sandbox) -> None:
    for words in (["gatekeep", "approvals", "watch"], ["gatekeep", "approvals", "list"]):
        result = sandbox.gatekeep("run", "--", *words)
        assert result.returncode == 126
        assert "gatekeep: denied: gatekeep-approvals" in result.stderr


def queue_policy(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "prompt: {timeout: 20, no_tty: queue}\n")


def headless(sandbox: Sandbox) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(sandbox.GATEKEEP), "run", "-c", ASKED], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=sandbox.env, cwd=sandbox.work,
        start_new_session=True, stdin=subprocess.DEVNULL)


def test_queued_request_is_answered_yes_from_another_terminal(sandbox: Sandbox) -> None:
    prepare(sandbox)
    queue_policy(sandbox)
    waiting = headless(sandbox)
    watcher = sandbox.pty_spawn("approvals", "watch")
    try:
        watcher.expect_exact(QUESTION)
        assert "rm -r build" in watcher.before.decode()
        watcher.sendline("y")
        _, err = waiting.communicate(timeout=sandbox.TIMEOUT)
    finally:
        watcher.close(force=True)
        waiting.kill()
    assert waiting.returncode == 0, err
    assert sandbox.marker.exists()


def test_queued_request_denied_with_a_message(sandbox: Sandbox) -> None:
    prepare(sandbox)
    queue_policy(sandbox)
    waiting = headless(sandbox)
    watcher = sandbox.pty_spawn("approvals", "watch")
    try:
        watcher.expect_exact(QUESTION)
        watcher.sendline("n")
        watcher.expect_exact("Enter to skip): ")
        watcher.sendline("not today")
        _, err = waiting.communicate(timeout=sandbox.TIMEOUT)
    finally:
        watcher.close(force=True)
        waiting.kill()
    assert waiting.returncode == 126
    assert "gatekeep: the operator says: not today" in err
    assert not sandbox.marker.exists()


def test_queued_request_times_out(sandbox: Sandbox) -> None:
    prepare(sandbox)
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "prompt: {timeout: 1, no_tty: queue}\n")
    waiting = headless(sandbox)
    _, err = waiting.communicate(timeout=sandbox.TIMEOUT)
    assert waiting.returncode == 126
    assert "the operator did not answer in time" in err


def test_watch_needs_a_terminal(sandbox: Sandbox) -> None:
    result = subprocess.run(
        [str(sandbox.GATEKEEP), "approvals", "watch"], capture_output=True, text=True,
        env=sandbox.env, timeout=sandbox.TIMEOUT, start_new_session=True, check=False)
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr


@pytest.mark.parametrize("choice", ["allow", "yes", "RUN", ""])
def test_a_queued_answer_that_is_not_run_or_always_runs_nothing(sandbox: Sandbox,
                                                                choice: str) -> None:
    """Only an explicit run or always runs: any other stored answer refuses the command."""
    import sqlite3

    prepare(sandbox)
    queue_policy(sandbox)
    waiting = headless(sandbox)
    database = sandbox.state_home / "gatekeep" / "queue.sqlite"
    try:
        sandbox.wait_for(database.exists)
        with sqlite3.connect(database, timeout=10, isolation_level=None) as connection:
            sandbox.wait_for(lambda: connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'requests'").fetchone()[0]
                and connection.execute("SELECT count(*) FROM requests").fetchone()[0] == 1)
            connection.execute("UPDATE requests SET status = ?, how = 'y'", (choice,))
        _, err = waiting.communicate(timeout=sandbox.TIMEOUT)
    finally:
        waiting.kill()
    assert waiting.returncode == 126, err
    assert not sandbox.marker.exists() and (sandbox.work / "build").exists()
