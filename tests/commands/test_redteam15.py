"""A red team's findings on what gatekeep itself removes after a boxed run (each failed when
written): the clean-up runs outside the box with the operator's rights and follows any link
the box put on the way to a recorded path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def _git(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *map(str, args)], cwd=cwd, check=True, capture_output=True,
                          timeout=60)


def _plant(sandbox: Sandbox, *recipe: str) -> None:
    lines = ["SHELL := /bin/bash", "all:", *(f"\t{line}" for line in recipe)]
    (sandbox.work / "Makefile").write_text("\n".join(lines) + "\n")


def _repo(where: Path) -> None:
    _git("init", "-q", ".", cwd=where)
    (where / "a.txt").write_text("a\n")
    _git("add", "a.txt", cwd=where)
    _git("commit", "-qm", "first", cwd=where)


def _other_repo(sandbox: Sandbox) -> Path:
    """Another project of the operator's, outside the tree and out of the box's reach."""
    other = sandbox.home / "projects" / "other"
    other.mkdir(parents=True)
    _repo(other)
    return other


def test_a_submodule_git_pointer_reached_through_a_link_the_box_made_is_not_followed(
        sandbox: Sandbox) -> None:
    """Run 1 makes .git/modules/lib/config (the box writes .git/modules), so run 2 records
    lib/.git as a path that must not appear. Run 2 makes lib a link to another repository
    of the operator's; after it, gatekeep sees lib/.git "appear" and rmtree's it, through
    the link: the other repository's whole .git is gone."""
    work = sandbox.work
    _repo(work)
    other = _other_repo(sandbox)
    _plant(sandbox, "mkdir -p .git/modules/lib", "printf '[core]\\n\\tbare = false\\n' > "
                    ".git/modules/lib/config")
    first = sandbox.gatekeep("run", "-c", "make")
    assert first.returncode == 0, first.stderr

    _plant(sandbox, f"-rm -rf lib; ln -s {other} lib")
    second = sandbox.gatekeep("run", "-c", "make")
    assert second.returncode == 0, second.stderr

    assert (other / ".git" / "HEAD").exists(), second.stderr


def test_a_hooks_path_reached_through_a_link_the_box_made_is_not_followed(
        sandbox: Sandbox) -> None:
    """Run 1 writes a submodule config of its own naming core.hooksPath ``lnk/home``, not
    there yet: run 2 records it as a path that must not appear. Run 2 makes ``lnk`` a link
    to the home's parent; after it gatekeep rmtree's ``lnk/home``: the operator's home."""
    work = sandbox.work
    _repo(work)
    precious = sandbox.home / "Documents" / "thesis.tex"
    precious.parent.mkdir(parents=True)
    precious.write_text("years of work\n")
    _plant(sandbox, "mkdir -p .git/modules/x",
           "printf '[core]\\n\\thooksPath = lnk/home\\n' > .git/modules/x/config")
    first = sandbox.gatekeep("run", "-c", "make")
    assert first.returncode == 0, first.stderr

    _plant(sandbox, f"-ln -s {sandbox.home.parent} lnk")
    second = sandbox.gatekeep("run", "-c", "make")
    assert second.returncode == 0, second.stderr

    assert precious.exists(), second.stderr


def test_a_recorded_links_parent_swapped_for_a_link_is_not_followed(sandbox: Sandbox) -> None:
    """Run 1 leaves ``d/.claude`` as a link (a protected name at any depth): run 2 records
    it. Run 2 swaps ``d`` for a link to the home; restore_links reads ``~/.claude``, finds a
    directory, rmtree's the operator's ~/.claude and puts the box's link there instead."""
    work = sandbox.work
    _repo(work)
    settings = sandbox.home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text("{}\n")
    _plant(sandbox, "mkdir -p d evil", f"ln -s {work}/evil d/.claude")
    first = sandbox.gatekeep("run", "-c", "make")
    assert first.returncode == 0, first.stderr

    _plant(sandbox, f"-mv d d.old; ln -s {sandbox.home} d")
    second = sandbox.gatekeep("run", "-c", "make")
    assert second.returncode == 0, second.stderr

    assert not (sandbox.home / ".claude").is_symlink(), second.stderr
    assert settings.exists(), second.stderr


def test_a_submodule_git_dirs_commondir_cannot_be_made(sandbox: Sandbox) -> None:
    """The box keeps .git/modules/sub/config and hooks read-only, but not a ``commondir``
    there (it writes .git/modules): one naming a git dir of the box's own makes the
    submodule's git read that dir's config, and the superproject's next ``git status``
    outside the box runs its core.fsmonitor."""
    work = sandbox.work
    lib = sandbox.root / "lib"
    lib.mkdir()
    _repo(lib)
    _repo(work)
    _git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "sub", cwd=work)
    _git("commit", "-qm", "sub", cwd=work)
    evil = f"touch {work}/PWNED; false"
    _plant(sandbox, "-cp -r .git/modules/sub evil.git",
           f"-git config -f evil.git/config core.fsmonitor '{evil}'",
           "-echo ../../../evil.git > .git/modules/sub/commondir")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "status"], cwd=work, capture_output=True, check=False, timeout=60)

    assert not (work / "PWNED").exists(), boxed.stderr


def test_another_worktrees_config_worktree_not_there_yet_cannot_be_made(
        sandbox: Sandbox) -> None:
    """With extensions.worktreeConfig, git in a linked worktree reads
    .git/worktrees/NAME/config.worktree. Only the run's own git dir's one must not appear:
    the box makes the other worktree's, and the operator's next ``git status`` there runs
    its core.fsmonitor."""
    work = sandbox.work
    _repo(work)
    _git("config", "extensions.worktreeConfig", "true", cwd=work)
    other = sandbox.root / "wt2"
    _git("worktree", "add", "-q", other, cwd=work)
    assert not (work / ".git/worktrees/wt2/config.worktree").exists()
    evil = f"touch {work}/PWNED; false"
    _plant(sandbox, f"-printf '[core]\\n\\tfsmonitor = {evil}\\n' > "
                    ".git/worktrees/wt2/config.worktree")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "status"], cwd=other, capture_output=True, check=False, timeout=60)

    assert not (work / "PWNED").exists(), boxed.stderr


def test_a_submodules_config_worktree_cannot_be_made(sandbox: Sandbox) -> None:
    """A submodule with extensions.worktreeConfig reads .git/modules/sub/config.worktree;
    the box keeps that submodule's config read-only but not this file."""
    work = sandbox.work
    lib = sandbox.root / "lib"
    lib.mkdir()
    _repo(lib)
    _repo(work)
    _git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "sub", cwd=work)
    _git("commit", "-qm", "sub", cwd=work)
    _git("config", "extensions.worktreeConfig", "true", cwd=work / "sub")
    evil = f"touch {work}/PWNED; false"
    _plant(sandbox, f"-printf '[core]\\n\\tfsmonitor = {evil}\\n' > "
                    ".git/modules/sub/config.worktree")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "status"], cwd=work, capture_output=True, check=False, timeout=60)

    assert not (work / "PWNED").exists(), boxed.stderr


def test_check_names_a_config_too_large_without_an_internal_error(sandbox: Sandbox) -> None:
    """A box can leave a 3 GB .git/modules/x/config: ``run`` then refuses by name, but
    ``gatekeep check`` fails with an internal error (exit 70)."""
    work = sandbox.work
    _repo(work)
    (work / ".git/modules/x").mkdir(parents=True)
    os.truncate(os.open(work / ".git/modules/x/config", os.O_CREAT | os.O_WRONLY), 3 << 30)

    checked = sandbox.gatekeep("check", "-c", "make")
    assert "internal error" not in checked.stderr, checked.stderr


def test_a_deinit_submodules_path_swapped_for_a_link_in_one_run(sandbox: Sandbox) -> None:
    """No earlier run needed: a submodule that was deinit'ed keeps .git/modules/sub, and
    sub/.git is then a path that must not appear. One boxed run swaps ``sub`` for a link to
    another repository of the operator's; gatekeep rmtree's that repository's .git."""
    work = sandbox.work
    lib = sandbox.root / "lib"
    lib.mkdir()
    _repo(lib)
    _repo(work)
    _git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "sub", cwd=work)
    _git("commit", "-qm", "sub", cwd=work)
    _git("submodule", "deinit", "-q", "-f", "sub", cwd=work)
    other = _other_repo(sandbox)
    _plant(sandbox, f"-rm -rf sub; ln -s {other} sub")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr

    assert (other / ".git" / "HEAD").exists(), boxed.stderr
