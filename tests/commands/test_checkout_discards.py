"""`git checkout BRANCH` switches; `git checkout FILE` discards FILE's changes.

Every `git checkout` was asked as git-discard's "discards work", although switching to a
branch or a commit loses nothing: git refuses to switch when a change would be lost. The
effect `discards` now says which runs discard (program knowledge's `path_operands` and
options), and git-discard asks about those alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.knowledge import load_knowledge
from gatekeep.policy.model import Policy


def _tree(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "src").mkdir(parents=True)
    (work / "src" / "app.ts").write_text("x\n")
    (work / "README.md").write_text("x\n")
    (work / "gone").symlink_to(work / "nowhere")
    return work


def _effects(policy: Policy, work: Path, command: str) -> tuple[str, ...]:
    decision = judged_in(policy, work, command)
    described = decision.segments[-1].described
    assert described is not None
    return described[1]


@pytest.mark.parametrize("command", [
    "git checkout main", "git checkout -q feature/x", "git checkout v1.2.0",
    "git checkout HEAD~1", "git checkout -", "git checkout --detach main",
    "git checkout -b feature/y", "git checkout not-a-file",
])
def test_switching_discards_nothing(policy: Policy, tmp_path: Path, command: str) -> None:
    work = _tree(tmp_path)
    assert "discards" not in _effects(policy, work, command)
    assert judged_in(policy, work, command).decision == "allow"


@pytest.mark.parametrize("command", [
    # a file or directory that is there, from here or after a cd
    "git checkout README.md", "git checkout src", "git checkout .", "git checkout main src/app.ts",
    "cd src && git checkout app.ts", "git checkout --ours README.md", "git checkout gone",
    # what only git matches, or only the run knows
    "git checkout '*.ts'", "git checkout ':/'", 'git checkout "$name"',
    # every word after -- is a path, there or not
    "git checkout -- deleted.txt", "git checkout main -- deleted.txt",
    # options that discard by themselves
    "git checkout -f main", "git checkout --force main", "git checkout -p",
    "git checkout -m main", "git checkout --pathspec-from-file=list.txt",
    # paths from another directory, which the judge does not look at
    "git -C sub checkout app.ts",
    # red team 59: git's own matching, past what the file system shows
    "git checkout 'READM\\E.md'", "echo README.md | git checkout --pathspec-from=-",
    "git --icase-pathspecs checkout readme.md", "git --glob-pathspecs checkout x",
])
def test_naming_files_discards(policy: Policy, tmp_path: Path, command: str) -> None:
    work = _tree(tmp_path)
    assert "discards" in _effects(policy, work, command)
    assert judged_in(policy, work, command).decision == "ask"


def test_the_reason_says_what_it_discards(policy: Policy, tmp_path: Path) -> None:
    decision = judged_in(policy, _tree(tmp_path), "git checkout README.md")
    assert "discards uncommitted changes to files (discards)" in decision.segments[0].reason


def test_resetting_a_branch_is_asked(policy: Policy, tmp_path: Path) -> None:
    assert judged_in(policy, _tree(tmp_path), "git checkout -B main").decision == "ask"


def test_the_knowledge_reads_path_operands(tmp_path: Path) -> None:
    path = tmp_path / "programs.yaml"
    path.write_text("gatekeep-programs: 1\neffects:\n  tool:\n"
                    "    path_operands: {\"put back\": [discards, writes-tree]}\n")
    table = load_knowledge(path).effects["tool"]
    assert dict(table.path_operands) == {"put back": ("discards", "writes-tree")}
