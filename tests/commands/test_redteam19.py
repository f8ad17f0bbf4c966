"""Red team 19: repositories a boxed run makes where the clean-up after it does not look,
or that it takes for plain while a later git runs their settings (each test failed while
its attack worked)."""

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

FSMONITOR = (r"printf '[core]\n\trepositoryformatversion = 0\n"
             r"\tfsmonitor = touch $(CURDIR)/PWNED; false\n' > {0}")


@pytest.mark.parametrize("where", ["src/__pycache__"])
def test_a_repository_made_in_a_skipped_directory_that_was_there(sandbox: Sandbox,
                                                                 where: str) -> None:
    """gitdirs.repositories after the run did not look in the directories the scan before
    it passed over (a name in not_scanned), only in ones the run made. A ``__pycache__``
    that was there before the run was passed over: a repository the run made in it was
    never checked, and the operator's ``git add -A`` staged it (``*.pyc`` does not ignore
    it). The default policy now scans ``__pycache__``; a name git ignores whole
    (``node_modules``) stays skipped, and docs/sandbox.md says so."""
    _repo(sandbox.work)
    (sandbox.work / ".gitignore").write_text("*.pyc\n/target\n")
    (sandbox.work / where).mkdir(parents=True)
    (sandbox.work / where / "x.pyc").write_text("")
    _plant(sandbox, NEW_REPO.format(f"{where}/dep"), EVIL.format(f"{where}/dep"))
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


def test_a_commondir_naming_the_trees_git_modules(sandbox: Sandbox) -> None:
    """plainrepo.code_in accepts a commondir that names any of the tree's git dirs
    (``box.git_roots[1:]``), and ``.git/modules`` is one of them, though it is a place the
    box writes, not a git dir: git then reads ``.git/modules/config`` as the new
    repository's config; hold_made looks only at directories under it."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), "mkdir -p .git/modules",
           "mv foo/.git/objects foo/.git/refs .git/modules/",
           FSMONITOR.format(".git/modules/config"),
           "echo ../../.git/modules > foo/.git/commondir")
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


def test_a_tree_the_run_makes_a_repository_with_a_commondir(sandbox: Sandbox) -> None:
    """The tree is not a repository before the run. The run makes it one, its
    ``.git/config`` is removed after the run (an agent file), but a ``.git/commondir``
    naming a directory inside ``.git`` with a config is not: hold_new never looks at the
    tree's own ``.git``, and the walk does not go into a ``.git``."""
    _plant(sandbox, "git init -q .", "mkdir .git/x", "mv .git/objects .git/refs .git/x/",
           FSMONITOR.format(".git/x/config"), "echo x > .git/commondir")
    boxed = _boxed(sandbox)
    assert not _status(sandbox), boxed.stderr


def test_an_index_error_names_a_path_the_run_chose_raw(sandbox: Sandbox) -> None:
    """hold_staged puts gitindex.Unread's text into its warning as it is; the index it names
    is found through a ``.git`` file the run wrote (created._index), so the run chooses the
    path, terminal escapes and all."""
    _plant(sandbox, "mkdir -p $$'gd\\e]0;owned\\a\\e[2J'",
           "printf 'gitdir: gd\\e]0;owned\\a\\e[2J\\n' > .git",
           "truncate -s 300M $$'gd\\e]0;owned\\a\\e[2J/index'")
    boxed = _boxed(sandbox)
    assert "\x1b" not in boxed.stderr, boxed.stderr


def test_many_gitlinks_without_a_repository_ask_every_later_run(sandbox: Sandbox) -> None:
    """gitdirs._gitlinked put ``P/.git`` in ``absent`` for every gitlink of the index with
    no ``.git`` there, with no limit: one run staged 400,000 gitlinks and every later run
    took seconds to plan them. Past 10,000 the run is asked, with the cause named."""
    _repo(sandbox.work)
    _plant(sandbox, "git rev-parse HEAD > h",
           "awk -v h=$$(cat h) 'BEGIN{for(i=0;i<10001;i++) "
           "printf \"160000 %s 0\\tl/%d\\n\", h, i}' "
           "| git update-index --index-info")
    _boxed(sandbox)
    later = sandbox.gatekeep("run", "-c", "touch ran")
    assert later.returncode != 0
    assert "more than 10000 gitlinks are in" in later.stderr
    assert not (sandbox.work / "ran").exists()


def test_a_submodule_the_operator_clones_in_the_main_checkout_during_a_run(
        sandbox: Sandbox) -> None:
    """The tree is a linked worktree: gitdirs.protected lists the common git dir's
    ``modules`` (outside the tree, not writable in the box) among the places where a git dir
    the run makes is held. The operator's ``git submodule update --init`` in the main
    checkout while the run goes on makes ``main/.git/modules/sub``; after the run,
    hold_made moves it aside: the operator's submodule is broken."""
    import time

    lib = sandbox.root / "lib"
    lib.mkdir()
    _repo(lib)
    main = sandbox.root / "main"
    main.mkdir()
    _repo(main)
    _git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "sub", cwd=main)
    _git("commit", "-qm", "sub", cwd=main)
    _git("submodule", "deinit", "-q", "-f", "sub", cwd=main)
    subprocess.run(["rm", "-rf", str(main / ".git/modules")], check=True)
    os.rmdir(sandbox.work)
    _git("worktree", "add", "-q", sandbox.work, cwd=main)
    _plant(sandbox, "sleep 4")
    run = sandbox.spawn("run", "-c", "make")
    time.sleep(1.5)
    _git("-c", "protocol.file.allow=always", "submodule", "update", "-q", "--init", cwd=main)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 0, stderr
    assert (main / ".git/modules/sub").is_dir(), stderr
    _git("status", cwd=main / "sub")
