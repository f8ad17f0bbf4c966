"""A file protected from reads (it holds secrets) that a command writes over, as `cp`'s or
`mv`'s target, is asked as overwritten, not as read (precision probe 78: `cp .env.example
.env.local` said it read .env.local)."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", ["cp .env.example .env.local", "mv env.txt .env",
                                     "cp -f .env.example .env"])
def test_a_secrets_file_written_over_is_said_as_such(policy: Policy, command: str) -> None:
    segment = judge(policy, command).segments[0]
    assert segment.decision == "ask"
    assert (segment.reason or "").startswith("overwrites "), segment.reason


@pytest.mark.parametrize("command", ["cp .env.local backup.txt", "cat .env"])
def test_one_read_is_said_as_read(policy: Policy, command: str) -> None:
    segment = judge(policy, command).segments[0]
    assert segment.decision == "ask"
    assert (segment.reason or "").startswith("reads "), segment.reason


@pytest.mark.parametrize("command", ["cat x > .env", "echo TOKEN=1 >> .env.local",
                                     "sort -o .env env.txt", "printf x | tee .env > /dev/null",
                                     "echo registry=x > web/.npmrc && npm ci"])
def test_a_secrets_file_written_without_a_read_is_asked(policy: Policy, command: str) -> None:
    """`cat x > .env` was allowed where `cp x .env` was asked (red team 78 F7)."""
    decision = judge(policy, command)
    assert decision.decision == "ask"
    reasons = [v.reason for s in decision.segments for v in s.verdicts
               if v.rule == "protect.read"]
    assert reasons and all(r.endswith("(it may hold secrets)") for r in reasons), reasons


@pytest.mark.parametrize("command", ["cat x > .env.example", "echo x > notes.txt"])
def test_other_files_written_stay_allowed(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"
