"""An action option replaces what its subcommand does (effects table `actions`): `git rebase
--abort` puts the branch back, and was said to replace a branch's commits (precision probe
78)."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy
from gatekeep.shell.knowledge import ProgramEffects


@pytest.mark.parametrize(("command", "said", "unsaid"), [
    ("git rebase --abort", "discards uncommitted changes", "replaces commits"),
    ("git rebase --quit", "writes or deletes files in the working tree", "replaces commits"),
    ("git rebase --show-current-patch", "reads files", "replaces commits"),
    ("git rebase --continue", "replaces commits", "discards"),
    ("git rebase -i main", "replaces commits", "discards"),
    ("git rebase --skip", "discards uncommitted changes", "nothing"),
])
def test_a_rebase_is_said_as_what_it_does(policy: Policy, command: str, said: str,
                                          unsaid: str) -> None:
    segment = judge(policy, command).segments[0]
    assert segment.decision == "ask"  # the policy asks every rebase (git-discard)
    reason = segment.reason or ""
    assert said in reason and unsaid not in reason, reason


def test_an_action_replaces_the_subcommand_and_the_options() -> None:
    table = ProgramEffects(subcommands={"rebase": ("rewrites-history",)},
                           options={"rebase --onto": ("writes-tree",)},
                           actions={"rebase --abort": ("discards",)})
    assert table.of(("rebase",), frozenset({"--abort", "--onto"}))[1] == ("discards",)
    assert table.of(("rebase",), frozenset({"--onto"}))[1] == ("rewrites-history",
                                                                "writes-tree")
