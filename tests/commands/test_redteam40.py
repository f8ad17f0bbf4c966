"""Red team 40: ways around the first reading of the operator's variables in a box with the
network (72d63c0): bare names the program finds in the tree, forms the shell or the program
expands, an option stuck to its path, a tree with a blank in its path, a relative path read
from the wrong directory or before a part of the command makes it; and host lists read as
paths. Each test fails on 72d63c0 and asserts the safe outcome.

Networked runs are in ``apart`` sandboxes, as in test_redteam39.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
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
TOKEN = "ghp_redteam40_literal_token"


def _fetch_runs_nothing_of_the_trees(sandbox: Sandbox, env: dict[str, str], name: str,
                                     leak: Path, cwd: Path | None = None,
                                     command: str = "git fetch") -> None:
    result = sandbox.gatekeep("run", "-c", command, env={**env, "GH_TOKEN": TOKEN},
                              timeout=120, cwd=cwd)
    assert not leak.exists(), leak.read_text()
    assert name in _boundary(sandbox, command, env, cwd)["env_without"]
    assert f"it ran without {name}" in result.stderr


@needs_git
@pytest.mark.parametrize(("name", "value"), [
    ("GIT_SSH_COMMAND", "ssh -F ssh_config"),       # ssh reads ./ssh_config: ProxyCommand
    ("GIT_SSH_COMMAND", "sh ssh.sh"),               # sh reads ./ssh.sh
    ("GIT_CONFIG_GLOBAL", "ci.gitconfig"),          # git opens it from the tree's top
    ("GIT_SSH_COMMAND", "$PWD/tools/ssh"),          # sh expands it: the tree's top
    ("GIT_SSH_COMMAND", "${{PWD}}/tools/ssh"),
    ("GIT_SSH_COMMAND", "~/../work/tools/ssh"),     # sh expands `~` (HOME beside the tree)
    ("GIT_SSH_COMMAND", "ssh -F{work}/ssh_config"),  # an option's value stuck to it
    ("GIT_SSH_COMMAND", "$(echo tools/ssh)")])      # the shell's to make: not known here
def test_git_fetch_does_not_run_a_file_of_the_tree_a_variable_names_in_other_forms(
        apart: Sandbox, name: str, value: str) -> None:
    _repository(apart.work)
    leak = apart.work / "leak"
    _script(apart.work / "tools" / "ssh", leak)
    _script(apart.work / "ssh.sh", leak)
    (apart.work / "ssh_config").write_text("Host *\n  ProxyCommand tools/ssh proxy\n")
    (apart.work / "ci.gitconfig").write_text("[core]\n\tsshCommand = tools/ssh\n")
    _fetch_runs_nothing_of_the_trees(apart, {name: value.format(work=apart.work)}, name, leak)


@needs_git
def test_a_relative_path_is_read_from_the_trees_top_too(apart: Sandbox) -> None:
    """The agent works in a subdirectory: `tools` is not in it, but git runs
    GIT_SSH_COMMAND from the repository's top, where `tools/ssh` is the tree's."""
    _repository(apart.work)
    leak = apart.work / "leak"
    _script(apart.work / "tools" / "ssh", leak)
    (apart.work / "sub").mkdir()
    _fetch_runs_nothing_of_the_trees(apart, {"GIT_SSH_COMMAND": "tools/ssh"},
                                     "GIT_SSH_COMMAND", leak, cwd=apart.work / "sub")


@needs_git
def test_a_program_a_part_of_the_command_puts_in_place_is_the_trees(apart: Sandbox) -> None:
    """`tools` is not there when the box is planned; a part before `git fetch` moves it
    into place. Such a part beside a networked one makes the command run offline (red team
    42): the tree's program runs there, if at all, without the token."""
    _repository(apart.work)
    leak = apart.work / "leak"
    _script(apart.work / "tools.old" / "ssh", leak)
    env = {"GIT_SSH_COMMAND": "tools/ssh"}
    command = "mv tools.old tools && git fetch"
    checked = json.loads(apart.gatekeep("check", "--json", "-c", command, env=env).stdout)
    assert checked["decision"] == "allow" and checked["boundary"]["network"] is False
    apart.gatekeep("run", "-c", command, env={**env, "GH_TOKEN": TOKEN}, timeout=120)
    assert not leak.exists() or TOKEN not in leak.read_text()


def _npm_project(work: Path) -> None:
    (work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (work / "package-lock.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0"}}}))
    (work / "ci.npmrc").write_text("registry=http://127.0.0.1:9/\n")


@pytest.mark.parametrize("value", ["ci.npmrc", "${{PWD}}/ci.npmrc", "~/../work/ci.npmrc",
                                   "file://localhost{work}/ci.npmrc"])
def test_npm_ci_goes_without_a_user_config_of_the_trees_in_any_form(
        apart: Sandbox, value: str) -> None:
    """npm resolves a relative path setting from its working directory, and expands
    `${PWD}` and `~/` in it itself."""
    env, seen = _fake(apart, "npm")
    _npm_project(apart.work)
    env |= {"npm_config_userconfig": value.format(work=apart.work), "NPM_TOKEN": TOKEN}
    assert _boundary(apart, "npm ci", env)["env_without"] == ["npm_config_userconfig"]
    result = apart.gatekeep("run", "-c", "npm ci", env=env)
    assert result.returncode == 0, result.stderr
    assert "npm_config_userconfig" not in seen.read_text()


def test_a_tree_with_a_blank_in_its_path_is_still_the_tree(apart: Sandbox) -> None:
    """`/.../My Projects/app/ci.npmrc`, split at the blank, was neither half the tree."""
    tree = apart.work / "My Projects" / "app"
    tree.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    env, _ = _fake(apart, "npm")
    _npm_project(tree)
    env |= {"npm_config_userconfig": str(tree / "ci.npmrc")}
    assert _boundary(apart, "npm ci", env, cwd=tree)["env_without"] == ["npm_config_userconfig"]


@pytest.mark.parametrize(("program", "command", "name", "value"), [
    ("yarn", "yarn install --frozen-lockfile", "YARN_CONFIG", "ci.yarnrc"),
    ("uv", "uv sync --frozen", "UV_PROJECT_ENVIRONMENT", "venv")])
def test_installs_go_without_a_bare_settings_file_or_environment_of_the_trees(
        apart: Sandbox, program: str, command: str, name: str, value: str) -> None:
    """yarn 1 reads YARN_CONFIG's file (its `yarn-path` runs); uv runs the interpreter of
    UV_PROJECT_ENVIRONMENT's directory: both relative to the working directory."""
    env, seen = _fake(apart, program)
    (apart.work / "package.json").write_text('{"name": "y", "version": "1.0.0"}\n')
    (apart.work / "yarn.lock").write_text("# yarn lockfile v1\n\n\n")
    (apart.work / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0.1.0"\n')
    (apart.work / "uv.lock").write_text("version = 1\n")
    env[name] = value
    assert name in _boundary(apart, command, env)["env_without"]
    apart.gatekeep("run", "-c", command, env=env)
    assert f"{name}=" not in seen.read_text()


@needs_git
@pytest.mark.parametrize(("name", "value"), [
    ("no_proxy", "localhost,127.0.0.1,.corp.example.com,.svc.cluster.local"),
    ("NO_PROXY", ".corp.example.com"),
    ("npm_config_noproxy", ".corp.example.com"),
    ("GOPRIVATE", "github.com/corp/*"),
    ("https_proxy", "http://127.0.0.1:3128/tmp/x")])
def test_host_lists_and_urls_are_kept(apart: Sandbox, name: str, value: str) -> None:
    """Guard against false drops: a leading `.` in a proxy list is a domain's suffix, a
    module path is no place (though the agent made a `github.com` directory), a URL's path
    is on another machine. Dropping `no_proxy` sent 127.0.0.1 to the proxy."""
    _repository(apart.work)
    (apart.work / "github.com" / "corp").mkdir(parents=True)
    assert name not in _boundary(apart, "git fetch", {name: value})["env_without"]


@needs_git
@pytest.mark.parametrize("value", ["ssh -o ConnectTimeout=5 -o IdentitiesOnly=yes -i /etc/k",
                                   "ssh -p 2222", "/usr/bin/ssh"])
def test_an_ordinary_git_ssh_command_is_kept(apart: Sandbox, value: str) -> None:
    """Guard: options, numbers and programs outside the tree name no place of it."""
    _repository(apart.work)
    assert _boundary(apart, "git fetch", {"GIT_SSH_COMMAND": value})["env_without"] == []


def test_a_download_cache_the_box_writes_is_kept(apart: Sandbox) -> None:
    """Guard: `npm_config_cache` naming the cache `npm ci`'s box writes is where npm is
    meant to write; without it npm would write a hidden, read-only one."""
    env, _ = _fake(apart, "npm")
    _npm_project(apart.work)
    (apart.home / ".npm").mkdir()
    env["npm_config_cache"] = str(apart.home / ".npm")
    boundary = _boundary(apart, "npm ci", env)
    assert str(apart.home / ".npm") in boundary["writable"]
    assert boundary["env_without"] == []


BROKEN_READER = """
import sys
from gatekeep.sandbox import values
def broken(*args, **kwargs):
    raise RuntimeError("the reader broke")
values.value_places = broken
sys.argv = ["gatekeep", *sys.argv[1:]]
from gatekeep.__main__ import main
sys.exit(main())
"""


@needs_git
@pytest.mark.parametrize("setting", ["variable", "git setting"])
def test_a_value_that_cannot_be_read_runs_nothing(apart: Sandbox, setting: str) -> None:
    """Fail closed: when reading the operator's variables or git settings for a networked
    box raises, the command does not run (exit 70, one line), neither boxed nor without
    the box."""
    _repository(apart.work)
    ran = apart.work / "ran"
    _script(apart.root / "bin" / "ssh", ran)  # the operator's, outside the tree
    env = {"GH_TOKEN": TOKEN}
    if setting == "variable":
        env["GIT_SSH_COMMAND"] = f"{apart.root}/bin/ssh -o BatchMode=yes"
    else:
        (apart.home / ".gitconfig").write_text(f"[core]\n\tsshCommand = {apart.root}/bin/ssh\n")
    assert _boundary(apart, "git fetch", env)["status"] == "boxed"  # unbroken: it would run
    result = subprocess.run(
        [sys.executable, "-c", BROKEN_READER, "run", "-c", "git fetch"], cwd=apart.work,
        env={**apart.env, **env}, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 70, result.stderr
    assert "internal error: RuntimeError: the reader broke" in result.stderr
    assert not ran.exists(), ran.read_text()
