"""Red team 39: the operator's variables that name a file in the agent's tree, kept in a box
the default policy gives the network (`GIT_SSH_COMMAND` in `git fetch`,
`npm_config_userconfig` in `npm ci`); and agents' settings files no list named. Each test
fails on a90322e and asserts the safe outcome, but those marked as guards.

The sandboxes of networked runs are outside the temp dirs (``apart``), where an operator's
project is: a tree in a temp dir makes them run offline.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import pytest
from netbox import networked as _boundary
from netbox import script as _script
from netbox import ssh_repository as _repository

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

TOKEN = "ghp_redteam39_literal_token"


@needs_git
def test_git_fetch_does_not_run_the_trees_program_git_ssh_command_names(
        apart: Sandbox) -> None:
    """The operator's `GIT_SSH_COMMAND` names a deploy-key script of the project's: the
    agent rewrites it with an allowed redirect, and the networked `git fetch` (GH_TOKEN kept)
    ran it. The box goes without the variable; `check` and the failed run's note say so."""
    _repository(apart.work, remote="ssh://git.invalid/o/r.git")
    leak = apart.work / "ssh-ran"
    _script(apart.work / "tools" / "git-ssh", leak)
    env = {"GIT_SSH_COMMAND": f"{apart.work}/tools/git-ssh -o BatchMode=yes",
           "GH_TOKEN": TOKEN}
    assert _boundary(apart, "git fetch", env)["env_without"] == ["GIT_SSH_COMMAND"]
    result = apart.gatekeep("run", "-c", "git fetch", env=env, timeout=120)
    assert result.returncode != 0  # no such host
    assert not leak.exists(), leak.read_text()
    assert "it ran without GIT_SSH_COMMAND (they name places a box writes" in result.stderr
    shown = apart.gatekeep("check", "-c", "git fetch", env=env).stdout
    assert "unset in it (they name places a box writes): GIT_SSH_COMMAND" in shown


@needs_git
@pytest.mark.parametrize(("name", "value"), [
    ("GIT_ASKPASS", "{work}/tools/askpass"),
    ("SSH_ASKPASS", "./tools/askpass"),
    ("GIT_SSH", "tools/askpass"),
    ("GIT_SSH_COMMAND", "ssh -F .ssh-config"),
    ("GIT_SSH_COMMAND", "ssh -o ProxyCommand={work}/tools/proxy"),
    ("GIT_CONFIG_GLOBAL", "{work}/.gitconfig-ci"),
    ("XDG_CONFIG_HOME", "{work}/cfg"),
    ("UV_FIND_LINKS", "file://{work}/wheels")])
def test_a_networked_git_fetch_goes_without_variables_naming_the_tree(
        apart: Sandbox, name: str, value: str) -> None:
    """Absolute, `./`, `.name`, `dir/name` (dir in the working directory) and `file:` paths
    into the tree, alone or as a word of a command line or an option's value."""
    _repository(apart.work, remote="https://git.invalid/o/r.git")
    (apart.work / "tools").mkdir()
    env = {name: value.format(work=apart.work)}
    assert name in _boundary(apart, "git fetch", env)["env_without"]


@needs_git
def test_variables_naming_no_place_a_box_writes_are_kept(apart: Sandbox) -> None:
    """Guard: a URL, a system program, a time zone, a path outside the tree and a
    word with a slash that is no directory of the tree stay as they were."""
    _repository(apart.work, remote="https://git.invalid/o/r.git")
    env = {"GIT_SSH_COMMAND": "/usr/bin/ssh -o BatchMode=yes", "TZ": "Europe/Paris",
           "https_proxy": "http://127.0.0.1:3128/tmp/x", "GIT_ASKPASS": "/bin/false",
           "SOME_AGENT": "Mozilla/5.0"}
    assert _boundary(apart, "git fetch", env)["env_without"] == []


def test_an_offline_box_keeps_variables_naming_the_tree(sandbox: Sandbox) -> None:
    """Guard: a box without the network runs the tree's code anyway (`make test`), and
    the operator's variables naming the project work in it as before."""
    (sandbox.work / "show.sh").write_text('echo "$GIT_SSH_COMMAND"\n')
    env = {"GIT_SSH_COMMAND": f"{sandbox.work}/tools/git-ssh"}
    result = sandbox.gatekeep("run", "-c", "bash show.sh", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == env["GIT_SSH_COMMAND"]


def test_npm_ci_goes_without_a_user_config_the_agent_writes(apart: Sandbox) -> None:
    """The operator names a user config in the project (`npm_config_userconfig=ci.npmrc`,
    a name `**/.npmrc` does not hide): the agent's registry and `_authToken=${NPM_TOKEN}`
    line there got the token from `npm ci`, allowed with the network. Run with an npm
    outside the tree that reports its environment: the box's has no such variable."""
    tools = apart.root / "tools"
    tools.mkdir()
    seen = apart.work / "seen"
    (tools / "npm").write_text(f"#!/bin/sh\nenv > {seen}\n")
    (tools / "npm").chmod(0o755)
    (apart.work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (apart.work / "package-lock.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0"}}}))
    (apart.work / "ci.npmrc").write_text("registry=http://127.0.0.1:9/\n")
    env = {"PATH": f"{tools}:{os.environ.get('PATH', '/usr/bin:/bin')}",
           "npm_config_userconfig": str(apart.work / "ci.npmrc"), "NPM_TOKEN": TOKEN,
           "npm_config_registry": "https://registry.npmjs.org/"}
    boundary = _boundary(apart, "npm ci", env)
    assert boundary["env_without"] == ["npm_config_userconfig"]
    result = apart.gatekeep("run", "-c", "npm ci", env=env)
    assert result.returncode == 0, result.stderr
    box_env = seen.read_text()
    assert "npm_config_userconfig=" not in box_env
    assert f"NPM_TOKEN={TOKEN}" in box_env  # kept for npm, as before
    assert "npm_config_registry=https://registry.npmjs.org/" in box_env


@pytest.mark.parametrize("name", [".roomodes", ".kilocodemodes"])
def test_roo_and_kilo_codes_custom_modes_are_an_agents_settings(sandbox: Sandbox,
                                                               name: str) -> None:
    """Roo Code and Kilo Code load the project's custom modes (tool groups, instructions,
    overriding a global mode of the same name) from these files at the workspace root: an
    agent's settings, as `.roo` and `.kilocode` are. One there is read-only in the box; a
    new one is held after the run."""
    (sandbox.work / ".git").mkdir()
    (sandbox.work / "sub").mkdir()
    there = sandbox.work / name
    there.write_text("customModes: []\n")
    sandbox.gatekeep("run", "-c", f"echo customModes: [evil] > {name}")
    assert there.read_text() == "customModes: []\n"
    result = sandbox.gatekeep("run", "-c", f"echo customModes: [evil] > sub/{name}")
    assert not (sandbox.work / "sub" / name).exists(), result.stderr


@needs_git
@pytest.mark.parametrize(("where", "setting"), [
    ("home", "[core]\n\tsshCommand = {work}/tools/git-ssh -o BatchMode=yes\n"),
    ("home", '[credential "https://git.invalid"]\n\thelper = !{work}/tools/git-ssh\n'),
    ("home", "[core]\n\taskPass = ./tools/git-ssh\n"),
    ("repository", "[core]\n\tsshCommand = tools/git-ssh\n")])
def test_git_fetch_is_asked_when_gits_settings_run_a_file_of_the_tree(
        apart: Sandbox, where: str, setting: str) -> None:
    """The operator's git settings (or the repository's, which only the operator writes)
    name a program in the tree: `core.sshCommand`, a credential helper, `core.askPass`.
    The agent can rewrite that program, and the networked `git fetch` (GH_TOKEN kept) ran
    it. No variable to drop: the run is asked, and without a terminal nothing runs."""
    _repository(apart.work, remote="ssh://git.invalid/o/r.git")
    leak = apart.work / "ssh-ran"
    _script(apart.work / "tools" / "git-ssh", leak)
    config = apart.home / ".gitconfig" if where == "home" else apart.work / ".git" / "config"
    with open(config, "a", encoding="utf-8") as handle:
        handle.write(setting.format(work=apart.work))
    env = {"GH_TOKEN": TOKEN}
    checked = json.loads(apart.gatekeep("check", "--json", "-c", "git fetch", env=env).stdout)
    assert checked["boundary"]["status"] == "ask"
    assert "git's settings run a file a box writes" in checked["boundary"]["reason"]
    assert str(config) in checked["boundary"]["reason"]
    result = apart.gatekeep("run", "-c", "git fetch", env=env, timeout=120)
    assert result.returncode != 0
    assert not leak.exists(), leak.read_text()


@needs_git
def test_gits_settings_naming_programs_elsewhere_ask_nothing(apart: Sandbox) -> None:
    """Guard: programs outside any place a box writes, in one every box keeps read-only
    (`.git/hooks`), `~` forms and helpers by name are the operator's: the networked box is
    not asked, and keeps such a variable; an offline git command beside a
    setting naming the tree is not asked either (it runs the tree's code offline)."""
    _repository(apart.work, remote="ssh://git.invalid/o/r.git")
    (apart.home / ".gitconfig").write_text(
        "[core]\n\tsshCommand = ssh -i ~/.ssh/deploy\n[credential]\n\thelper = store\n"
        "\thelper = !/usr/bin/env true\n")
    with open(apart.work / ".git" / "config", "a", encoding="utf-8") as handle:
        handle.write("[core]\n\tfsmonitor = .git/hooks/fsmonitor-watchman\n")
    (apart.work / ".git" / "hooks" / "fsmonitor-watchman").write_text("#!/bin/sh\n")
    env = {"GIT_SSH_COMMAND": f"{apart.work}/.git/hooks/ssh"}  # read-only in every box
    checked = json.loads(apart.gatekeep("check", "--json", "-c", "git fetch", env=env).stdout)
    assert checked["boundary"]["status"] == "boxed", checked["boundary"]
    assert checked["boundary"]["env_without"] == []
    with open(apart.home / ".gitconfig", "a", encoding="utf-8") as handle:
        handle.write(f"[core]\n\taskPass = {apart.work}/tools/askpass\n")
    offline = json.loads(apart.gatekeep("check", "--json", "-c", "git status").stdout)
    assert offline["boundary"]["status"] == "boxed", offline["boundary"]


def test_doctor_fails_on_programs_the_operators_settings_name_in_the_tree(
        sandbox: Sandbox) -> None:
    """Outside any box, the operator's own `git push` runs what `GIT_SSH_COMMAND` or
    `core.sshCommand` names, and a shell `BASH_ENV`: one in the working tree or a temp dir
    is the agent's to write. `doctor` names each and fails; one elsewhere passes."""
    (sandbox.home / ".gitconfig").write_text(
        f"[credential]\n\thelper = !{sandbox.work}/ci/creds\n")
    env = {"GIT_SSH_COMMAND": "ssh -F ./ssh-config", "BASH_ENV": "/tmp/env.sh"}
    result = sandbox.gatekeep("doctor", env=env)
    assert result.returncode != 0
    assert "FAIL  GIT_SSH_COMMAND names ssh -F ./ssh-config, where the agent writes" \
        in result.stdout
    assert "FAIL  BASH_ENV names /tmp/env.sh" in result.stdout
    assert f"FAIL  credential.helper (in {sandbox.home / '.gitconfig'}) names " \
        f"!{sandbox.work}/ci/creds" in result.stdout
    (sandbox.home / ".gitconfig").write_text("[credential]\n\thelper = store\n")
    clean = sandbox.gatekeep("doctor", env={"GIT_SSH_COMMAND": "/usr/bin/ssh -i /etc/ssh/k"})
    assert " names " not in clean.stdout, clean.stdout
