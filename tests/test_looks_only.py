"""A program that only looks at files, their names, sizes and times (`ls`, `stat`, `du`,
`test -f`: knowledge `looks_only`), reads no protected file's content: `ls -la .env*` and
`test -f .env` were asked as "reads .env" (precision probe 84), a false reason."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "ls -la .env*", "test -f .env && echo present", "[ -f .env ]", "stat .env",
    "du -sh .env", "ls ~/.ssh", "stat -c %s ~/.aws/credentials",
])
def test_looking_at_a_secret_file_is_no_read(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "decision"), [
    ("cat .env", "ask"),
    ("file .env", "ask"),                         # reads the start of it
    ("ls ~/.ssh/id_* | xargs cat", "ask"),        # what it lists is then read
    ("ls > .env", "ask"),                         # writes it
    ("du --files0-from=.env", "ask"),              # reads the names it holds
    ("ls -la $(cat .env)", "ask"),
])
def test_reading_it_is_judged_as_before(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision
