"""``gatekeep log stats`` and the filters of ``gatekeep log``, on logs written by real runs."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import pexpect

from gatekeep.commands.log import filters
from gatekeep.commands.log import log as log_command
from gatekeep.runtime import audit
from gatekeep.runtime.locations import Locations

Sandbox = Any  # the fixture's class lives in conftest.py
QUESTION = "Run it? "
FIELDS = '{"command": "echo %s", "cwd": "/", "decision": "allow", "rules": ["r"]'


def approve(sandbox: Sandbox, command: str, answer: str = "y") -> None:
    terminal = sandbox.pty_spawn("run", "-c", command)
    terminal.expect_exact(QUESTION)
    terminal.sendline(answer)
    if answer == "n":
        terminal.expect_exact("Enter to skip): ")
        terminal.sendline("")
    terminal.expect(pexpect.EOF)
    terminal.close()


def test_repeated_approvals_become_a_suggested_rule_that_passes_gatekeep_test(
        sandbox: Sandbox) -> None:
    for _ in range(5):
        approve(sandbox, "docker compose down")
    approve(sandbox, "docker compose up")  # approved once: not enough to suggest a rule
    for _ in range(3):
        approve(sandbox, "rm -r build")
    approve(sandbox, "rm -r build", "n")  # refused once: never suggested

    result = sandbox.gatekeep("log", "stats", env={"NO_COLOR": "1"})

    assert result.returncode == 0, result.stderr
    suggested = result.stdout.split("nothing is applied)\n", 1)[1]
    assert suggested == ("rules:\n"
                         "  # approved 5 times; asked by deploy-and-infrastructure\n"
                         "  - id: allow-docker-compose-down\n"
                         '    allow: ["docker compose down"]\n'
                         "    tests:\n"
                         '      - {cmd: "docker compose down", expect: allow}\n')
    assert "most asked commands" in result.stdout
    assert "operator answers" in result.stdout and "run (y)" in result.stdout
    assert "10 answers" in result.stdout  # time waited for answers
    before = sandbox.write("before.yaml", "gatekeep: 1\nextends: [builtin:default]\n"
                           "tests:\n  - {cmd: 'docker compose down', expect: allow}\n")
    policy = sandbox.write("policy.yaml", "gatekeep: 1\nextends: [builtin:default]\n" + suggested)
    assert sandbox.gatekeep("test", str(before)).returncode != 0  # the control: asked today
    tested = sandbox.gatekeep("test", str(policy))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    check = sandbox.gatekeep("check", "--policy", str(policy), "-c", "docker compose down")
    assert check.returncode == 0, check.stdout


def test_stats_draws_bars_per_rule_and_per_day(sandbox: Sandbox) -> None:
    for command in ("echo a", "echo b", "ls", "rm -rf ~"):
        sandbox.gatekeep("run", "-c", command)

    result = sandbox.gatekeep("log", "stats", env={"NO_COLOR": "1"})

    lines = result.stdout.splitlines()
    rule_rows = lines[1:lines.index("decisions per day (allow ask deny)") - 1]
    assert [row.split()[0] for row in rule_rows] == ["text-tools", "read-only-files",
                                                     "protect.write"]
    assert rule_rows[0].endswith("█" * 40 + " 2")
    assert rule_rows[1].endswith("█" * 20 + " 1")
    day = lines[lines.index("decisions per day (allow ask deny)") + 1]
    assert day.endswith("  3 0 1")


def log_json(sandbox: Sandbox, *args: str) -> list[str]:
    result = sandbox.gatekeep("log", "--json", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["command"] for line in result.stdout.splitlines()]


def test_log_filters_by_rule_session_grep_and_time(sandbox: Sandbox) -> None:
    sandbox.gatekeep("run", "-c", "echo one", env={"GATEKEEP_SESSION": "a"})
    sandbox.gatekeep("run", "-c", "ls", "--why", "look AROUND", env={"GATEKEEP_SESSION": "b"})
    sandbox.gatekeep("run", "-c", "echo two", env={"GATEKEEP_SESSION": "b"})

    assert log_json(sandbox, "--rule", "text-tools") == ["echo one", "echo two"]
    assert log_json(sandbox, "--session", "b") == ["ls", "echo two"]
    assert log_json(sandbox, "--grep", "around|two") == ["ls", "echo two"]
    assert log_json(sandbox, "--since", "1h") == ["echo one", "ls", "echo two"]
    assert log_json(sandbox, "--since", "2999-01-01") == []
    bad = sandbox.gatekeep("log", "--since", "yesterday")
    assert (bad.returncode, bad.stderr) == (2, (
        "gatekeep: --since takes a duration (30m, 2h, 7d) or a date or time (2026-01-31, "
        "2026-01-31T09:00), not 'yesterday'\n"))
    assert sandbox.gatekeep("log", "--grep", "(").returncode == 2


def test_follow_prints_records_as_they_are_written(tmp_path: Path) -> None:
    locations = Locations(tmp_path / "config", tmp_path / "state")
    log = str(locations.audit_log)
    audit.append(log, audit.line(FIELDS % "before", record=("a" * 16, "s")))

    def later() -> None:
        time.sleep(0.3)
        audit.append(log, audit.line(FIELDS % "after", record=("b" * 16, "s")))
        audit.append(log, audit.end(("b" * 16, "s"), 0, 0.5))
    writer = threading.Thread(target=later)
    writer.start()
    out = io.StringIO()
    code = log_command(limit=20, chosen=filters(), as_json=True, follow=True, env={},
                       locations=locations, stdout=out, stderr=io.StringIO(), polls=8)
    writer.join()

    assert code == 0
    shown = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(e["decision"], e["command"]) for e in shown] == [
        ("allow", "echo before"), ("allow", "echo after"), ("end", "(ended: exit 0, 0.5 s)")]


def test_the_table_escapes_what_the_agent_sent_in_command_and_purpose(sandbox: Sandbox) -> None:
    sandbox.gatekeep("run", "-c", "echo '[bold]x'", "--why", "see \x1b[2J[red]y[/red]")

    result = sandbox.gatekeep("log", env={"NO_COLOR": "1"})

    assert "echo '[bold]x'  (why: see \\e[2J[red]y[/red])" in result.stdout
    assert "\x1b" not in result.stdout
