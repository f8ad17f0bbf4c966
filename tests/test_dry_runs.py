"""`patch --dry-run` changes nothing, so the files its input names are no hazard (knowledge
`unseen_writes_unless`; precision probe 78); every other patch still is, and what its options
name is judged as before."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", ["patch -p1 --dry-run < fix.diff",
                                     "patch --dry -p1 -i fix.diff"])
def test_a_dry_run_is_allowed(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize(("command", "decision"), [
    ("patch -p1 < fix.diff", "ask"),
    ("patch -p1 --dry-run-x < fix.diff", "ask"),
    ("patch --dry-run -o ~/.bashrc < fix.diff", "deny"),
    ("patch --dry-run -p1 < ~/.ssh/id_rsa", "ask"),
])
def test_anything_else_is_judged_as_before(policy: Policy, command: str,
                                          decision: str) -> None:
    assert judge(policy, command).decision == decision
