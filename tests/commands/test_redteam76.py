"""Red team 76 on the moved-refs check: a pseudo ref naming a commit no object holds yet (a
later run writes it, moving no ref), and reflog lines changed in place long before the end."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py
needs_bwrap = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"),
                                 reason="needs bubblewrap")
# The agent's commit on HEAD, its text kept in .git/c.obj and its id in $c: the object is
# not written (`git hash-object` without -w), so no git can read it yet.
UNWRITTEN = r"""set -e
agent=$(printf '{"hooks": "agent"}\n' | git hash-object -w --stdin)
export GIT_INDEX_FILE=$(pwd)/.git/tmp-index
git read-tree HEAD
git update-index --cacheinfo "100644,$agent,.claude/settings.json"
t=$(git write-tree)
rm -f "$GIT_INDEX_FILE"
unset GIT_INDEX_FILE
who='t <t@x> 1700000000 +0000'
printf 'tree %s\nparent %s\nauthor %s\ncommitter %s\n\nmore\n' \
  "$t" "$(git rev-parse HEAD)" "$who" "$who" > .git/c.obj
c=$(git hash-object -t commit .git/c.obj)
"""
WRITE = "git hash-object -w -t commit .git/c.obj >/dev/null"


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *args], cwd=cwd, check=True, capture_output=True, text=True,
                          timeout=60).stdout


@pytest.fixture
def work(sandbox: Sandbox) -> Path:
    """A repository on main whose .claude/settings.json is tracked, a branch `feature`."""
    repo: Path = sandbox.work
    _git("init", "-q", "-b", "main", ".", cwd=repo)
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text("{}\n")
    (repo / ".gitignore").write_text("Makefile\nstep.sh\n")
    _git("add", ".", cwd=repo)
    _git("commit", "-qm", "first", cwd=repo)
    _git("branch", "feature", cwd=repo)
    return repo


def _run(sandbox: Sandbox, repo: Path, script: str) -> str:
    (repo / "step.sh").write_text(script)
    (repo / "Makefile").write_text("all:\n\tsh step.sh\n")
    time.sleep(1.2)  # a second apart from the planning, as change times are compared
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    return str(ran.stderr)


def _settings(repo: Path, *operator: str) -> str:
    """What the operator's own git command writes to the protected file."""
    subprocess.run(["git", *operator], cwd=repo, check=False, timeout=60, capture_output=True)
    return (repo / ".claude" / "settings.json").read_text()


@needs_bwrap
@pytest.mark.parametrize(("name", "operator"), [
    ("ORIG_HEAD", ["reset", "-q", "--hard", "ORIG_HEAD"]),
    ("AGENT_HEAD", ["reset", "-q", "--hard", "AGENT_HEAD"]),
])
def test_a_pseudo_ref_to_a_commit_not_written_yet_is_held(sandbox: Sandbox, work: Path,
                                                          name: str,
                                                          operator: list[str]) -> None:
    """F1: git reads no commit there after the first run, so nothing was compared; the
    second run writes the object and moves no ref."""
    stderr = _run(sandbox, work, UNWRITTEN + f"echo $c > .git/{name}\n")
    assert name in stderr and "a commit git could not read" in stderr, stderr
    # no ref is left naming the missing object: git would fail on every ref (red team 77)
    listed = subprocess.run(["git", "for-each-ref"], cwd=work, capture_output=True,
                            timeout=60, check=False)
    assert listed.returncode == 0 and b"gatekeep-held" not in listed.stdout, listed.stderr
    _run(sandbox, work, WRITE)
    assert _settings(work, *operator) == "{}\n"


@needs_bwrap
def test_a_commit_not_written_yet_does_not_become_the_operators(sandbox: Sandbox,
                                                                work: Path) -> None:
    """F1: the id the first run left counted as a commit one of the operator's refs named,
    so a second run could move a branch to it unseen."""
    _run(sandbox, work, UNWRITTEN + "echo $c > .git/ORIG_HEAD\n")
    stderr = _run(sandbox, work, WRITE + " && git update-ref refs/heads/feature "
                  "$(git hash-object -t commit .git/c.obj)")
    assert "feature" in stderr, stderr
    assert _settings(work, "checkout", "-q", "feature") == "{}\n"


@needs_bwrap
def test_an_ordinary_reset_keeps_orig_head(sandbox: Sandbox, work: Path) -> None:
    (work / "a.txt").write_text("a\n")
    _git("add", "a.txt", cwd=work)
    _git("commit", "-qm", "second", cwd=work)
    stderr = _run(sandbox, work, "git reset -q --soft HEAD~1")
    assert "warning" not in stderr, stderr
    assert _git("rev-parse", "ORIG_HEAD", cwd=work) == _git("rev-parse", "main@{1}", cwd=work)


@needs_bwrap
def test_a_reflog_line_changed_in_place_long_before_its_end_is_seen(sandbox: Sandbox,
                                                                    work: Path) -> None:
    """F2: only the last 64 KiB of a reflog were compared; an old line made into a checkout
    from the agent's commit, the size kept, led `git checkout -` to it."""
    log = work / ".git" / "logs" / "HEAD"
    head = _git("rev-parse", "HEAD", cwd=work).strip()
    old = "x" * len(head)  # a branch the operator left long ago, named as long as an id
    with log.open("a") as opened:  # then more than 64 KiB of other lines
        opened.write(f"{head} {head} t <t@x> 1700000000 +0000\tcheckout: moving from {old} "
                     "to main\n")
        opened.write(f"{head} {head} t <t@x> 1700000000 +0000\tcommit: more\n" * 1000)
    # that branch's name becomes the agent's commit, in place: the size is kept
    script = UNWRITTEN + WRITE + f""" && python3 - "$c" <<'EOF'
import sys
path = ".git/logs/HEAD"
at = open(path, "rb").read().index(b"moving from {old}") + len("moving from ")
with open(path, "r+b") as log:
    log.seek(at)
    log.write(sys.argv[1].encode())
EOF
"""
    stderr = _run(sandbox, work, script)
    assert "logs/HEAD" in stderr, stderr
    assert _settings(work, "checkout", "-q", "-") == "{}\n"


@needs_bwrap
def test_the_repositorys_config_does_not_narrow_the_walk(sandbox: Sandbox, work: Path) -> None:
    """A root commit's files were left out of the walk of what a moved ref brings when the
    operator's repository config says `log.showRoot = false`: the agent's settings in a new
    root commit, under a clean one that `feature` names, reached by `git checkout
    feature~1`."""
    _git("config", "log.showRoot", "false", cwd=work)
    stderr = _run(sandbox, work, r"""set -e
agent=$(printf '{"hooks": "agent"}\n' | git hash-object -w --stdin)
export GIT_INDEX_FILE=$(pwd)/.git/tmp-index
git read-tree HEAD
git update-index --cacheinfo "100644,$agent,.claude/settings.json"
root=$(echo root | git commit-tree $(git write-tree))
rm -f "$GIT_INDEX_FILE"
clean=$(echo clean | git commit-tree HEAD^{tree} -p $root)
git update-ref refs/heads/feature $clean
""".replace("git commit-tree", "git -c user.name=t -c user.email=t@x commit-tree"))
    assert "feature" in stderr, stderr
    assert _settings(work, "checkout", "-q", "feature~1") == "{}\n"
