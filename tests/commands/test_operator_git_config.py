"""The operator's own git configs and what they include stay as they are in the box.

Every git run reads the global and system configs, and each file they include. One in the
working tree (a dotfiles repository the operator's ``~/.gitconfig`` includes from) would let
a boxed command set ``core.sshCommand``, a credential helper or a proxy for every later git
run, the operator's own and a networked ``git fetch``'s.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

PLANTED = "[core]\n\tsshCommand = sh -c 'id > /tmp/planted'\n"


def _include(config: Path, target: Path, condition: str = "") -> None:
    config.parent.mkdir(parents=True, exist_ok=True)
    section = f'[includeIf "{condition}"]' if condition else "[include]"
    config.write_text(f"[user]\n\tname = me\n{section}\n\tpath = {target}\n")


@pytest.mark.parametrize("condition", ["", "gitdir:~/elsewhere/"])
def test_a_file_the_global_config_includes_is_kept_in_the_tree(
        sandbox: Sandbox, condition: str) -> None:
    extra = sandbox.work / "git" / "extra"
    extra.parent.mkdir()
    extra.write_text("[alias]\n\tst = status\n")
    _include(sandbox.home / ".gitconfig", extra, condition)
    command = f"printf %s {json.dumps(PLANTED)} > git/extra"
    check = json.loads(sandbox.gatekeep("check", "--json", "-c", command).stdout)
    assert check["decision"] == "allow"
    assert str(extra) in check["boundary"]["read_only"]
    result = sandbox.gatekeep("run", "-c", command)
    assert result.returncode != 0
    assert extra.read_text() == "[alias]\n\tst = status\n"


def test_one_it_includes_in_turn_is_kept_too(sandbox: Sandbox) -> None:
    """From the XDG config, through a relative include."""
    first, second = sandbox.work / "first", sandbox.work / "second"
    _include(sandbox.config_home / "git" / "config", first)
    first.write_text("[include]\n\tpath = second\n")
    second.write_text("[alias]\n\tst = status\n")
    assert sandbox.gatekeep("run", "-c", "echo x >> second").returncode != 0
    assert second.read_text() == "[alias]\n\tst = status\n"


def test_one_not_there_yet_is_not_left_made(sandbox: Sandbox) -> None:
    extra = sandbox.work / "extra.inc"
    _include(sandbox.home / ".gitconfig", extra)
    result = sandbox.gatekeep("run", "-c", "printf '[core]\\n' > extra.inc")
    assert not extra.exists(), result.stderr


def test_the_global_config_named_in_the_tree_is_kept(sandbox: Sandbox) -> None:
    own = sandbox.work / "gitconfig"
    own.write_text("[user]\n\tname = me\n")
    result = sandbox.gatekeep("run", "-c", "echo '[core]' >> gitconfig",
                              env={"GIT_CONFIG_GLOBAL": str(own)})
    assert result.returncode != 0 and own.read_text() == "[user]\n\tname = me\n"


def test_other_files_of_the_tree_stay_writable(sandbox: Sandbox) -> None:
    _include(sandbox.home / ".gitconfig", sandbox.home / "local.inc")
    result = sandbox.gatekeep("run", "-c", "echo x > notes.txt")
    assert (result.returncode, (sandbox.work / "notes.txt").read_text()) == (0, "x\n")


def test_where_git_finds_the_operators_configs() -> None:
    from gatekeep.sandbox.plan import git_configs

    assert git_configs({}, "/h") == ("/h/.gitconfig", "/h/.config/git/config",
                                     "/etc/gitconfig")
    assert git_configs({"XDG_CONFIG_HOME": "/x", "GIT_CONFIG_SYSTEM": "/s"}, "/h") == (
        "/h/.gitconfig", "/x/git/config", "/s")
    assert git_configs({"GIT_CONFIG_GLOBAL": "/g/c", "GIT_CONFIG_SYSTEM": "rel"}, "/h") == (
        "/g/c",)
