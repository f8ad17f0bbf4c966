"""What a repository a boxed run made may hold and still run nothing in a later git: what
the real ``git init`` and ``git clone`` write passes, anything else is named."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gatekeep.sandbox.gitdirs import repositories
from gatekeep.sandbox.plainrepo import code_in as code_in_repository


def code_in(git: str) -> str | None:
    """What ``plainrepo.code_in`` finds, with the temp dir the tree."""
    return code_in_repository(git, str(Path(git).parents[2]), ())


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.mark.parametrize("made", [["init", "-q", "r"],
                                  ["init", "-q", "--object-format=sha256", "r"],
                                  ["clone", "-q", "origin", "r"],
                                  ["clone", "-q", "--separate-git-dir=g", "origin", "r"]])
def test_what_git_writes_runs_nothing(tmp_path: Path, made: list[str]) -> None:
    _git("init", "-q", "origin", cwd=tmp_path)
    _git("-C", "origin", "commit", "-q", "--allow-empty", "-m", "x", cwd=tmp_path)
    _git(*made, cwd=tmp_path)
    _git("-C", "r", "config", "user.name", "A Name", cwd=tmp_path)
    _git("-C", "r", "remote", "add", "other", "https://example.org/x.git", cwd=tmp_path)
    assert code_in(str(tmp_path / "r/.git")) is None


@pytest.mark.parametrize(("setting", "named"), [
    (["config", "core.fsmonitor", "touch x"], "config sets core.fsmonitor"),
    (["config", "core.hooksPath", "h"], "config sets core.hookspath"),
    (["config", "include.path", "../x"], "config sets include.path"),
    (["config", "filter.f.clean", "x"], "config sets filter.clean"),
    (["config", "remote.origin.uploadpack", "x"], "config sets remote.uploadpack"),
    (["config", "user.name", 'a "quoted" name'], "config has a line git init does not write"),
])
def test_a_setting_git_init_does_not_write_is_named(tmp_path: Path, setting: list[str],
                                                    named: str) -> None:
    _git("init", "-q", "r", cwd=tmp_path)
    _git("-C", "r", *setting, cwd=tmp_path)
    assert code_in(str(tmp_path / "r/.git")) == named


@pytest.mark.parametrize("line", ["[core] fsmonitor = x", "\tfsmonitor = x ; comment",
                                  "\tfsmonitor = x \\", '[core "x"] fsmonitor = y',
                                  "\turl = a\\\n\tfsmonitor = b", "\ufeff[core]"])
def test_a_line_written_otherwise_than_git_init_does_is_not_read_as_plain(
        tmp_path: Path, line: str) -> None:
    _git("init", "-q", "r", cwd=tmp_path)
    with (tmp_path / "r/.git/config").open("a", encoding="utf-8") as config:
        config.write(line + "\n")
    assert code_in(str(tmp_path / "r/.git")) is not None


def test_hooks_and_pointers_are_code(tmp_path: Path) -> None:
    _git("init", "-q", "r", cwd=tmp_path)
    (tmp_path / "r/.git/hooks/pre-commit").write_text("#!/bin/sh\n")
    assert code_in(str(tmp_path / "r/.git")) == "hooks directory holds pre-commit"
    (tmp_path / "r/.git/hooks/pre-commit").unlink()
    (tmp_path / "r/.git/commondir").write_text("../elsewhere\n")
    assert code_in(str(tmp_path / "r/.git")) == \
        "git dir has a commondir other than the tree's own git dir"
    (tmp_path / "p").mkdir()
    (tmp_path / "p/.git").write_text("gitdir: ../nowhere\n")
    assert code_in(str(tmp_path / "p/.git")) == ".git is not a directory or a file that names one"


def test_submodules_of_its_own_are_code(tmp_path: Path) -> None:
    """``git submodule update`` would use their git dirs, hooks and all."""
    _git("init", "-q", "r", cwd=tmp_path)
    (tmp_path / "r/.git/modules/sub").mkdir(parents=True)
    assert code_in(str(tmp_path / "r/.git")) == "git dir has submodules"


def test_the_walk_finds_repositories_but_not_in_skipped_names(tmp_path: Path) -> None:
    for repo in ("a", "b/c", "node_modules/d", "a/e"):
        (tmp_path / repo / ".git").mkdir(parents=True)
    skip = frozenset(("node_modules",))
    walked, whole = repositories(str(tmp_path), skip, 1000, frozenset())
    # a skipped name not passed over before (new since) is looked in
    assert whole and sorted(walked.dots) == [str(tmp_path / p) for p in (
        "a", "a/e", "b/c", "node_modules/d")]
    walked, _ = repositories(str(tmp_path), skip, 1000, frozenset([str(tmp_path / "node_modules")]))
    assert sorted(walked.dots) == [str(tmp_path / p) for p in ("a", "a/e", "b/c")]
    assert repositories(str(tmp_path), frozenset(), 3, frozenset())[1] is False
