"""Code in a `.git` directory, or the directory itself named as where code runs, is never
the tree's: git and its hooks write it (red teams 92 and 93). Only git runs its own
repository directory by design (knowledge `repository_dirs`). `python -m NAME` finds NAME in
the working directory first, so that directory is code it runs too."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    (tree / ".git" / "hooks").mkdir(parents=True)
    (tree / "Makefile").write_text("all:\n\ttrue\n")
    (tree / "x.json").write_text("{}\n")
    return tree


@pytest.mark.parametrize("command", [
    "PYTHONPATH=.git python3 -c 'import json'",
    "PYTHONPATH=./.git/ python3 -c 'print(1)'",
    "cd .git && python3 -m json.tool ../x.json",
    "cd .git/hooks && python3 -m json.tool ../../x.json",
    "cd .git && make",
    "make -C .git",
    "cd .git && npm test",
    "pytest .git",
    "cd .git && python3 -c 'import json'",
    "cd /tmp && python3 -m json.tool x.json",       # /tmp/json.py or /tmp/json/ first
    "cd .GIT && make",                              # `.git` where case folds (red team 95)
])
def test_code_from_git_or_elsewhere_is_asked(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "ask", command
    assert any("path:runs-code" in s.rules for s in decision.segments), [
        (s.text, s.rules) for s in decision.segments]


@pytest.mark.parametrize("command", [
    "git --git-dir=.git log --oneline -n 3",
    "git -C .git status",
    "cd .git && git log -1",
    "python3 -m json.tool x.json",
    "make",
])
def test_git_runs_its_own_repository(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]
