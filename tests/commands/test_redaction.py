"""Secrets in commands never reach the audit log; what the agent sent is still shown as sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gatekeep.policy.redact import redactor

Sandbox = Any  # the fixture's class lives in conftest.py
CASES = yaml.safe_load((Path(__file__).parents[1] / "data" / "secret_commands.yaml")
                       .read_text(encoding="utf-8"))["cases"]
IDS = [case["name"] for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_shipped_pattern_hides_its_secret(case: dict[str, str], tmp_path: Path) -> None:
    redacted = redactor(str(tmp_path))(case["cmd"])
    assert case["secret"] not in redacted
    assert "[redacted:" in redacted


def test_the_corpus_leaves_no_secret_in_the_log_file(sandbox: Sandbox) -> None:
    for case in CASES:
        result = sandbox.gatekeep("run", "-c", case["cmd"], "--why", f"to run {case['cmd']}")
        # the refusal shows the command as the agent sent it
        assert case["secret"].split("\\n")[0] in result.stderr or result.returncode != 126, \
            case["name"]

    raw = sandbox.audit_log.read_text(encoding="ascii")
    assert [case["name"] for case in CASES if case["secret"] in raw] == []
    assert len(sandbox.audit()) == len(CASES)
    assert raw.count("[redacted:") >= 2 * len(CASES)  # the command, each part, the purpose


def test_the_operator_adds_patterns_in_a_file_and_in_the_policy(sandbox: Sandbox) -> None:
    sandbox.write("config/gatekeep/redact.yaml",
                  "gatekeep: 1\nredact:\n  - {id: house-token, pattern: 'hk_[a-z0-9]{12}'}\n")
    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\naudit:\n  redact:\n"
        "    - {id: ticket, pattern: 'tkt-(?P<secret>[0-9]{6})'}\n")

    sandbox.gatekeep("run", "-c", "echo hk_abcdef123456 tkt-123456")

    raw = sandbox.audit_log.read_text(encoding="ascii")
    assert "hk_abcdef123456" not in raw and "123456" not in raw
    assert "echo [redacted:house-token] tkt-[redacted:ticket]" in raw


@pytest.mark.parametrize(("text", "error"), [
    ("gatekeep: 1\nredact:\n  - {id: x, pattern: '(unclosed'}\n",
     "3:22: redact[0].pattern: not a regular expression: missing ), unterminated subpattern "
     "at position 0"),
    ("gatekeep: 1\nredact:\n  - {id: x, pattern: 'a*'}\n",
     "3:22: redact[0].pattern: this pattern matches empty text"),
    ("gatekeep: 1\nredact:\n  - {id: x, patern: 'a'}\n",
     "3:13: redact[0].patern: unknown key 'patern' (did you mean 'pattern'?); expected one of: "
     "id, pattern"),
], ids=["not-a-regex", "matches-empty", "unknown-key"])
def test_a_broken_pattern_file_runs_nothing(sandbox: Sandbox, text: str, error: str) -> None:
    path = sandbox.write("config/gatekeep/redact.yaml", text)

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr == f"gatekeep: policy error: {path}:{error}\ngatekeep: nothing was run\n"
    assert not sandbox.marker.exists()
    assert sandbox.audit() == []
