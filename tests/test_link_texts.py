"""`ln -s TEXT LINK`: the text is resolved from the link's directory, where the system
resolves it (`ln -s ../data tests/data` points at ./data; precision probe 78 had it as a
write to ../data, outside the tree), and judged as a write there, where a later write
through the link lands."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"  # judged_in's home: tmp_path / "home"
    for directory in ("tests", "data", "src/deep"):
        (tree / directory).mkdir(parents=True)
    return tree


@pytest.mark.parametrize("command", [
    "ln -s ../data tests/data", "ln -s ../data tests/", "ln -sf ../data tests/data2",
    "ln -s -t tests ../data", "ln -s ../../data src/deep/data", "ln -sr data tests/data3",
    "ln -s data link",
])
def test_a_link_to_the_tree_is_allowed(policy: Policy, work: Path, command: str) -> None:
    assert judged_in(policy, work, command).decision == "allow", command


@pytest.mark.parametrize(("command", "decision"), [
    ("ln -s ../../x tests/x", "ask"),             # ../x from tests: outside the tree
    ("ln -s ../x link", "ask"),
    # beside another part that writes: from every place the link may be made
    ("ln -s ../../home/.bashrc tests/b && echo x >> tests/b", "deny"),
    ("ln -sT ../../.bashrc tests", "ask"),        # tests itself is the link: ../.. from work
    ("ln -sr ../data tests/d", "ask"),            # -r: from the cwd
    ("ln ../data tests/data", "ask"),             # a hard link: no text
])
def test_a_link_out_of_the_tree_is_judged_from_its_directory(
        policy: Policy, work: Path, command: str, decision: str) -> None:
    assert judged_in(policy, work, command).decision == decision, command
