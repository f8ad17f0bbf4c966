"""The parts of a repository that make a later git run code, found from its work tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gatekeep.sandbox.gitdirs import protected


def kept(tree: Path | str, home: str) -> list[str]:
    """What a box may not change: the paths kept read-only and those that must not appear."""
    guarded, absent, *_ = protected(str(tree), home)
    return guarded + absent


def test_a_dot_git_file_leads_to_its_git_dir_and_common_dir(tmp_path: Path) -> None:
    common = tmp_path / "main/.git"
    linked = common / "worktrees/w"
    linked.mkdir(parents=True)
    (linked / "commondir").write_text("../..\n")
    (common / "config").write_text('[core]\n\thooksPath = "~/hooks"\n\tHOOKSPATH=.husky\n')
    tree = tmp_path / "w"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {linked}\n")

    (tree / ".husky").mkdir()  # one hooks directory there, one (in the home) not yet

    guarded, absent, *_ = protected(str(tree), str(tmp_path / "home"))

    assert {str(tree / ".git"), str(linked / "config"), str(linked / "commondir"),
            str(common / "config"), str(common / "hooks"), str(common / "info"),
            str(linked / "config.worktree"), str(tree / ".husky")} <= set(guarded)
    assert str(tmp_path / "home/hooks") in absent  # a command must not make it
    assert str(common / "config.worktree") in absent  # git reads it once it is there


def test_a_missing_commondir_must_not_appear(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert protected(str(tmp_path), "/")[1] == [str(tmp_path / ".git" / name) for name in (
        "commondir", "config.worktree", "config", "hooks", "remotes", "branches")]


def test_no_repository_protects_nothing(tmp_path: Path) -> None:
    guarded, absent, (index,), _ = protected(str(tmp_path), "/")
    assert (guarded, absent) == ([], [])
    # a repository the run makes is read after it: every gitlink in it then is new
    assert (index.path, index.stamp, index.gitlinks) == (str(tmp_path / ".git/index"), None, ())


def test_a_hooks_path_spelled_with_a_kelvin_sign_is_still_read(tmp_path: Path) -> None:
    git = tmp_path / ".git"
    git.mkdir()
    (git / "config").write_text("[core]\n\thoo\u212aspath = ../team-hooks\n")
    assert str(tmp_path.parent / "team-hooks") in kept(tmp_path, "/home/u")


def git_reads(config: Path) -> str | None:
    """``core.hooksPath`` as git itself reads it from ``config``; None when git reads none
    (or rejects the file)."""
    result = subprocess.run(["git", "config", "--file", str(config), "--null", "--get",
                             "core.hooksPath"], capture_output=True, check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "surrogateescape").removesuffix("\0")


@pytest.mark.parametrize("config", [
    "[core] hooksPath = .githooks\n",              # the key on the section's line
    "[core]\n\thooksPath = .githooks ; for the team\n",  # a comment after the value
    "[core]\n\thooksPath = .githooks # for the team\n",
    '[core]\n\thooksPath = ".git" hooks\n',
    "[core]\n\thooksPath = .git\\\nhooks\n",       # a line continued
])
def test_every_form_of_hooks_path_git_reads_is_kept_read_only(tmp_path: Path,
                                                               config: str) -> None:
    git = tmp_path / ".git"
    git.mkdir()
    (git / "config").write_text(config)
    assert git_reads(git / "config") in (".githooks", ".git hooks")
    assert str(tmp_path / git_reads(git / "config")) in kept(tmp_path, "/h")


VALUE_PARTS = st.sampled_from(["a", "b", "/", ".", " ", "\t", '"', "\\", "\\\\", '\\"', "\\n",
                               "\\t", ";", "#", "=", "[", "]", "x y"])


@settings(max_examples=300, deadline=None,  # git rejects about half (bad escapes, quotes)
          suppress_health_check=[HealthCheck.filter_too_much])
@given(value=st.lists(VALUE_PARTS, min_size=1, max_size=10).map("".join),
       header=st.sampled_from(["[core]\n\t", "[core] ", "[core]\n"]),
       split=st.integers(min_value=0, max_value=12))
def test_the_hooks_path_git_reads_is_always_among_those_kept(
        tmp_path_factory: pytest.TempPathFactory, value: str, header: str, split: int) -> None:
    """Differential, against git itself: whatever value git reads for core.hooksPath (quotes,
    escapes, comments, a line continued), the scan keeps that path read-only."""
    tree = tmp_path_factory.mktemp("tree")
    (tree / ".git").mkdir()
    line = f"hooksPath = {value}"
    if 0 < split < len(line) and not line[:split].endswith("\\"):
        line = line[:split] + "\\\n" + line[split:]  # continued on the next line
    config = tree / ".git" / "config"
    config.write_text(f"{header}{line}\n")
    read = git_reads(config)
    assume(read)  # git rejected the line, or read an empty value
    assert read is not None
    assert os.path.normpath(os.path.join(tree, read)) in kept(tree, "/h")


def repository(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    return tree


def test_a_file_the_config_includes_is_kept_read_only_and_its_hooks_path_too(
        tmp_path: Path) -> None:
    """A project that shares settings through ``include.path = ../.gitconfig``: a command
    that could write that file could set core.fsmonitor or core.hooksPath for the next git
    run outside the box."""
    tree = repository(tmp_path)
    (tree / ".gitconfig").write_text("[core]\n\thooksPath = team-hooks\n"
                                     "[include]\n\tpath = nested.cfg\n")
    subprocess.run(["git", "-C", str(tree), "config", "include.path", "../.gitconfig"],
                   check=True)
    read = subprocess.run(["git", "-C", str(tree), "config", "core.hooksPath"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert read == "team-hooks"  # git reads the included file as its own config
    guarded, absent, *_ = protected(str(tree), "/h")
    assert str(tree / ".gitconfig") in guarded
    assert str(tree / "team-hooks") in absent  # not made yet: a command must not make it
    assert str(tree / "nested.cfg") in absent  # relative to the file that names it: a
    # command that made it would add to git's config


def test_an_included_file_under_any_condition_and_in_the_home_is_kept(tmp_path: Path) -> None:
    tree = repository(tmp_path)
    with (tree / ".git" / "config").open("a") as config:
        config.write('[includeIf "gitdir:/elsewhere/"]\n\tpath = "../local.cfg" ; why\n'
                     "[INCLUDE] path = ~/team.cfg\n")
    absent = protected(str(tree), str(tmp_path / "home"))[1]
    assert str(tree / "local.cfg") in absent
    assert str(tmp_path / "home" / "team.cfg") in absent


def test_a_path_in_another_section_is_not_an_include(tmp_path: Path) -> None:
    tree = repository(tmp_path)
    with (tree / ".git" / "config").open("a") as config:
        config.write('[submodule "lib"]\n\tpath = lib\n[alias]\n\tpath = !echo\n')
    guarded, absent, *_ = protected(str(tree), "/h")
    assert not [p for p in guarded + absent if p.endswith(("/lib", "!echo"))]
