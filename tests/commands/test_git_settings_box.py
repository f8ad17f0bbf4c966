"""Red teams' findings on the box and git: what a boxed command could leave for a later git
outside the box, and what gatekeep's own clean-up after a run could be made to remove (each
test failed before its fix). The clean-up runs outside the box with the operator's rights."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gitbox import (
    EVIL,
    HOOK,
    NEW_REPO,
    Sandbox,
)
from gitbox import boxed_run as _boxed
from gitbox import git as _git
from gitbox import plant as _plant
from gitbox import repo as _repo
from gitbox import status as _status

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def _ran_outside(sandbox: Sandbox, where: Path | None = None) -> bool:
    """Run ``make`` boxed, then the operator's ``git status`` outside the box: whether a
    command the box planted (``touch WORK/PWNED``) ran."""
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "status"], cwd=where or sandbox.work, capture_output=True,
                   check=False, timeout=60)
    return (sandbox.work / "PWNED").exists()


def _run_twice(sandbox: Sandbox, first: list[str], second: list[str]) -> Any:
    """Two boxed runs of ``make``, each with its own recipe: what the first leaves in the
    tree is read by the second's planning. The second run's result."""
    for recipe in (first, second):
        _plant(sandbox, *recipe)
        boxed = sandbox.gatekeep("run", "-c", "make")
        assert boxed.returncode == 0, boxed.stderr
    return boxed


def _with_submodule(sandbox: Sandbox) -> Path:
    """The work tree as a repository with a submodule ``sub`` (from ``lib``), committed."""
    work = sandbox.work
    lib = sandbox.root / "lib"
    lib.mkdir()
    _repo(lib)
    _repo(work)
    _git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "sub", cwd=work)
    _git("commit", "-qm", "sub", cwd=work)
    return work





@pytest.mark.parametrize(("layout", "swap"), [
    # .git/hooks is a link to hooks the project keeps in its tree
    ("git-hooks-link", "rm .git/hooks; mkdir .git/hooks; " + HOOK.format(".git/hooks")),
    # core.hooksPath names a link in the tree
    ("hookspath-link", "rm .githooks; mkdir .githooks; " + HOOK.format(".githooks")),
    # include.path names a link in the tree
    ("include-link", "rm .gitconfig; printf '[core]\\n\\thooksPath = evil\\n' > .gitconfig; "
                     "mkdir evil; " + HOOK.format("evil")),
])
def test_a_link_the_settings_pass_through_cannot_be_swapped(sandbox: Sandbox, layout: str,
                                                            swap: str) -> None:
    work = sandbox.work
    _repo(work)
    if layout == "git-hooks-link":
        (work / "githooks").mkdir()
        os.rename(work / ".git/hooks", work / "githooks/samples")
        os.symlink("../githooks", work / ".git/hooks")
    if layout == "hookspath-link":
        (work / "tools/hooks").mkdir(parents=True)
        os.symlink("tools/hooks", work / ".githooks")
        _git("config", "core.hooksPath", ".githooks", cwd=work)
    if layout == "include-link":
        (work / "tools").mkdir()
        (work / "tools/gitconfig").write_text("[alias]\n\tst = status\n")
        os.symlink("tools/gitconfig", work / ".gitconfig")
        _git("config", "include.path", "../.gitconfig", cwd=work)
    _plant(sandbox, f"-{swap}")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    (work / "b.txt").write_text("b\n")
    _git("add", "b.txt", cwd=work)
    _git("commit", "-qm", "second", cwd=work)  # the operator's next commit, outside the box

    assert not (work / "PWNED").exists(), boxed.stderr
    assert "which changes what git runs; put the link back" in boxed.stderr


def test_control_without_a_link_the_swap_fails(sandbox: Sandbox) -> None:
    """The same swap where .githooks is a directory, not a link: the box stops it."""
    work = sandbox.work
    _repo(work)
    (work / ".githooks").mkdir()
    _git("config", "core.hooksPath", ".githooks", cwd=work)
    _plant(sandbox, "-rm -rf .githooks; mkdir .githooks; " + HOOK.format(".githooks"))
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    (work / "b.txt").write_text("b\n")
    _git("add", "b.txt", cwd=work)
    _git("commit", "-qm", "second", cwd=work)
    assert not (work / "PWNED").exists(), boxed.stderr


@pytest.mark.parametrize("populated", [True, False])
def test_a_submodules_git_link_in_the_work_tree_cannot_be_swapped(sandbox: Sandbox,
                                                                  populated: bool) -> None:
    """A submodule's work tree holds a ``.git`` file (``gitdir: ../.git/modules/sub``); the
    superproject's ``git status`` runs git in it, which reads the config it names. The box
    keeps .git/modules/sub/config read-only but not sub/.git: a command points it at a git
    dir of its own (core.fsmonitor) and the next ``git status`` outside runs that."""
    work = _with_submodule(sandbox)
    if not populated:  # registered (a gitlink in the index) but never checked out
        _git("submodule", "deinit", "-q", "-f", "sub", cwd=work)
    evil = f"touch {work}/PWNED; false"
    _plant(sandbox, f"-rm -rf sub/.git; git init -q sub; git -C sub config core.fsmonitor '{evil}'")

    assert not _ran_outside(sandbox)


def test_a_config_worktree_git_reads_but_that_is_not_there_yet(sandbox: Sandbox) -> None:
    """With extensions.worktreeConfig, git reads .git/config.worktree; one not made yet is
    neither bound nor removed after the run."""
    work = sandbox.work
    _repo(work)
    _git("config", "extensions.worktreeConfig", "true", cwd=work)
    assert not (work / ".git/config.worktree").exists()
    evil = f"touch {work}/PWNED; false"
    _plant(sandbox, f"-printf '[core]\\n\\tfsmonitor = {evil}\\n' > .git/config.worktree")

    assert not _ran_outside(sandbox)


@pytest.mark.parametrize("make", ["mkfifo .git/modules/x/config",
                                  "ln -s /dev/zero .git/modules/x/config"])
def test_a_submodule_config_the_box_makes_cannot_stop_the_next_run(sandbox: Sandbox,
                                                                   make: str) -> None:
    """Every boxed run reads each ``config`` under .git/modules (a directory the box
    writes): a FIFO there hung the next run's scan for ever, a link to /dev/zero made it
    read without end. Neither is a file git reads settings from: both are passed over."""
    work = sandbox.work
    _repo(work)
    _plant(sandbox, "mkdir -p .git/modules/x", make)
    assert sandbox.gatekeep("run", "-c", "make").returncode == 0

    try:
        second = subprocess.run(["prlimit", "--as=4000000000",
                                 str(Path(sys.executable).parent / "gatekeep"),
                                 "run", "-c", "true"], cwd=work, env=sandbox.env,
                                capture_output=True, text=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the next boxed run hangs")
    assert second.returncode == 0, second.stderr



def test_a_config_too_large_to_read_on_every_run_refuses_the_run_and_names_it(
        sandbox: Sandbox) -> None:
    """A regular file git would read in full (3 GB, sparse) cannot be scanned on every run:
    the run needs the operator's approval (none here: nothing runs), and says why."""
    work = sandbox.work
    _repo(work)
    _plant(sandbox, "mkdir -p .git/modules/x", "truncate -s 3G .git/modules/x/config")
    assert sandbox.gatekeep("run", "-c", "make").returncode == 0

    second = subprocess.run([str(Path(sys.executable).parent / "gatekeep"), "run", "-c",
                             "touch ran"], cwd=work, env=sandbox.env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert second.returncode != 0
    assert "config is larger than 16777216 bytes" in second.stderr  # x, moved aside
    assert "the repository's git settings cannot be read for the box" in second.stderr
    assert "gatekeep: not run: it needs the operator's approval" in second.stderr
    assert not (work / "ran").exists()


def test_what_a_link_put_above_an_absent_path_leads_to_is_never_removed(
        sandbox: Sandbox) -> None:
    """A submodule registered but not checked out: its ``.git`` must not appear, and one the
    command made is removed after the run. A command that puts a link to the operator's own
    repository in place of the submodule's directory must not have gatekeep remove that
    repository's ``.git``: what lies above the path is checked first, and left alone."""
    work = sandbox.work
    lib, precious = sandbox.root / "lib", sandbox.root / "precious"
    lib.mkdir()
    precious.mkdir()
    _repo(lib)
    _repo(precious)
    _repo(work)
    _git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "sub", cwd=work)
    _git("commit", "-qm", "sub", cwd=work)
    _git("submodule", "deinit", "-q", "-f", "sub", cwd=work)
    _plant(sandbox, f"-rm -rf sub; ln -s {precious} sub")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert (precious / ".git" / "HEAD").exists(), boxed.stderr
    assert "the command changed the directories above sub/.git" in boxed.stderr


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
    of the operator's; after it, gatekeep saw lib/.git "appear" and removed it, through
    the link: the other repository's whole .git was gone."""
    work = sandbox.work
    _repo(work)
    other = _other_repo(sandbox)
    second = _run_twice(sandbox, ["mkdir -p .git/modules/lib",
                                  "printf '[core]\\n\\tbare = false\\n' > .git/modules/lib/config"],
                        [f"-rm -rf lib; ln -s {other} lib"])

    assert (other / ".git" / "HEAD").exists(), second.stderr


def test_a_hooks_path_reached_through_a_link_the_box_made_is_not_followed(
        sandbox: Sandbox) -> None:
    """Run 1 writes a submodule config of its own naming core.hooksPath ``lnk/home``, not
    there yet: run 2 records it as a path that must not appear. Run 2 makes ``lnk`` a link
    to the home's parent; after it gatekeep removed ``lnk/home``: the operator's home."""
    work = sandbox.work
    _repo(work)
    precious = sandbox.home / "Documents" / "thesis.tex"
    precious.parent.mkdir(parents=True)
    precious.write_text("years of work\n")
    second = _run_twice(sandbox, ["mkdir -p .git/modules/x",
                                  "printf '[core]\\n\\thooksPath = lnk/home\\n' > "
                                  ".git/modules/x/config"],
                        [f"-ln -s {sandbox.home.parent} lnk"])

    assert precious.exists(), second.stderr


def test_a_recorded_links_parent_swapped_for_a_link_is_not_followed(sandbox: Sandbox) -> None:
    """Run 1 leaves ``d/.claude`` as a link (a protected name at any depth): run 2 records
    it. Run 2 swaps ``d`` for a link to the home; restore_links read ``~/.claude``, found a
    directory, removed the operator's ~/.claude and put the box's link there instead."""
    work = sandbox.work
    _repo(work)
    settings = sandbox.home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text("{}\n")
    second = _run_twice(sandbox, ["mkdir -p d evil", f"ln -s {work}/evil d/.claude"],
                        [f"-mv d d.old; ln -s {sandbox.home} d"])

    assert not (sandbox.home / ".claude").is_symlink(), second.stderr
    assert settings.exists(), second.stderr


def test_a_submodule_git_dirs_commondir_cannot_be_made(sandbox: Sandbox) -> None:
    """The box keeps .git/modules/sub/config and hooks read-only, but not a ``commondir``
    there (it writes .git/modules): one naming a git dir of the box's own makes the
    submodule's git read that dir's config, and the superproject's next ``git status``
    outside the box runs its core.fsmonitor."""
    work = _with_submodule(sandbox)
    evil = f"touch {work}/PWNED; false"
    _plant(sandbox, "-cp -r .git/modules/sub evil.git",
           f"-git config -f evil.git/config core.fsmonitor '{evil}'",
           "-echo ../../../evil.git > .git/modules/sub/commondir")

    assert not _ran_outside(sandbox)


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

    assert not _ran_outside(sandbox, other)


def test_a_submodules_config_worktree_cannot_be_made(sandbox: Sandbox) -> None:
    """A submodule with extensions.worktreeConfig reads .git/modules/sub/config.worktree;
    the box keeps that submodule's config read-only but not this file."""
    work = _with_submodule(sandbox)
    _git("config", "extensions.worktreeConfig", "true", cwd=work / "sub")
    evil = f"touch {work}/PWNED; false"
    _plant(sandbox, f"-printf '[core]\\n\\tfsmonitor = {evil}\\n' > "
                    ".git/modules/sub/config.worktree")

    assert not _ran_outside(sandbox)


def test_check_names_a_config_too_large_without_an_internal_error(sandbox: Sandbox) -> None:
    """A box can leave a 3 GB .git/modules/x/config: ``run`` then asks, naming it, and
    ``gatekeep check`` failed with an internal error (exit 70); it now shows why."""
    work = sandbox.work
    _repo(work)
    (work / ".git/modules/x").mkdir(parents=True)
    os.truncate(os.open(work / ".git/modules/x/config", os.O_CREAT | os.O_WRONLY), 3 << 30)

    checked = sandbox.gatekeep("check", "-c", "make")
    assert "internal error" not in checked.stderr, checked.stderr
    assert ("the repository's git settings cannot be read for the box: "
            f"{work}/.git/modules/x/config is larger than") in checked.stdout + checked.stderr


def test_a_deinit_submodules_path_swapped_for_a_link_in_one_run(sandbox: Sandbox) -> None:
    """No earlier run needed: a submodule that was deinit'ed keeps .git/modules/sub, and
    sub/.git is then a path that must not appear. One boxed run swaps ``sub`` for a link to
    another repository of the operator's; gatekeep removed that repository's .git."""
    work = _with_submodule(sandbox)
    _git("submodule", "deinit", "-q", "-f", "sub", cwd=work)
    other = _other_repo(sandbox)
    _plant(sandbox, f"-rm -rf sub; ln -s {other} sub")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr

    assert (other / ".git" / "HEAD").exists(), boxed.stderr


def _nested(where: Path) -> None:
    """A repository with one commit at ``where``, made by the test (outside any box)."""
    where.mkdir(parents=True, exist_ok=True)
    _repo(where)


def test_a_repository_the_box_stages_as_a_gitlink_is_held(sandbox: Sandbox) -> None:
    """The index is writable in the box (commits there need it): a command made a repository
    in the tree, staged it (a gitlink) and set its core.fsmonitor, which the superproject's
    next ``git status`` outside the box ran. Its ``.git`` is now moved aside, history and
    all, and the operator is told where."""
    work = sandbox.work
    _repo(work)
    _plant(sandbox, "git init -q foo",
           "git -C foo -c user.name=t -c user.email=t@e commit -q --allow-empty -m x",
           "-git add foo", EVIL.format("foo"))

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "status"], cwd=work, capture_output=True, check=False, timeout=60)

    assert not (work / "PWNED").exists(), boxed.stderr
    assert ("gatekeep: warning: the command staged foo, a repository, as a gitlink, which "
            "changes what git runs; moved it to foo/.git.gatekeep-held: check its config and "
            "hooks before moving it back") in boxed.stderr
    kept = subprocess.run(["git", "--git-dir", work / "foo/.git.gatekeep-held", "log",
                           "--format=%s"], capture_output=True, text=True, check=True)
    assert kept.stdout == "x\n"  # nothing the command made is lost


def test_an_embedded_repository_already_staged_keeps_its_settings(sandbox: Sandbox) -> None:
    """A repository the operator staged in the tree (a gitlink with its own ``.git``
    directory, not a submodule under .git/modules): its config was writable in the box."""
    work = sandbox.work
    _repo(work)
    _nested(work / "vendor/lib")
    _git("add", "vendor/lib", cwd=work)
    _plant(sandbox, "-" + EVIL.format("vendor/lib"))

    assert not _ran_outside(sandbox)


def test_a_registered_gitlink_without_a_repository_gets_none(sandbox: Sandbox) -> None:
    """A gitlink in the index with nothing checked out and no git dir under .git/modules:
    the box could make a repository there, which the next ``git status`` entered."""
    work = sandbox.work
    _nested(sandbox.root / "elsewhere")
    _repo(work)
    _nested(work / "dep")
    _git("add", "dep", cwd=work)
    _git("commit", "-qm", "dep", cwd=work)
    subprocess.run(["rm", "-rf", work / "dep"], check=True)
    (work / "dep").mkdir()
    _plant(sandbox, "git init -q dep", EVIL.format("dep"))

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "status"], cwd=work, capture_output=True, check=False, timeout=60)

    assert not (work / "PWNED").exists(), boxed.stderr
    assert (work / "dep/.git.gatekeep-held/config").exists()
    assert "the command created dep/.git, which changes what git runs; moved it to " \
           "dep/.git.gatekeep-held" in boxed.stderr


def test_a_gitlink_staged_inside_a_submodule_is_held(sandbox: Sandbox) -> None:
    """``git status`` recurses: a repository staged in a submodule's index runs there too."""
    work = _with_submodule(sandbox)
    _plant(sandbox, "cd sub && git init -q inner && git -C inner -c user.name=t -c "
           "user.email=t@e commit -q --allow-empty -m x && git add inner 2>/dev/null && "
           + EVIL.format("inner"))

    assert not _ran_outside(sandbox), (work / "sub/inner").exists()
    assert (work / "sub/inner/.git.gatekeep-held").is_dir()


def test_a_staged_gitlink_that_leads_out_of_the_tree_is_not_moved(sandbox: Sandbox) -> None:
    """A command stages ``foo`` and swaps it for a link to the operator's other repository:
    holding ``foo/.git`` would move that repository's ``.git``. It is left, with a warning."""
    work = sandbox.work
    _repo(work)
    other = _other_repo(sandbox)
    _plant(sandbox, "git init -q foo",
           "git -C foo -c user.name=t -c user.email=t@e commit -q --allow-empty -m x",
           "-git add foo", f"rm -rf foo; ln -s {other} foo")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr

    assert (other / ".git" / "HEAD").exists(), boxed.stderr
    assert "the command changed the directories above foo/.git" in boxed.stderr


def test_a_split_index_that_cannot_be_named_asks(sandbox: Sandbox) -> None:
    """A split index can replace an entry of its shared index with a gitlink by position,
    without its name: gatekeep cannot tell which repository git would enter, so the run is
    asked, and says why."""
    work = sandbox.work
    _repo(work)
    _git("update-index", "--split-index", cwd=work)
    (work / "a.txt").unlink()
    _nested(work / "a.txt")
    _git("add", "a.txt", cwd=work)

    second = subprocess.run([str(Path(sys.executable).parent / "gatekeep"), "run", "-c",
                             "touch ran"], cwd=work, env=sandbox.env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert second.returncode != 0
    assert "holds a gitlink without its name" in second.stderr
    assert "gatekeep: not run: it needs the operator's approval" in second.stderr
    assert not (work / "ran").exists()


def test_a_tree_that_becomes_a_repository_in_the_run_has_its_gitlinks_held(
        sandbox: Sandbox) -> None:
    """Not a repository before the run: nothing to protect then, but a run that makes one
    and stages a repository in it leaves the same trap for the operator's first git."""
    work = sandbox.work
    _plant(sandbox, "git init -q .", "git init -q foo",
           "git -C foo -c user.name=t -c user.email=t@e commit -q --allow-empty -m x",
           "-git add foo", EVIL.format("foo"))

    assert not _ran_outside(sandbox)
    assert (work / "foo/.git.gatekeep-held").is_dir()



def test_a_clone_kept_untracked_in_the_tree_keeps_its_settings(sandbox: Sandbox) -> None:
    """A repository inside the tree that no index links (an ignored clone): the
    superproject's git never enters it, but the operator, or an editor that opens nested
    repositories, runs git there."""
    work = sandbox.work
    _repo(work)
    (work / ".gitignore").write_text("third_party/\n")
    _nested(work / "third_party/tool")
    _plant(sandbox, "-" + EVIL.format("third_party/tool"),
           "-" + HOOK.format("third_party/tool/.git/hooks"))

    assert not _ran_outside(sandbox, work / "third_party/tool")
    _git("commit", "-q", "--allow-empty", "-m", "y", cwd=work / "third_party/tool")
    assert not (work / "PWNED").exists()

def test_a_repository_with_no_index_yet_records_no_gitlinks(sandbox: Sandbox) -> None:
    """A fresh ``git init`` (nothing added yet) has no .git/index: the box records no index
    to compare after the run, so a gitlink the run stages is never held."""
    _git("init", "-q", ".", cwd=sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), "-git add foo", EVIL.format("foo"))
    boxed = _boxed(sandbox)
    assert not _status(sandbox), boxed.stderr


def test_a_staged_repository_with_every_held_name_taken_is_not_held(sandbox: Sandbox) -> None:
    """Holding tries 99 names beside .git: the run takes them all first."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), "-git add foo", EVIL.format("foo"),
           "touch foo/.git.gatekeep-held; for n in $$(seq 2 99); do "
           "touch foo/.git.gatekeep-held-$$n; done")
    boxed = _boxed(sandbox)
    assert not _status(sandbox), boxed.stderr


STAGE_IN_PLACE = r'''
import hashlib, os, subprocess, sys
index = ".git/index"
before = os.stat(index)
data = bytearray(open(index, "rb").read())
name = b"a.txt"
at = data.index(len(name).to_bytes(2, "big") + name + b"\x00") + 2  # the entry's name
entry = at - 2 - 20 - 40
commit = subprocess.check_output(["git", "-C", "a.txt", "rev-parse", "HEAD"]).strip()
data[entry + 24:entry + 28] = (0o160000).to_bytes(4, "big")
data[entry + 40:entry + 60] = bytes.fromhex(commit.decode())
data[-20:] = hashlib.sha1(bytes(data[:-20])).digest()
with open(index, "r+b") as handle:  # in place: the same inode and size
    handle.write(data)
os.utime(index, ns=(before.st_atime_ns, before.st_mtime_ns))
'''


def test_an_index_rewritten_in_place_with_its_stamp_kept(sandbox: Sandbox) -> None:
    """The stamp is (inode, size, mtime): the run rewrites the index in place, an entry of
    the same name turned into a gitlink (same size), and puts its mtime back."""
    _repo(sandbox.work)
    (sandbox.work / "stage.py").write_text(STAGE_IN_PLACE)
    _plant(sandbox, "rm a.txt", NEW_REPO.format("a.txt"), EVIL.format("a.txt"),
           "python3 stage.py")
    boxed = _boxed(sandbox)
    staged = subprocess.run(["git", "ls-files", "-s"], cwd=sandbox.work, capture_output=True,
                            text=True, check=True).stdout
    assert staged.startswith("160000"), staged
    assert not _status(sandbox), boxed.stderr


BAD_V4 = ("python3 -c 'import sys; sys.stdout.buffer.write(b\"DIRC\" + (4).to_bytes(4, \"big\") "
          "+ (9).to_bytes(4, \"big\") + b\"\\0\" * 24 + b\"\\0\\0\\xe0\\0\" + b\"\\0\" * 40)' "
          "> .git/index")


def test_a_truncated_version_4_index_breaks_every_later_run(sandbox: Sandbox) -> None:
    """A version 4 index that claims more entries than it holds: reading it walks past its
    end (IndexError), after the run that wrote it and in the planning of every later one.
    git refuses such an index; gatekeep should read no gitlinks from it."""
    _repo(sandbox.work)
    _plant(sandbox, BAD_V4)
    first = sandbox.gatekeep("run", "-c", "make")
    assert "Traceback" not in first.stderr and "internal" not in first.stderr, first.stderr
    _plant(sandbox, "touch ran")
    second = sandbox.gatekeep("run", "-c", "make")
    assert second.returncode == 0, second.stderr
    assert (sandbox.work / "ran").exists()


def test_a_huge_sparse_index_holds_every_run(sandbox: Sandbox) -> None:
    """The run leaves files of 8 GiB of holes (the box's largest file; no disk used) where
    gatekeep reads an index: .git/index and any number of .git/sharedindex.* (read even when
    the index is not split). gatekeep scans each whole for a gitlink's mode, after that run
    and in the planning of every later one: minutes each."""
    _repo(sandbox.work)
    _plant(sandbox, "truncate -s 8G .git/index",
           "for n in 1 2 3 4 5 6 7; do printf DIRC > .git/sharedindex.$$n; "
           "truncate -s 8G .git/sharedindex.$$n; done")
    try:
        first = sandbox.gatekeep("run", "-c", "make")
    except subprocess.TimeoutExpired:
        pytest.fail("the run that grew the index did not end in time")
    assert first.returncode == 0, first.stderr
    _plant(sandbox, "touch ran")
    try:
        sandbox.gatekeep("run", "-c", "make")
    except subprocess.TimeoutExpired:
        pytest.fail("a later run did not end in time")


MODULE = ("git init -q tmp && git -C tmp -c user.name=t -c user.email=t@e commit -q "
          "--allow-empty -m x && mkdir -p .git/modules && mv tmp/.git .git/modules/evil && "
          "rm -rf tmp && sha=$$(git --git-dir=.git/modules/evil rev-parse HEAD) && "
          "git --git-dir=.git/modules/evil config core.worktree ../../../dep && "
          "printf '\\#!/bin/sh\\ntouch $(CURDIR)/PWNED\\n' > .git/modules/evil/hooks/post-checkout"
          " && chmod +x .git/modules/evil/hooks/post-checkout && "
          "printf '[submodule \"evil\"]\\n\\tpath = dep\\n\\turl = ./nowhere\\n' > .gitmodules && "
          "git update-index --add --cacheinfo "
          "160000,$$sha,dep")


def test_a_submodule_git_dir_the_box_made_under_git_modules(sandbox: Sandbox) -> None:
    """The box writes .git/modules: the run makes a git dir there (with a post-checkout
    hook), names it in .gitmodules for a gitlink it stages with no .git in its tree (so
    nothing is held). The operator's ``git submodule update --init`` finds that git dir,
    reuses it and checks out in it: the hook runs."""
    _repo(sandbox.work)
    _plant(sandbox, MODULE)
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["submodule", "update", "--init"]), boxed.stderr



def test_git_dirs_the_box_makes_under_git_modules_ask_every_later_run(sandbox: Sandbox) -> None:
    """Each directory under .git/modules with a ``config`` is read as a submodule's git dir
    and counts towards the 256 repositories: the run makes 300 (empty files), and every
    later boxed run is asked of the operator ("more than 256 repositories are linked"),
    though git reads none of them."""
    _repo(sandbox.work)
    _plant(sandbox, "for n in $$(seq 300); do mkdir -p .git/modules/m$$n; "
           "touch .git/modules/m$$n/config; done")
    _boxed(sandbox)
    _plant(sandbox, "touch ran")
    second = sandbox.gatekeep("run", "-c", "make")
    assert second.returncode == 0, second.stderr
    assert (sandbox.work / "ran").exists()


EXTENDED = r'''
import hashlib
index = ".git/index"
data = open(index, "rb").read()
assert data[:4] == b"DIRC" and int.from_bytes(data[4:8], "big") == 2
count = int.from_bytes(data[8:12], "big")
out = bytearray(data[:12])
at = 12
for _ in range(count):
    flags = int.from_bytes(data[at + 60:at + 62], "big")
    length = flags & 0xFFF
    name = data[at + 62:at + 62 + length]
    size = (62 + length + 8) & ~7
    mode = data[at + 24:at + 28]
    if mode == b"\x00\x00\xe0\x00":
        head = bytearray(data[at:at + 62])
        head[60:62] = (flags | 0x4000).to_bytes(2, "big")
        entry = bytes(head) + b"\x00\x00" + name
        entry += b"\x00" * (((len(entry) + 8) & ~7) - len(entry))
    else:
        entry = data[at:at + size]
    out += entry
    at += size
out += data[at:-20]
out += hashlib.sha1(bytes(out)).digest()
open(index, "wb").write(out)
'''


def test_a_version_2_index_whose_gitlink_has_extended_flags(sandbox: Sandbox) -> None:
    """git reads an entry's extended flags whenever its flags say so, in a version 2 index
    too (two bytes before the name); gatekeep reads them only in version 3, so it finds no
    name where the gitlink is and holds nothing."""
    _repo(sandbox.work)
    (sandbox.work / "flags.py").write_text(EXTENDED)
    _plant(sandbox, NEW_REPO.format("foo"), "-git add foo", EVIL.format("foo"),
           "python3 flags.py")
    boxed = _boxed(sandbox)
    staged = subprocess.run(["git", "ls-files", "-s", "foo"], cwd=sandbox.work,
                            capture_output=True, text=True, check=True).stdout
    assert staged.startswith("160000"), staged
    assert not _status(sandbox), boxed.stderr


def test_a_nameless_split_index_the_run_writes_is_only_warned_of(sandbox: Sandbox) -> None:
    """The run splits the index and replaces a.txt's entry by a gitlink (git writes it by
    position, without its name): after the run gatekeep cannot name it, so it warns and
    moves nothing, and the operator's next ``git status`` enters the repository."""
    _repo(sandbox.work)
    _plant(sandbox, "git update-index --split-index", "rm a.txt", NEW_REPO.format("a.txt"),
           EVIL.format("a.txt"), "-git add a.txt")
    boxed = _boxed(sandbox)
    assert not _status(sandbox), boxed.stderr


@pytest.mark.parametrize("made_by_the_run", [False, True])
def test_a_linked_worktree_in_the_tree_has_its_index_unread(sandbox: Sandbox,
                                                            made_by_the_run: bool) -> None:
    """A linked worktree inside the tree (the operator's, or one the run adds: .git/worktrees
    is writable) has its own index, .git/worktrees/wt/index, which gatekeep does not read:
    a gitlink the run stages there is not held, and ``git status`` in that worktree enters
    the repository."""
    _repo(sandbox.work)
    if not made_by_the_run:
        _git("worktree", "add", "-q", "wt", cwd=sandbox.work)
    _plant(sandbox, *(["git worktree add -q wt"] if made_by_the_run else []),
           NEW_REPO.format("wt/foo"), "-git -C wt add foo", EVIL.format("wt/foo"))
    boxed = _boxed(sandbox)
    subprocess.run(["git", "status"], cwd=sandbox.work / "wt", capture_output=True,
                   check=False, timeout=60)
    assert not (sandbox.work / "PWNED").exists(), boxed.stderr


def test_an_untracked_repository_is_left_for_the_operators_git_add(sandbox: Sandbox) -> None:
    """Only a gitlink the run staged was held: a repository it left untracked kept its
    settings, and the operator's ``git add -A`` (which stages it as a gitlink), then the next
    ``git status``, ran them. A repository the run makes with settings that run code is now
    held whether staged or not."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), EVIL.format("foo"))
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["add", "-A"]), boxed.stderr
    assert ("gatekeep: warning: the command made a repository, foo, whose config sets "
            "core.fsmonitor: a later git there could run what the command chose; moved it to "
            "foo/.git.gatekeep-held") in boxed.stderr


def test_a_gitlink_committed_then_unstaged_comes_back_with_git_reset(sandbox: Sandbox) -> None:
    """The run committed a gitlink and removed it from the index again: the index it left
    staged nothing new, so nothing was held, and the operator's ``git reset`` restored the
    gitlink from HEAD."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), EVIL.format("foo"), "-git add foo",
           "git -c user.name=t -c user.email=t@e commit -qm foo", "git rm -q --cached foo")
    boxed = _boxed(sandbox)
    assert not _status(sandbox, ["reset", "-q"]), boxed.stderr


@pytest.mark.parametrize("made", ["git init -q foo", "git clone -q . foo",
                                  "git init -q --object-format=sha256 foo"])
def test_a_plain_repository_the_run_makes_is_left_alone(sandbox: Sandbox, made: str) -> None:
    """What ``git init`` and ``git clone`` write runs nothing: such a repository is neither
    moved nor warned about (an agent that scaffolds a project keeps it)."""
    _repo(sandbox.work)
    _plant(sandbox, made)
    boxed = _boxed(sandbox)
    assert (sandbox.work / "foo/.git/HEAD").exists()
    assert "gatekeep: warning" not in boxed.stderr, boxed.stderr


def test_a_git_modules_made_a_link_is_named_in_the_warning(sandbox: Any) -> None:
    """created._hold_made looks in no .git/modules that the run replaced by a link, and
    says which one, by its own path."""
    _repo(sandbox.work)
    (sandbox.work / ".git" / "modules").mkdir()
    _plant(sandbox, "mv .git/modules .git/elsewhere && ln -s elsewhere .git/modules")
    boxed = _boxed(sandbox)
    assert ("gatekeep: warning: the command replaced .git/modules (or a directory above it), "
            "which changes what git runs; nothing there was touched: check it before running "
            "git\n") in boxed.stderr
