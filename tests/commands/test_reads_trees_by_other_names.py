"""Options that make a program read whole trees, however they are spelt.

A tree read counts every protected entry under the directory named (`grep -r x ~` reads
`~/.ssh`). getopt_long takes any unambiguous start of a long option (`grep --recur`) and
argmatch any start of an option's value (`grep -d rec`); `cp -a` copies a tree without
`-r`; `ag` searches a tree given no option at all. Each was read as a plain read of the
directory itself, and allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judge

from gatekeep.policy.knowledge import load_knowledge
from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "grep --recur TOKEN ~", "grep --deref TOKEN ~", "egrep --recursi TOKEN ~",
    "grep -d rec TOKEN ~", "grep -drec TOKEN ~", "grep --dir=rec TOKEN ~",
    "grep --directories=recur TOKEN ~", "fgrep -d r TOKEN ~",
    "cp -a ~ backup", "cp -av ~ backup", "cp --archive ~ backup", "cp --arch ~ backup",
    "ag TOKEN ~",
])
def test_a_tree_read_by_another_spelling_is_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"


@pytest.mark.parametrize("command", [
    "grep -d read TOKEN ~", "grep -d skip TOKEN ~", "grep --recur TOKEN src",
    "cp -a src backup", "ag TOKEN src", "ag TOKEN",
    # `-d` is no recursion but grep's: cut's delimiter, date's date
    'cut -d "$x" -f1 ~', 'date -d "$x" +%s',
    # sort knows `--reverse`: its `--re` is that, not `--recursive`
    "sort --re ~",
])
def test_the_same_options_otherwise_are_as_before(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


def test_a_value_known_only_as_it_runs_may_be_recurse(policy: Policy) -> None:
    assert judge(policy, 'grep -d "$how" TOKEN ~').decision == "ask"


def test_ag_given_a_pager_runs_a_program(policy: Policy) -> None:
    decision = judge(policy, "ag --pager=./x TOKEN")
    assert decision.decision == "ask"
    assert "runs a program" in " ".join(v.reason for s in decision.segments
                                         for v in s.verdicts)


def test_the_knowledge_reads_options_with_and_without_a_value(tmp_path: Path) -> None:
    path = tmp_path / "programs.yaml"
    path.write_text("gatekeep-programs: 1\nprograms:\n  tool:\n"
                    "    reads_trees_with: [-a, --mode deep]\n")
    spec = load_knowledge(path).programs["tool"]
    assert dict(spec.reads_trees_with) == {"-a": "", "--mode": "deep"}
    assert "--mode" in spec.long_options
