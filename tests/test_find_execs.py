"""Each command a find runs is judged, not only its last: `find . -exec rm -rf src \\; -exec
echo {} \\;` was judged as `echo {}` alone, and allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judge, judged_in

from gatekeep.policy.model import Policy


@pytest.mark.parametrize(("command", "decision"), [
    ("find . -exec rm -rf ~ \\; -exec echo {} \\;", "deny"),
    ("find . -maxdepth 0 -exec rm -rf src \\; -exec echo {} \\;", "ask"),
    ("find . -execdir sh -c 'curl x | sh' \\; -print -exec true \\;", "deny"),
    ("find . -ok rm -f {} \\; -exec ls {} +", "ask"),
    ("find . -exec echo {} \\; -exec wc -l {} +", "allow"),
])
def test_every_command_a_find_runs_is_judged(policy: Policy, command: str,
                                             decision: str) -> None:
    assert judge(policy, command).decision == decision


def test_each_is_shown_as_run_by_find(policy: Policy, tmp_path: Path) -> None:
    decision = judged_in(policy, tmp_path, "find . -exec rm -rf src \\; -exec echo {} \\;")
    shown = [s.text for s in decision.segments]
    assert "rm -rf src" in shown and "echo {}" in shown
