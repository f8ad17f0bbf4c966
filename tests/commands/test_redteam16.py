"""Red team 16: gitlinks, nested repositories and the index after a boxed run. Each test is
an attack that worked when it was written: a boxed command leaves something that makes the
operator's later git (outside the box) run code, or gatekeep's own clean-up fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

EVIL = "git -C {0} config core.fsmonitor 'touch $(CURDIR)/PWNED; false'"
NEW_REPO = ("git init -q {0} && git -C {0} -c user.name=t -c user.email=t@e "
            "commit -q --allow-empty -m x")


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


def _boxed(sandbox: Sandbox) -> Any:
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    return boxed


def _status(sandbox: Sandbox, *before: list[str]) -> bool:
    """The operator's git commands (``before``), then ``git status``, outside the box:
    whether the planted ``touch WORK/PWNED`` ran."""
    for args in [*before, ["status"]]:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=sandbox.work, capture_output=True, check=False, timeout=60)
    return (sandbox.work / "PWNED").exists()


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
