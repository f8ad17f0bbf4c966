"""The parts of a repository that make a later git run code, found from its work tree."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from gatekeep.sandbox import gitdirs
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


LINE_PARTS = st.sampled_from(["hookspath", "HooksPath", "hoo\u212aspath", "hook\u017fpath",
                              "hooks", "path", "PATH", "pa\u0307th", "\u0130", "\u0131",
                              "=", " ", "\t", "\u3000", "\x0b", "\x85", '"', "~/h", "x"])


@example("\thook\u017fpath = x")  # the long s matches ``s`` ignoring case: not in "hookspath"
@example("HOO\u212aSPATH=y")
@given(st.lists(LINE_PARTS | st.text(max_size=3), max_size=8).map("".join))
def test_a_config_line_skipped_unread_is_one_the_expression_cannot_match(line: str) -> None:
    """Only lines that may set ``core.hooksPath`` are matched (and load ``re``): every line
    the expression matches, in any case and with Unicode that matches ignoring case, passes."""
    if re.fullmatch(gitdirs._HOOKS_PATH, line, re.IGNORECASE):
        assert gitdirs._may_set_hooks_path(line)


def test_a_hooks_path_spelled_with_a_kelvin_sign_is_still_read(tmp_path: Path) -> None:
    git = tmp_path / ".git"
    git.mkdir()
    (git / "config").write_text("[core]\n\thoo\u212aspath = ../shared-hooks\n")
    assert str(tmp_path.parent / "shared-hooks") in protected(str(tmp_path), "/home/u")[0]
