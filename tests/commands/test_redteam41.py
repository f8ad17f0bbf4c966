"""Red team 41: a second pass over the operator's variables and git settings that name a
place a box writes, in a box with the network (a515322): an included config a part of the
command makes first, git settings expanded and read as command lines, `GIT_CONFIG_*`
variables, the agent choosing which variables go by naming a file like a value, credential
helpers by name, a `file:` GOPROXY. Each test asserts the safe (or, for false drops and
asks, the working) outcome and fails on a515322.

Networked runs are in ``apart`` sandboxes, as in test_redteam39.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from netbox import fake_program as _fake
from netbox import needs_bwrap, needs_git
from netbox import networked as _boundary
from netbox import script as _script
from netbox import ssh_repository as _repository

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = needs_bwrap
TOKEN = "ghp_redteam41_literal_token"


def _runs_nothing_of_the_trees(sandbox: Sandbox, command: str, leak: Path,
                               env: dict[str, str] | None = None) -> None:
    """Nothing of the tree's runs with the token: asked (not run without a terminal), or
    offline (where the tree's code runs anyway, without the token)."""
    sandbox.gatekeep("run", "-c", command, env={**(env or {}), "GH_TOKEN": TOKEN}, timeout=120)
    assert not leak.exists() or TOKEN not in leak.read_text(), leak.read_text()


# -- 1. a config file git includes, absent when the box is planned, made by the command --

@needs_git
def test_an_included_config_the_same_command_makes_is_not_obeyed(apart: Sandbox) -> None:
    """The repository's `include.path = ../.gitconfig` (a project's shared git settings);
    the tree has none yet. `mv evil.cfg .gitconfig && git fetch` is allowed with the
    network: git reads the new file, runs its core.sshCommand with GH_TOKEN; gatekeep
    removes the file only after the run."""
    _repository(apart.work, ("include.path", "../.gitconfig"))
    leak = apart.work / "leak"
    _script(apart.work / "tools" / "ssh", leak)
    (apart.work / "evil.cfg").write_text("[core]\n\tsshCommand = tools/ssh\n")
    _runs_nothing_of_the_trees(apart, "mv evil.cfg .gitconfig && git fetch", leak)


# -- 2. git settings: what the shell expands -------------------------------------------

@needs_git
def test_a_git_setting_with_pwd_names_the_tree(apart: Sandbox) -> None:
    """`core.sshCommand = $PWD/tools/ssh`: sh expands it in the tree's top; gatekeep reads
    git's settings with no variables (`values.expanded(value, {}, home)`)."""
    _repository(apart.work, ("core.sshCommand", "$PWD/tools/ssh"))
    leak = apart.work / "leak"
    _script(apart.work / "tools" / "ssh", leak)
    _runs_nothing_of_the_trees(apart, "git fetch", leak)


@needs_git
def test_the_operators_git_setting_with_home_names_the_tree(apart: Sandbox) -> None:
    """~/.gitconfig `sshCommand = ssh -F $HOME/../work/ssh_config` (a dotfiles or
    ~/src project): `~/` is expanded, `$HOME` is not."""
    _repository(apart.work)
    (apart.home / ".gitconfig").write_text(
        "[core]\n\tsshCommand = ssh -F $HOME/../work/ssh_config\n")
    leak = apart.work / "leak"
    _script(apart.work / "tools" / "ssh", leak)
    (apart.work / "ssh_config").write_text(
        f"Host *\n  ProxyCommand {apart.work}/tools/ssh proxy\n")
    _runs_nothing_of_the_trees(apart, "git fetch", leak)


@needs_git
def test_git_config_parameters_are_read_as_the_settings_they_carry(apart: Sandbox) -> None:
    """GIT_CONFIG_PARAMETERS (what `git -c` passes on) read as a value nothing is known of:
    its sshCommand's bare word names the tree only if there now."""
    _repository(apart.work)
    leak = apart.work / "leak"
    _script(apart.work / "ssh.old", leak)
    _runs_nothing_of_the_trees(apart, "mv ssh.old ssh.sh && git fetch", leak,
                               {"GIT_CONFIG_PARAMETERS": "'core.sshcommand'='sh ssh.sh'"})


# -- 3. false drops and asks ------------------------------------------------------------

@needs_git
def test_git_config_key_variables_are_no_secrets(apart: Sandbox) -> None:
    """GIT_CONFIG_KEY_0 has the secret part KEY: every box starts without it, and git dies
    ("missing config key GIT_CONFIG_KEY_0") for an operator who sets GIT_CONFIG_COUNT."""
    _repository(apart.work)
    env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name",
           "GIT_CONFIG_VALUE_0": "Operator"}
    result = apart.gatekeep("run", "-c", "git status --short", env=env)
    assert "missing config key" not in result.stderr
    assert result.returncode == 0, result.stderr


@needs_git
@pytest.mark.parametrize(("helper", "directory"), [
    ("store", "store"),                          # Nuxt 2's / Vuex's top-level store/
    ("cache --timeout=3600", "cache"),
    ("manager", "manager"),
    ("!gh auth git-credential", "auth")])
def test_a_credential_helper_by_name_is_no_file_of_the_tree(
        apart: Sandbox, helper: str, directory: str) -> None:
    """`credential.helper = store` runs `git credential-store`, never ./store: a tree with
    such a directory is asked about on every networked git run."""
    _repository(apart.work)
    (apart.work / directory).mkdir()
    (apart.home / ".gitconfig").write_text(f"[credential]\n\thelper = {helper}\n")
    assert _boundary(apart, "git fetch", {})["status"] == "boxed"


def test_the_agent_cannot_drop_the_operators_ignore_scripts(apart: Sandbox) -> None:
    """`npm_config_ignore_scripts=true` (the usual hardening): a file named `true` in the
    tree makes it a bare word that names a place, so `npm ci` runs the dependencies'
    install scripts, with NPM_TOKEN and the network."""
    env, seen = _fake(apart, "npm")
    (apart.work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (apart.work / "package-lock.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0"}}}))
    (apart.work / "true").write_text("")
    env |= {"npm_config_ignore_scripts": "true", "NPM_TOKEN": TOKEN}
    apart.gatekeep("run", "-c", "npm ci", env=env)
    assert "npm_config_ignore_scripts=true" in seen.read_text()


@needs_git
def test_the_agent_cannot_drop_the_operators_proxy(apart: Sandbox) -> None:
    """`https_proxy=127.0.0.1:3128` (no scheme: curl and git take it): a file `3128` in
    the tree drops it, and git goes round the operator's egress proxy."""
    _repository(apart.work)
    (apart.work / "3128").write_text("")
    assert _boundary(apart, "git fetch", {"https_proxy": "127.0.0.1:3128"})["env_without"] == []


# -- 4. a host list that is a place ----------------------------------------------------

def test_a_file_goproxy_in_the_tree_is_a_place(apart: Sandbox) -> None:
    """GOPROXY is a host list, but `file:///...` is a directory go reads modules (and
    toolchains, with GOSUMDB=off) from."""
    subprocess.run(["git", "init", "-q"], cwd=apart.work, check=True)
    (apart.work / "go.mod").write_text("module x\n\ngo 1.21\n")
    env = {"GOPROXY": f"file://{apart.work}/goproxy", "GOSUMDB": "off"}
    assert "GOPROXY" in _boundary(apart, "go mod download", env)["env_without"]


# -- found beside 1: an archive that makes what git reads, in the same command -----------

@needs_git
@pytest.mark.skipif(shutil.which("tar") is None, reason="needs tar")
def test_an_archive_beside_a_networked_git_cannot_give_git_another_config(
        apart: Sandbox) -> None:
    """`tar xf a.tar && git fetch`: the archive holds `.git/commondir`, naming a git dir
    whose config is the agent's (`core.sshCommand` that writes GH_TOKEN into the tree).
    What tar writes is known only when it runs, so no path check sees it, and the run
    removes the file only after git obeyed it. Such a command runs offline, without the
    token (the agent's command may run there: offline, the tree's code runs anyway)."""
    _repository(apart.work)
    leak = apart.work / "leak"
    evil = apart.root / "evil.git"
    subprocess.run(["git", "init", "-q", "--bare", str(evil)], check=True)
    with open(evil / "config", "a", encoding="utf-8") as config:
        config.write(f"[core]\n\tsshCommand = sh -c 'echo ran $GH_TOKEN >> {leak}'\n"
                     '[remote "origin"]\n\turl = git@127.0.0.1:o/r.git\n')
    stage = apart.root / "stage"
    (stage / ".git").mkdir(parents=True)
    (stage / ".git" / "commondir").write_text(f"{evil}\n")
    subprocess.run(["tar", "cf", str(apart.work / "a.tar"), ".git/commondir"], cwd=stage,
                   check=True)
    command = "tar xf a.tar && git fetch"
    checked = json.loads(apart.gatekeep("check", "--json", "-c", command).stdout)
    assert checked["decision"] == "allow" and checked["boundary"]["network"] is False
    apart.gatekeep("run", "-c", command, env={"GH_TOKEN": TOKEN}, timeout=120)
    assert not leak.exists() or TOKEN not in leak.read_text()  # offline: no token to send
