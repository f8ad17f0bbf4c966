"""Red team 23: trees the kept-tree check misses, the preview box's sockets, sequencer states
that run code at the operator's next git command, agent settings the box leaves, and secret
variables printed past the new check (each test fails while its attack works)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gitbox import filter_reaching
from gitbox import git as _git
from gitbox import plant as _plant
from gitbox import repo as _repo

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

Sandbox = object
_PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"


# -- 1. the kept-tree check ----------------------------------------------------------------

def test_a_home_dot_directory_that_is_a_link_elsewhere_is_still_kept(sandbox: Sandbox
                                                                     ) -> None:
    """`_kept_tree` compares the tree's *real* path with the home's: `~/.local` as a link
    to another disk (`/data/local`, common for a small home partition) resolves out of the
    home, so `cd ~/.local` makes it the writable tree again and a `.pth` runs in every later
    Python of the operator's."""
    root: Path = sandbox.root  # type: ignore[attr-defined]
    home: Path = sandbox.home  # type: ignore[attr-defined]
    data = root / "data" / "local"
    data.mkdir(parents=True)
    (home / ".local").symlink_to(data)
    pth = data / "lib" / _PY / "site-packages" / "zz.pth"
    boxed = sandbox.gatekeep(  # type: ignore[attr-defined]
        "run", "-c", f"mkdir -p lib/{_PY}/site-packages && echo 'import os' > "
        f"lib/{_PY}/site-packages/zz.pth", cwd=home / ".local")
    assert not pth.exists(), boxed.stderr


def test_a_config_home_outside_the_home_is_kept(sandbox: Sandbox) -> None:
    """`$XDG_CONFIG_HOME` need not lie in the home (this test harness sets it outside).
    From `cd $XDG_CONFIG_HOME`, an allowed write of `git/config` sets `core.fsmonitor` for
    every later git command of the operator's, outside any box."""
    config: Path = sandbox.config_home  # type: ignore[attr-defined]
    work: Path = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    (config / "git").mkdir(parents=True, exist_ok=True)
    marker = sandbox.root / "PWNED"  # type: ignore[attr-defined]
    boxed = sandbox.gatekeep(  # type: ignore[attr-defined]
        "run", "-c", f"printf '[core]\\n\\tfsmonitor = touch {marker}; false\\n' > git/config",
        cwd=config)
    subprocess.run(["git", "status"], cwd=work, env={**os.environ, **sandbox.env},  # type: ignore[attr-defined]
                   capture_output=True, check=False, timeout=60)
    assert not marker.exists(), boxed.stderr


@pytest.mark.parametrize("place", ["miniconda3/bin", "bin", "google-cloud-sdk/bin"])
def test_a_tool_installed_in_the_home_outside_a_dot_directory_is_kept(sandbox: Sandbox,
                                                                      place: str) -> None:
    """Only a first component starting with a dot, or a `sandbox_paths` place, is kept.
    `~/miniconda3`, `~/bin` and `~/google-cloud-sdk` are on the operator's PATH (conda
    init, Ubuntu's .profile, gcloud's path.bash.inc): from there a box plants `git`."""
    home: Path = sandbox.home  # type: ignore[attr-defined]
    where = home / place
    where.mkdir(parents=True)
    boxed = sandbox.gatekeep("run", "-c", "echo 'touch /tmp/x' > git && chmod +x git",  # type: ignore[attr-defined]
                             cwd=where)
    assert not (where / "git").exists(), boxed.stderr


# -- 3. the preview's sealed box -----------------------------------------------------------

def test_the_preview_box_reaches_no_socket_the_run_box_hides(sandbox: Sandbox) -> None:
    """`bwrap.sealed` hides the home and /etc/shadow only; the run's box also hides the
    runtime dir ($XDG_RUNTIME_DIR, /run/user/UID), sockets in the temp dirs (ssh-agent's
    /tmp/ssh-*) and docker.sock. A Unix socket on a read-only mount still connects, so a
    clean filter a boxed run set reaches the D-Bus session bus (`systemd-run --user` runs
    anything) or docker, before the operator answers."""
    from gatekeep.approval import preview

    root: Path = sandbox.root  # type: ignore[attr-defined]
    evil = root / "evil"
    evil.mkdir()
    _repo(evil)
    runtime = root / "run"
    runtime.mkdir()
    bus = runtime / "bus"
    env = {**os.environ, **sandbox.env, "XDG_RUNTIME_DIR": str(runtime)}  # type: ignore[attr-defined]
    assert not filter_reaching(evil, bus, lambda: preview._run_git(
        ["diff", "--stat", "HEAD"], "t", str(evil), env))


# -- 4. sequencer states -------------------------------------------------------------------

def test_a_cherry_pick_the_box_leaves_runs_nothing_at_the_operators_continue(
        sandbox: Sandbox) -> None:
    """`hold_rebases` looks at `rebase-merge` only. A boxed run stops a multi-commit
    cherry-pick (`.git/sequencer`) and writes `strategy = x/../evil.sh` into
    `.git/sequencer/opts`: git runs `git-merge-x/../evil.sh`, a path with a slash, so
    relative to the tree. `git status` tells the operator to `git cherry-pick --continue`."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    _git("checkout", "-qb", "side", cwd=work)
    for name in ("b", "c"):
        (work / f"{name}.txt").write_text(f"{name}\n")
        _git("add", f"{name}.txt", cwd=work)
        _git("commit", "-qm", name, cwd=work)
    _git("checkout", "-q", "-", cwd=work)
    (work / "b.txt").write_text("conflict\n")
    _git("add", "b.txt", cwd=work)
    _git("commit", "-qm", "conflict", cwd=work)
    _plant(sandbox, "-git -c user.name=t -c user.email=t@e cherry-pick side~1 side",
           "echo resolved > b.txt; git add b.txt",
           "mkdir -p git-merge-x; printf '#!/bin/sh\\ntouch $(CURDIR)/PWNED\\n' > evil.sh; "
           "chmod +x evil.sh",
           "printf '[options]\\n\\tstrategy = x/../evil.sh\\n' > .git/sequencer/opts")
    boxed = sandbox.gatekeep("run", "-c", "make")  # type: ignore[attr-defined]
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "cherry-pick",
                    "--continue"], cwd=work, capture_output=True, check=False, timeout=60)
    assert not (work / "PWNED").exists()


def test_a_rebase_in_a_worktree_the_box_adds_runs_nothing_at_the_operators_continue(
        sandbox: Sandbox) -> None:
    """`hold_rebases` looks in `box.git_roots`, the git dirs there before the run. A boxed
    `git worktree add wt2` makes `.git/worktrees/wt2`, and a rebase started there with an
    `exec` line stays: the operator's `git rebase --continue` in wt2 runs it."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    (work / "b.txt").write_text("b\n")
    _git("add", "b.txt", cwd=work)
    _git("commit", "-qm", "second", cwd=work)
    _plant(sandbox, "git worktree add -q --detach wt2 HEAD",
           "cd wt2 && GIT_SEQUENCE_EDITOR=\"printf 'break\\nexec touch $(CURDIR)/PWNED\\n' >\" "
           "git -c user.name=t -c user.email=t@e rebase -q -i HEAD~1 || true")
    boxed = sandbox.gatekeep("run", "-c", "make")  # type: ignore[attr-defined]
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "rebase",
                    "--continue"], cwd=work / "wt2", capture_output=True, check=False,
                   timeout=60)
    assert not (work / "PWNED").exists()


# -- 2. agent settings the box leaves ------------------------------------------------------

def test_a_project_policy_the_box_plants_in_a_subdirectory_does_not_replace_the_projects(
        sandbox: Sandbox) -> None:
    """`find_project_policy` takes the *nearest* `.gatekeep.yaml`; `_agent_files` covers
    the directories from the cwd up, not below. A boxed `make` at the root writes
    `sub/.gatekeep.yaml`; after `cd sub` the project's own tightening is gone."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    (work / ".gatekeep.yaml").write_text(
        "gatekeep: 1\nextends: [builtin:default]\nrules:\n  - id: no-cat\n    deny: [cat]\n"
        "    reason: the project forbids cat\n")
    _plant(sandbox, "mkdir -p sub && printf 'gatekeep: 1\\nextends: [builtin:default]\\n' "
           "> sub/.gatekeep.yaml")
    assert sandbox.gatekeep("run", "-c", "make").returncode == 0  # type: ignore[attr-defined]
    (work / "sub" / "a").write_text("a\n")
    check = sandbox.gatekeep("check", "-c", "cat a", cwd=work / "sub")  # type: ignore[attr-defined]
    assert "DENY" in check.stdout, check.stdout


@pytest.mark.parametrize("name", [
    "sub/.claude/settings.json", "sub/.mcp.json", "sub/.gemini/settings.json",
    "opencode.json", ".opencode/plugin/x.js", "crush.json", ".crush.json",
    ".qwen/settings.json", ".kiro/hooks/x.kiro.hook", ".roo/mcp.json", ".amazonq/mcp.json",
    ".kilocode/mcp.json", ".zed/settings.json", ".devcontainer/devcontainer.json"])
def test_agent_settings_the_box_creates_anywhere_are_removed(sandbox: Sandbox,
                                                              name: str) -> None:
    """Settings of agents (opencode's plugins and local MCP servers start with it; Crush,
    Qwen Code, Kiro hooks, Roo, Amazon Q, Kilo), editors (Zed tasks, devcontainer's
    initializeCommand runs on the host) and any of the known names in a directory below the
    command's, which an agent started there reads."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    _plant(sandbox, f"mkdir -p $(dir {name}) && echo '{{}}' > {name}")
    assert sandbox.gatekeep("run", "-c", "make").returncode == 0  # type: ignore[attr-defined]
    assert not (work / name).exists()


# -- 5. secret variables -------------------------------------------------------------------

@pytest.mark.parametrize(("command", "variable"), [
    ("x=GITHUB_TOKEN; echo ${!x}", "GITHUB_TOKEN"),
    ("a=$GITHUB_TOKEN; echo $a", "GITHUB_TOKEN"),
    ("echo $PGPASSWORD", "PGPASSWORD"),
    ("echo $OPENAI_KEY", "OPENAI_KEY"),
])
def test_a_secret_variable_is_not_printed_past_the_check(sandbox: Sandbox, command: str,
                                                         variable: str) -> None:
    run = sandbox.gatekeep("run", "-c", command,  # type: ignore[attr-defined]
                           env={variable: "SEKRIT-23"})
    assert "SEKRIT-23" not in run.stdout
