"""Attacks on the audit trail: records that cannot be written whole, secrets that take a
side road into the log, and log lines made to mislead or crash the readers."""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path
from typing import Any

Sandbox = Any  # the fixture's class lives in conftest.py


# -- fail closed: a record written only in part is not a logged decision ------------------

def test_a_record_cut_short_by_the_file_size_limit_runs_nothing(sandbox: Sandbox) -> None:
    """Near RLIMIT_FSIZE (or a full disk) a write takes part of the record without an error;
    the decision must not count as logged, and the command must not run."""
    filler = b'{"note": "' + b"x" * 4000 + b'"}\n'
    sandbox.audit_log.parent.mkdir(parents=True, exist_ok=True)
    sandbox.audit_log.write_bytes(filler)
    limit = len(filler) + 200  # room for the start of the decision record, not for all of it

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([str(sandbox.GATEKEEP), "run", "--", "echo", "RAN"],
                            capture_output=True, text=True, env=sandbox.env, cwd=sandbox.work,
                            timeout=sandbox.TIMEOUT, check=False, preexec_fn=limited,
                            start_new_session=True)

    assert "RAN" not in result.stdout
    assert result.returncode == 126, result.stderr
    assert "not run (nothing runs without its audit record)" in result.stderr


# -- redaction on the paths that reuse a stored decision ----------------------------------

TOKEN = "ghp_Zq7Xw3Lk9Pv2Nm5Rt8Yb4Hc6Jd1Fg0SeAb12"  # made up for this test


def test_the_purpose_is_redacted_when_a_stored_decision_is_reused(sandbox: Sandbox) -> None:
    assert sandbox.gatekeep("run", "--", "true").returncode == 0  # stores the allow

    result = sandbox.gatekeep("run", "--why", f"push with {TOKEN}", "--", "true")

    assert result.returncode == 0, result.stderr
    raw = sandbox.audit_log.read_text(encoding="ascii")
    assert TOKEN not in raw
    assert "push with [redacted:github-token]" in raw


def test_patterns_an_agent_put_in_the_state_directory_are_not_trusted(
        sandbox: Sandbox) -> None:
    """The fast path's copy of the patterns is sealed: one replaced by a file that has no
    patterns (so nothing would be hidden) does not verify, and the purpose is still hidden."""
    assert sandbox.gatekeep("run", "--why", "first", "--", "true").returncode == 0
    kept = sandbox.state_home / "gatekeep" / "cache" / "redact"
    assert kept.is_file()  # the full run kept the patterns for the fast path
    kept.write_bytes(b"[]")

    result = sandbox.gatekeep("run", "--why", f"push with {TOKEN}", "--", "true")

    assert result.returncode == 0, result.stderr
    raw = sandbox.audit_log.read_text(encoding="ascii")
    assert TOKEN not in raw
    assert "push with [redacted:github-token]" in raw


def test_a_pattern_the_operator_adds_later_hides_a_reused_command(sandbox: Sandbox) -> None:
    command = "echo hk_abcdef123456"
    assert sandbox.gatekeep("run", "-c", command).returncode == 0  # stored, nothing to hide
    sandbox.write("config/gatekeep/redact.yaml",
                  "gatekeep: 1\nredact:\n  - {id: house-token, pattern: 'hk_[a-z0-9]{12}'}\n")

    assert sandbox.gatekeep("run", "-c", command).returncode == 0

    last = [json.loads(line) for line in sandbox.audit_log.read_text().splitlines()][-2]
    assert last["command"] == "echo [redacted:house-token]"


def test_a_purpose_only_the_policy_patterns_hide_is_hidden_on_every_run(
        sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\naudit:\n  redact:\n"
        "    - {id: ticket, pattern: 'tkt-(?P<secret>[0-9]{6})'}\n")

    for _ in range(3):
        assert sandbox.gatekeep("run", "--why", "see tkt-123456", "--", "true").returncode == 0

    raw = sandbox.audit_log.read_text(encoding="ascii")
    assert "123456" not in raw
    assert raw.count("see tkt-[redacted:ticket]") == 3


def test_a_reused_hook_decision_is_logged_in_ascii_with_its_purpose_redacted(
        sandbox: Sandbox) -> None:
    payload = json.dumps({"session_id": "s1", "tool_name": "Bash", "cwd": str(sandbox.work),
                          "hook_event_name": "PreToolUse",
                          "tool_input": {"command": "echo hi",
                                         "description": f"café \u2028 {TOKEN}"}})
    for _ in range(2):  # the first call decides and stores; the second reuses the decision
        assert sandbox.gatekeep("hook", "claude-code", input=payload).returncode == 0

    raw = sandbox.audit_log.read_bytes()
    assert raw.isascii()
    assert TOKEN.encode() not in raw
    assert [e["why"] for e in sandbox.audit()] == ["café \u2028 [redacted:github-token]"] * 2


# -- readers: a log line is data, never terminal control or YAML --------------------------

def write_lines(sandbox: Sandbox, *records: dict[str, Any]) -> None:
    sandbox.audit_log.parent.mkdir(parents=True, exist_ok=True)
    sandbox.audit_log.write_text("".join(json.dumps(r) + "\n" for r in records),
                                 encoding="ascii")


def asked(command: str, rules: list[str], waited: object = 1.5,
          time: str = "2026-01-01T00:00:00+00:00") -> dict[str, Any]:
    return {"kind": "decision", "decision": "ask", "command": command, "cwd": "/w",
            "time": time, "rules": rules,
            "operator": {"answer": "y", "choice": "run", "waited": waited}}


def test_a_signal_field_in_a_decision_line_is_shown_visibly(sandbox: Sandbox) -> None:
    write_lines(sandbox, {"kind": "decision", "decision": "allow", "command": "ls", "cwd": "/w",
                          "signal": "\x1b]0;owned\x07"})

    result = sandbox.gatekeep("log")

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "sig \\e]0;owned\\x07" in result.stdout


def test_since_reads_a_time_without_an_offset_as_utc(sandbox: Sandbox) -> None:
    write_lines(sandbox, asked("old", ["r"], time="2020-01-01T00:00:00"),
                asked("new", ["r"], time="2999-01-01T00:00:00"))

    result = sandbox.gatekeep("log", "--since", "2026-01-01", "--json")

    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["command"] for line in result.stdout.splitlines()] == ["new"]


def test_stats_survives_a_waited_time_no_float_can_hold(sandbox: Sandbox) -> None:
    write_lines(sandbox, asked("ls", ["r"], waited=10 ** 400), asked("ls", ["r"], waited=2))

    result = sandbox.gatekeep("log", "stats")

    assert result.returncode == 0, result.stderr
    assert "1 answers, 2.0 s in all" in result.stdout


def test_a_rule_id_cannot_add_lines_to_a_suggested_rule(sandbox: Sandbox) -> None:
    """A project policy (written by the agent) may name its rules anything; its ask rule's
    id reaches the log, and from there the suggestion the operator pastes."""
    forged = 'e2e\n  - id: helper\n    allow: ["*"]\n\x1b[8m'
    write_lines(sandbox, *[asked("npm run e2e", [forged])] * 3)

    result = sandbox.gatekeep("log", "stats")

    assert result.returncode == 0, result.stderr
    suggested = result.stdout.split("rules:\n", 1)[1]
    assert "\x1b" not in suggested
    assert [line for line in suggested.splitlines() if line.startswith("  - ")] == \
        ["  - id: allow-npm-run-e2e"]


# -- the chain across rotation ---------------------------------------------------------------

def test_a_torn_first_record_of_a_rotated_log_is_repaired_within_the_chain(
        tmp_path: Path) -> None:
    """A writer killed inside the first record of a new file (just after a rotation): the
    repair record goes on from the renamed file's last record, and the log verifies."""
    from gatekeep.offline.chain import lines, verify
    from gatekeep.runtime import journal

    log = tmp_path / "audit.jsonl"
    for number in range(2):  # the second rotates the first into audit.1.jsonl
        journal.append(str(log), f'{{"kind": "note", "n": {number}}}\n', rotate=1)
    (tmp_path / "audit.1.jsonl").rename(tmp_path / "audit.2.jsonl")  # the next rotation
    log.rename(tmp_path / "audit.1.jsonl")
    log.write_bytes(b'{"kind": "note", "n": 2, "pr')  # then killed before the newline

    journal.append(str(log), '{"kind": "note", "n": 4}\n', rotate=1 << 20)

    files = [str(tmp_path / name) for name in ("audit.2.jsonl", "audit.1.jsonl", "audit.jsonl")]
    verdict = verify(lines(files))
    assert verdict.problem is None, verdict.problem
    assert verdict.records == 4  # two notes, the repair, the new note (the torn line: noted)


def test_a_reason_that_quotes_a_secret_path_is_redacted(sandbox: Sandbox) -> None:
    """A refusal's reason names the path the command writes; the record keeps it hidden."""
    result = sandbox.gatekeep("run", "-c", f"echo x >> ~/.ssh/{TOKEN}")

    assert result.returncode == 126
    assert TOKEN in result.stderr  # the agent and the operator still see what was sent
    raw = sandbox.audit_log.read_text(encoding="ascii")
    assert TOKEN not in raw
    [segment] = sandbox.audit()[-1]["segments"]
    assert segment["reason"].startswith(f"writes {sandbox.home}/.ssh/[redacted:github-token]")
