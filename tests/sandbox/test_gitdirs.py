"""The parts of a repository that make a later git run code, found from its work tree."""

from __future__ import annotations

from pathlib import Path

from gatekeep.sandbox.gitdirs import protected


def test_a_dot_git_file_leads_to_its_git_dir_and_common_dir(tmp_path: Path) -> None:
    common = tmp_path / "main/.git"
    linked = common / "worktrees/w"
    linked.mkdir(parents=True)
    (linked / "commondir").write_text("../..\n")
    (common / "config").write_text('[core]\n\thooksPath = "~/hooks"\n\tHOOKSPATH=.husky\n')
    tree = tmp_path / "w"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {linked}\n")

    guarded, absent = protected(str(tree), str(tmp_path / "home"))

    assert {str(tree / ".git"), str(linked / "config"), str(linked / "commondir"),
            str(common / "config"), str(common / "hooks"), str(common / "info"),
            str(linked / "config.worktree"), str(tmp_path / "home/hooks"),
            str(tree / ".husky")} <= set(guarded)
    assert absent == []


def test_a_missing_commondir_must_not_appear(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert protected(str(tmp_path), "/")[1] == [str(tmp_path / ".git/commondir")]


def test_no_repository_protects_nothing(tmp_path: Path) -> None:
    assert protected(str(tmp_path), "/") == ([], [])
