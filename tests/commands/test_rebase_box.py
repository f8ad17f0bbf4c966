"""A rebase left in progress by a boxed run (created.hold_rebases): its state is moved aside
when its remaining steps run programs, and left alone otherwise or when it was the
operator's before the run. Real gatekeep, bwrap and git."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from gitbox import Sandbox, boxed_run, git
from gitbox import plant as _plant
from gitbox import repo as _repo

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

EXEC_TODO = ("GIT_SEQUENCE_EDITOR=\"sed -i -e '1i break' -e '1i exec touch {0}'\" "
             "git -c user.name=t -c user.email=t@e rebase -q -i HEAD~1")


def _two_commits(sandbox: Sandbox) -> None:
    _repo(sandbox.work)
    (sandbox.work / "b.txt").write_text("b\n")
    git("add", "b.txt", cwd=sandbox.work)
    git("commit", "-qm", "second", cwd=sandbox.work)


def test_a_rebase_the_run_leaves_with_exec_lines_is_moved_aside(sandbox: Sandbox) -> None:
    _two_commits(sandbox)
    marker = sandbox.work / "PWNED"
    _plant(sandbox, EXEC_TODO.format(marker))
    boxed = boxed_run(sandbox)
    git_dir = sandbox.work / ".git"
    assert not (git_dir / "rebase-merge").exists()
    assert (git_dir / "rebase-merge.gatekeep-held" / "git-rebase-todo").exists()
    assert "todo runs commands (exec lines)" in boxed.stderr
    subprocess.run(["git", "rebase", "--continue"], cwd=sandbox.work, capture_output=True,
                   check=False, timeout=60)
    assert not marker.exists()


def test_a_rebase_the_run_leaves_that_runs_nothing_stays(sandbox: Sandbox) -> None:
    """A rebase stopped at a `break` with only picks left: the operator continues it."""
    _two_commits(sandbox)
    _plant(sandbox, "GIT_SEQUENCE_EDITOR=\"sed -i -e '1i break'\" "
           "git -c user.name=t -c user.email=t@e rebase -q -i HEAD~1")
    boxed = boxed_run(sandbox)
    assert (sandbox.work / ".git" / "rebase-merge").is_dir(), boxed.stderr
    assert "rebase" not in boxed.stderr


def test_the_operators_own_rebase_with_exec_lines_is_not_touched(sandbox: Sandbox) -> None:
    """Left before the run, by the operator's own git: the box kept nothing from it, and
    the run did not change it."""
    _two_commits(sandbox)
    subprocess.run(["bash", "-c", EXEC_TODO.format("/dev/null")], cwd=sandbox.work,
                   capture_output=True, check=True, timeout=60)
    state = sandbox.work / ".git" / "rebase-merge"
    assert state.is_dir()
    time.sleep(1.5)  # its change time well before the run is planned
    _plant(sandbox, "true")
    boxed = boxed_run(sandbox)
    assert state.is_dir(), boxed.stderr
    assert "rebase" not in boxed.stderr

