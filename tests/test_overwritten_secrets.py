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
