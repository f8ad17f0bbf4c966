"""``gatekeep log``: the audit log read back, agent text shown safely."""

from __future__ import annotations

import json
from typing import Any

Sandbox = Any  # the fixture's class lives in conftest.py


def test_log_lists_runs_oldest_first_with_decision_and_exit(sandbox: Sandbox) -> None:
    sandbox.gatekeep("run", "-c", "echo one")
    sandbox.gatekeep("run", "-c", "rm -rf ~")
    result = sandbox.gatekeep("log", env={"NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0][19:] == "  allow  exit 0    echo one  [text-tools]"
    assert lines[1][19:] == "  deny   not run   rm -rf ~  [protect.write]"


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
