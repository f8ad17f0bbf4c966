"""``gatekeep log``: the audit log read back, agent text shown safely."""

from __future__ import annotations

import json
import re
from typing import Any

Sandbox = Any  # the fixture's class lives in conftest.py
HEADER = ["time", "decision", "exit", "command", "rules", "session"]


def rows(output: str) -> list[list[str]]:
    """The table's rows without its header and time column: columns are 2+ spaces apart."""
    lines = [re.split(r"\s{2,}", line.strip()) for line in output.splitlines()]
    assert lines[0] == HEADER
    return [line[1:] for line in lines[1:]]


def test_log_lists_runs_oldest_first_with_decision_and_exit(sandbox: Sandbox) -> None:
    sandbox.gatekeep("run", "-c", "echo one", env={"GATEKEEP_SESSION": "s1"})
    sandbox.gatekeep("run", "-c", "rm -rf ~", env={"GATEKEEP_SESSION": "s1"})
    result = sandbox.gatekeep("log", env={"NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert rows(result.stdout) == [["allow", "0", "echo one", "text-tools", "s1"],
                                   ["deny", "-", "rm -rf ~", "protect.write", "s1"]]


def test_log_filters_limits_and_prints_json(sandbox: Sandbox) -> None:
    for word in ("a", "b", "c"):
        sandbox.gatekeep("run", "-c", f"echo {word}")
    sandbox.gatekeep("run", "-c", "rm -rf build")
    newest = sandbox.gatekeep("log", "-n", "2", "--json")
    assert [json.loads(line)["command"] for line in newest.stdout.splitlines()] == [
        "echo c", "rm -rf build"]
    asked = sandbox.gatekeep("log", "--decision", "ask", "--json")
    assert [json.loads(line)["decision"] for line in asked.stdout.splitlines()] == ["ask"]
    assert sandbox.gatekeep("log", "--decision", "maybe").returncode == 2


def test_log_escapes_what_the_agent_sent(sandbox: Sandbox) -> None:
    sandbox.gatekeep("run", "-c", "echo '[red]x[/red]' \x1b[31m")
    result = sandbox.gatekeep("log", env={"NO_COLOR": "1"})
    assert "echo '[red]x[/red]' \\e[31m" in result.stdout
    assert "\x1b" not in result.stdout


def test_log_without_entries_says_so(sandbox: Sandbox) -> None:
    result = sandbox.gatekeep("log")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr.startswith("gatekeep: no entries in ")


def test_an_argument_that_is_not_utf8_is_logged_as_ascii_and_read_back(sandbox: Sandbox) -> None:
    refused = sandbox.gatekeep("run", "--", "ls", "\udcff",  # the argument byte 0xff
                               env={"GATEKEEP_SESSION": "s"})
    assert refused.returncode == 126, refused.stderr

    raw = sandbox.audit_log.read_bytes()
    assert raw.isascii()
    assert b'"argv": ["ls", "\\udcff"]' in raw
    shown = sandbox.gatekeep("log", env={"NO_COLOR": "1"})
    assert (shown.returncode, shown.stderr) == (0, "")
    assert rows(shown.stdout) == [["ask", "-", "ls '\\u{dcff}'", "unparseable", "s"]]
    as_json = sandbox.gatekeep("log", "--json")
    assert (as_json.returncode, as_json.stderr) == (0, "")
    assert as_json.stdout.isascii()
    assert json.loads(as_json.stdout)["argv"] == ["ls", "\udcff"]


def test_log_skips_a_bad_line_with_a_warning_and_shows_the_rest(sandbox: Sandbox) -> None:
    sandbox.gatekeep("run", "-c", "echo one")
    with sandbox.audit_log.open("ab") as log:
        log.write(b'[]\n{"command": "ls \xff", "cwd": "/", "decision": "allow"}\n'
                  b'{"command": "ls", "cwd": "/", "decision": "allow", "rules": 5}\n'
                  + b"[" * 100_000 + b"\n")
    sandbox.gatekeep("run", "-c", "echo two")

    result = sandbox.gatekeep("log", env={"NO_COLOR": "1"})

    assert result.returncode == 0
    assert [row[:4] for row in rows(result.stdout)] == [
        ["allow", "0", "echo one", "text-tools"], ["allow", "0", "echo two", "text-tools"]]
    warning = f"gatekeep: warning: {sandbox.audit_log}:"
    lines = result.stderr.splitlines()
    assert lines[:3] == [f"{warning}3: skipped: not a JSON object",  # 1, 2: a decision, its end
                         f"{warning}4: skipped: not UTF-8 text (byte 0xff at column 17)",
                         f"{warning}5: skipped: 'rules' is not a list of strings"]
    assert lines[3].startswith(f"{warning}6: skipped: not a JSON line: maximum recursion depth")
    assert len(lines) == 4
    assert len(sandbox.gatekeep("log", "--json").stdout.splitlines()) == 2
