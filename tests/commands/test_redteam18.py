"""Red team 18: repositories a boxed run makes that the clean-up after the run takes for
plain, or that make it fail; and the clean-up moving aside the operator's own repositories
(each test failed while its attack worked)."""

from __future__ import annotations

import os
import subprocess

import pytest
from gitbox import EVIL, NEW_REPO, Sandbox
from gitbox import boxed_run as _boxed
from gitbox import git as _git
from gitbox import plant as _plant
from gitbox import repo as _repo
from gitbox import status as _status

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def test_a_nul_in_a_subsection_makes_a_plain_key_another(sandbox: Sandbox) -> None:
    """git ends a key at a NUL in it (the name is a C string): ``[core "fsmonitor\\0"]``
    with ``bare = X`` sets core.fsmonitor. plainrepo._HEADER takes any character but a
    quote, a backslash or a line end in a subsection, and the key read is core.bare."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"),
           r"""printf '[core "fsmonitor\0"]\n\tbare = touch $(CURDIR)/PWNED\n' """
           ">> foo/.git/config")
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


def test_a_commondir_naming_the_tree_itself(sandbox: Sandbox) -> None:
    """plainrepo.code_in lets a commondir name any of the roots, and the tree is one: the
    new repository's common git dir is then the tree, whose ``config`` (and ``hooks``) git
    reads, while code_in reads only the git dir's own."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), "mv foo/.git/objects foo/.git/refs .",
           r"printf '[core]\n\tfsmonitor = touch $(CURDIR)/PWNED; false\n' > config",
           "echo ../.. > foo/.git/commondir")
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


def test_a_bare_repository_whose_refs_is_a_file(sandbox: Sandbox) -> None:
    """git takes a directory for a git dir when ``objects`` and ``refs`` pass access(X_OK):
    an executable file does. gitdirs.noted wants both to be directories."""
    _repo(sandbox.work)
    (sandbox.work / "src").mkdir()
    _plant(sandbox, "git init -q --bare src/tmp", "cp -r src/tmp/* src/; rm -rf src/tmp",
           "git -C src config core.worktree ..", "git -C src config core.bare false",
           EVIL.format("src"), "rm -rf src/refs; touch src/refs; chmod +x src/refs")
    boxed = _boxed(sandbox)
    subprocess.run(["git", "status"], cwd=sandbox.work / "src", capture_output=True,
                   check=False, timeout=60)
    assert not (sandbox.work / "PWNED").exists(), boxed.stderr


@pytest.mark.parametrize("recipe", [
    # a .git that is a link to a git dir: git uses it; code_in reads it as a .git file
    ["git init -q foo", "mv foo/.git foo/gd", "ln -s gd foo/.git"],
    # a commondir, or a config, that is a directory
    ["git init -q foo", "mkdir foo/.git/commondir"],
    ["git init -q foo", "rm foo/.git/config", "mkdir foo/.git/config"],
])
def test_a_directory_where_the_clean_up_reads_a_file(sandbox: Sandbox,
                                                     recipe: list[str]) -> None:
    """gitdirs.pointed and plainrepo._config open the path, then ``open(fd, "rb")``, which
    raises IsADirectoryError for a directory: the error escapes hold_repositories, holding
    nothing after it, and allowed.py reports it as the program's own failure to start
    ("gatekeep: bash: Is a directory", 126) in place of the command's status."""
    _repo(sandbox.work)
    _plant(sandbox, *recipe)
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert "Is a directory" not in boxed.stderr, boxed.stderr
    assert boxed.returncode == 0, boxed.stderr


def test_a_git_link_that_crashes_the_clean_up_keeps_its_settings(sandbox: Sandbox) -> None:
    """The same crash as an attack: foo/.git a link to a git dir with core.fsmonitor. The
    clean-up fails before it holds it, and the operator's ``git add -A`` runs it."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), EVIL.format("foo"), "mv foo/.git foo/gd",
           "ln -s gd foo/.git")
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


def test_an_operators_clone_the_run_stages_is_not_moved(sandbox: Sandbox) -> None:
    """An untracked clone of the operator's in the tree (there before the run): the agent's
    ``git add -A`` in the box stages it as a gitlink, and hold_staged moves the operator's
    ``.git`` aside (it does not check box.repositories). Its settings were kept read-only
    in the box: nothing in it is the run's."""
    _repo(sandbox.work)
    (sandbox.work / "vendor/lib").mkdir(parents=True)
    _repo(sandbox.work / "vendor/lib")
    _plant(sandbox, "git add -A 2>/dev/null")
    boxed = _boxed(sandbox)
    assert (sandbox.work / "vendor/lib/.git").is_dir(), boxed.stderr


def test_an_operators_repository_in_a_hidden_directory_is_not_moved(sandbox: Sandbox) -> None:
    """The pre-run scan does not look in a directory protect_read hides (``.terraform``),
    so the repositories there are not in box.repositories; the walk after the run does,
    and takes each with a setting outside PLAIN (here core.editor) for one the run made:
    every boxed run, even ``true``, moves the operator's ``.git`` aside."""
    _repo(sandbox.work)
    module = sandbox.work / ".terraform/modules/vpc"
    module.mkdir(parents=True)
    _repo(module)
    _git("config", "core.editor", "vim", cwd=module)
    _plant(sandbox, "true")
    boxed = _boxed(sandbox)
    assert (module / ".git").is_dir(), boxed.stderr
    assert "gatekeep: warning" not in boxed.stderr, boxed.stderr


def test_a_hook_name_in_the_warning_is_made_visible(sandbox: Sandbox) -> None:
    """code_in names the first hook it finds, and the warning shows that name as it is: a
    name with terminal escapes writes them to the operator's terminal."""
    _repo(sandbox.work)
    _plant(sandbox, "git init -q foo",
           "touch \"foo/.git/hooks/$$(printf 'x\\033]0;owned\\007\\033[2J')\"")
    boxed = _boxed(sandbox)
    assert "\x1b" not in boxed.stderr, boxed.stderr
    assert "\x07" not in boxed.stderr, boxed.stderr


def _index_v4(name: bytes) -> bytes:
    """A version 4 index with one gitlink, named ``name`` (git writes no such name)."""
    import hashlib

    entry = (bytes(24) + b"\x00\x00\xe0\x00" + bytes(12) + bytes.fromhex("11" * 20)
             + len(name).to_bytes(2, "big") + b"\x00" + name + b"\x00")
    body = b"DIRC" + (4).to_bytes(4, "big") + (1).to_bytes(4, "big") + entry
    return body + hashlib.sha1(body).digest()


@pytest.mark.parametrize("name", [b".", b"a/.."])
def test_a_gitlink_named_dot_moves_the_trees_own_git_dir(sandbox: Sandbox,
                                                         name: bytes) -> None:
    """gitindex._walk (version 4) keeps names that _name (versions 2 and 3) refuses: ``.``
    and ``..`` parts. The run writes .git/index with a gitlink named ``.``; hold_staged
    joins it to the tree, finds the tree's own .git, and moves the operator's repository
    aside: ``git status`` there then fails."""
    _repo(sandbox.work)
    (sandbox.work / "a").mkdir()
    (sandbox.root / "evil-index").write_bytes(_index_v4(name))
    _plant(sandbox, f"cp {sandbox.root}/evil-index .git/index")
    boxed = _boxed(sandbox)
    assert (sandbox.work / ".git").is_dir(), boxed.stderr


def test_a_git_file_with_a_nul_after_its_line_end(sandbox: Sandbox) -> None:
    """git strips the line ends at the end of the whole ``.git`` file, then reads the path
    up to a NUL: ``gitdir: ../.git/x\\n\\0y`` names ``.git/x\\n``. gitdirs.pointed cuts at
    the NUL first, then strips: it reads ``.git/x``, a plain copy (the walk never looks in
    .git), while git uses the git dir with core.fsmonitor."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), "cp -r foo/.git .git/x", EVIL.format("foo"),
           "mv foo/.git $$'.git/x\\n'", r"printf 'gitdir: ../.git/x\n\0y' > foo/.git")
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


def test_an_index_made_a_directory_breaks_this_run_and_the_next(sandbox: Sandbox) -> None:
    """gitindex._read opens the index and calls ``open(fd, "rb")`` before it checks what it
    is: a directory raises IsADirectoryError, which is not gitindex.Unread. The run makes
    .git/index a directory: its clean-up fails, and so does every later run's planning."""
    _repo(sandbox.work)
    _plant(sandbox, "rm .git/index; mkdir .git/index")
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    _plant(sandbox, "touch ran")
    second = sandbox.gatekeep("run", "-c", "make")
    assert "Is a directory" not in second.stderr and "internal error" not in second.stderr, \
        second.stderr


@pytest.mark.parametrize("recipe", [
    [NEW_REPO.format("foo"), "git -C foo config merge.conflictStyle diff3",
     "git -C foo config core.quotePath false"],
    ["git clone -q --mirror . foo.git"],
])
def test_more_everyday_repositories_are_left_alone(sandbox: Sandbox, recipe: list[str]) -> None:
    """Settings that name no program, and a mirror (a bare repository): neither is moved
    aside or warned about."""
    _repo(sandbox.work)
    _plant(sandbox, *recipe)
    boxed = _boxed(sandbox)
    assert "gatekeep: warning" not in boxed.stderr, boxed.stderr
    assert not list(sandbox.work.rglob("*.gatekeep-held*"))
