"""Red team 17: repositories a boxed run makes, and gatekeep's clean-up after the run, which
runs outside the box with the operator's rights (each test failed while its attack worked);
and everyday ways agents make repositories, which the clean-up leaves alone."""

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


@pytest.mark.parametrize("place", ["worktrees", "modules"])
def test_a_git_dir_place_made_a_link_out_of_the_tree_moves_nothing_there(
        sandbox: Sandbox, place: str) -> None:
    """.git/worktrees and .git/modules are writable in the box and need not exist: the run
    makes one a link to a directory outside the tree, and the clean-up's hold_made lists
    through it and renames what it finds there, with the operator's rights."""
    _repo(sandbox.work)
    outside = sandbox.root / "outside"
    (outside / "precious").mkdir(parents=True)
    (outside / "precious/config").write_text("the operator's\n")
    (outside / "precious/HEAD").write_text("ref: refs/heads/main\n")
    _plant(sandbox, f"ln -s ../../outside .git/{place}")
    boxed = _boxed(sandbox)
    assert sorted(os.listdir(outside)) == ["precious"], boxed.stderr


def test_a_git_fifo_the_run_makes_does_not_hang_the_clean_up(sandbox: Sandbox) -> None:
    """A ``.git`` that is a FIFO: plainrepo._named opens it to read ``gitdir:`` without
    O_NONBLOCK, and no writer is left once the box is gone: gatekeep never returns."""
    _repo(sandbox.work)
    _plant(sandbox, "mkdir foo", "mkfifo foo/.git")
    boxed = sandbox.gatekeep("run", "-c", "make", timeout=15)
    assert boxed.returncode == 0, boxed.stderr


@pytest.mark.parametrize("pointer", [
    # git keeps what follows "gitdir: " as it is, blanks too; the check strips them
    "gitdir:  evil",
    "gitdir: evil ",
    # git has the kernel resolve "link/..": the check takes ".." away lexically
    "gitdir: link/../evil",
])
def test_a_git_file_read_otherwise_than_git_reads_it(sandbox: Sandbox, pointer: str) -> None:
    """A ``.git`` file whose ``gitdir:`` the check reads as naming a plain git dir, while
    git reads it as naming another one, with settings that run code."""
    _repo(sandbox.work)
    git_name = {"gitdir:  evil": "foo/ evil", "gitdir: evil ": "foo/evil ",
                "gitdir: link/../evil": "foo/deep/evil"}[pointer]
    _plant(sandbox, NEW_REPO.format("foo"), "cp -a foo/.git foo/evil",
           EVIL.format("foo"), "mkdir -p foo/deep/x; ln -s deep/x foo/link",
           f"mv foo/.git '{git_name}'", f"printf '{pointer}\\n' > foo/.git")
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


@pytest.mark.parametrize("where", ["lib/target/dep", "src/__pycache__/dep",
                                   "web/node_modules/dep"])
def test_a_repository_made_in_a_directory_the_scan_passes_over(sandbox: Sandbox,
                                                               where: str) -> None:
    """sandbox_paths.not_scanned names directories by name at any depth; hold_new passes
    over them too, but the operator's ``git add -A`` stages a repository there unless the
    tree ignores it (``/target`` in .gitignore does not cover lib/target)."""
    _repo(sandbox.work)
    (sandbox.work / ".gitignore").write_text("/target\n")
    _plant(sandbox, NEW_REPO.format(where), EVIL.format(where))
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr


def test_a_worktree_the_operator_adds_elsewhere_during_a_run_is_not_moved(
        sandbox: Sandbox) -> None:
    """The tree is a linked worktree (parallel agents each in one): its common git dir's
    ``worktrees`` directory is outside the tree. The operator adds another worktree of the
    main repository while the boxed run goes on; after the run, hold_made takes the new
    git dir for one the run made and moves it aside: the operator's worktree is broken."""
    import time

    main = sandbox.root / "main"
    main.mkdir()
    _repo(main)
    os.rmdir(sandbox.work)
    _git("worktree", "add", "-q", sandbox.work, cwd=main)
    _plant(sandbox, "sleep 4")
    run = sandbox.spawn("run", "-c", "make")
    time.sleep(1.5)
    _git("worktree", "add", "-q", sandbox.root / "other", cwd=main)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 0, stderr
    assert (main / ".git/worktrees/other").is_dir(), stderr
    _git("status", cwd=sandbox.root / "other")


def test_a_plain_repository_whose_git_dir_is_in_a_temp_dir(sandbox: Sandbox) -> None:
    """``git init --separate-git-dir`` in a temp dir: the repository is plain when the run
    ends, so it is left; the box writes temp dirs, and a later boxed run whose tree is not
    this one (the agent works in another directory) does not keep that git dir read-only:
    it sets core.fsmonitor there, which the operator's git in this tree runs."""
    _repo(sandbox.work)
    git_dir = sandbox.root / "tmp/gd"
    git_dir.parent.mkdir()
    _plant(sandbox, f"git init -q --separate-git-dir={git_dir} foo",
           "git -C foo -c user.name=t -c user.email=t@e commit -q --allow-empty -m x")
    first = _boxed(sandbox)
    elsewhere = sandbox.root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "Makefile").write_text(
        f"all:\n\tgit --git-dir={git_dir} config core.fsmonitor "
        f"'touch {sandbox.work}/PWNED; false'\n")
    second = sandbox.gatekeep("run", "-c", "make", cwd=elsewhere)
    assert second.returncode == 0, second.stderr
    assert not _status(sandbox, ["add", "-A"]), first.stderr + second.stderr


def test_a_directory_the_run_makes_a_bare_repository(sandbox: Sandbox) -> None:
    """git takes a directory holding HEAD, objects and refs for a (bare) repository before
    it looks for a .git above it: the run turns src/ into one, with core.worktree and
    core.fsmonitor; the operator's (or an editor's) git in src/ runs it. hold_new looks
    only for directories holding a .git."""
    _repo(sandbox.work)
    (sandbox.work / "src").mkdir()
    _plant(sandbox, "git init -q --bare src/tmp", "cp -r src/tmp/* src/; rm -rf src/tmp",
           "git -C src config core.worktree ..", "git -C src config core.bare false",
           EVIL.format("src"))
    boxed = _boxed(sandbox)
    subprocess.run(["git", "status"], cwd=sandbox.work / "src", capture_output=True,
                   check=False, timeout=60)
    assert not (sandbox.work / "PWNED").exists(), boxed.stderr


def test_an_index_outside_the_tree_that_cannot_be_read_is_not_moved(sandbox: Sandbox) -> None:
    """The tree is not a repository yet, so its index is read after every run. The run makes
    .git a file naming a directory outside the tree that holds a large file called
    ``index`` (any file over 256 MiB: its size is checked before what it is): hold_staged
    cannot read it and moves it aside, outside the tree, with the operator's rights."""
    data = sandbox.root / "data"
    data.mkdir()
    with open(data / "index", "wb") as handle:  # the operator's: sparse, 300 MiB
        handle.truncate(300 << 20)
    _plant(sandbox, "printf 'gitdir: ../data\\n' > .git")
    boxed = _boxed(sandbox)
    assert (data / "index").exists(), boxed.stderr


@pytest.mark.parametrize("name", [".x", "x.gatekeep-held", "refs", "hooks", "lfs"])
def test_a_submodule_git_dir_with_a_name_hold_made_passes_over(sandbox: Sandbox,
                                                               name: str) -> None:
    """hold_made passes over git dirs under .git/modules whose name starts with a dot or
    holds ".gatekeep-held" (meant for the ones it held itself); both are valid submodule
    names. The run makes such a git dir with core.fsmonitor, stages a gitlink for it and
    names it in .gitmodules (all writable in the box): the operator's
    ``git submodule update --init`` takes the git dir as the submodule's and runs it."""
    _repo(sandbox.work)
    _plant(sandbox, "mkdir -p .git/modules",
           f"git init -q --separate-git-dir=.git/modules/{name} x",
           "git -C x -c user.name=t -c user.email=t@e commit -q --allow-empty -m x",
           EVIL.format("x"),
           "git update-index --add --cacheinfo 160000,$$(git -C x rev-parse HEAD),x",
           f"printf '[submodule \"{name}\"]\\n\\tpath = x\\n\\turl = ./nowhere\\n' > .gitmodules",
           "rm -rf x")
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["submodule", "update", "--init"]), boxed.stderr


@pytest.mark.parametrize("recipe", [
    [NEW_REPO.format("foo"), "git -C foo config pull.rebase false",
     "git -C foo config core.autocrlf input", "git -C foo config init.defaultBranch main"],
    ["git clone -q . foo", "git -C foo sparse-checkout init --cone"],
    ["git worktree add -q wt"],
])
def test_everyday_repositories_an_agent_makes_are_left_alone(sandbox: Sandbox,
                                                             recipe: list[str]) -> None:
    """Settings that name no program (how to pull, line ends), a sparse checkout and a
    linked worktree: none is moved aside or warned about."""
    _repo(sandbox.work)
    _plant(sandbox, *recipe)
    boxed = _boxed(sandbox)
    assert "gatekeep: warning" not in boxed.stderr, boxed.stderr
    assert not list(sandbox.work.rglob("*.gatekeep-held*"))
