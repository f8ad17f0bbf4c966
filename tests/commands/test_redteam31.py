"""Red team 31: what a box with the network keeps of the secret variables (commit e2865a9).

One test per confirmed finding (/work/notes/redteam-31.md); each fails on e2865a9 and
asserts the outcome a fix must reach, not one way of reaching it.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

SECRETS = {"OPENAI_API_KEY": "sk-planted", "AWS_SECRET_ACCESS_KEY": "aws-planted",
           "GITHUB_TOKEN": "ghp-planted", "GH_TOKEN": "gho-planted"}


def _seen(path: Any) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _repository(sandbox: Sandbox, probe: bool = True) -> None:
    """A repository in the tree whose ``git fetch`` (of itself) runs a script of the
    operator's that records the environment git was given (as in test_box_secret_env)."""
    subprocess.run(["git", "init", "-q"], cwd=sandbox.work, check=True)
    subprocess.run(["git", "remote", "add", "origin", str(sandbox.work)], cwd=sandbox.work,
                   check=True)
    if probe:
        script = sandbox.root / "upload-pack"
        script.write_text(f"#!/bin/sh\nenv > {sandbox.work / 'seen'}\nexit 1\n")
        script.chmod(0o755)
        subprocess.run(["git", "config", "remote.origin.uploadpack", str(script)],
                       cwd=sandbox.work, check=True)


# F1 ---------------------------------------------------------------------------------
def test_a_credentials_file_linked_into_the_tree_does_not_choose_what_is_kept(
        settled: Sandbox) -> None:
    """The operator's ~/.npmrc is a link into the agent's tree (a dotfiles repository):
    the agent writes ``${OPENAI_API_KEY}`` there, and an allowed ``npm ci`` must not keep
    that variable with the network (asked, offline, or unset are all fine)."""
    sandbox = settled
    subprocess.run(["git", "init", "-q"], cwd=sandbox.work, check=True)
    (sandbox.work / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (sandbox.work / "package-lock.json").write_text(json.dumps({
        "name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "x", "version": "1.0.0"}}}))
    (sandbox.work / "dot-npmrc").write_text(
        "registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=${OPENAI_API_KEY}\n")
    (sandbox.home / ".npmrc").symlink_to(sandbox.work / "dot-npmrc")
    check = sandbox.gatekeep("check", "--json", "-c", "npm ci", env=SECRETS)
    document = json.loads(check.stdout)
    boundary = document["boundary"]
    assert document["decision"] != "allow" or not boundary["network"] \
        or "OPENAI_API_KEY" not in boundary["kept"], boundary


# F2 ---------------------------------------------------------------------------------
def test_a_saved_approval_keeps_what_the_approved_run_kept(settled: Sandbox) -> None:
    """``terraform plan`` approved "always": the first run (approved at the prompt) gets
    AWS_SECRET_ACCESS_KEY; every later run the saved approval allows must get it too."""
    sandbox = settled
    subprocess.run(["git", "init", "-q"], cwd=sandbox.work, check=True)
    tools = sandbox.root / "bin"
    tools.mkdir()
    stub = tools / "terraform"
    stub.write_text(f"#!/bin/sh\nenv > {sandbox.work / 'seen'}\n")
    stub.chmod(0o755)
    env = {**SECRETS, "PATH": f"{tools}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    sandbox.answer_always("terraform plan", env=env)
    first = _seen(sandbox.work / "seen")
    assert first.get("AWS_SECRET_ACCESS_KEY") == SECRETS["AWS_SECRET_ACCESS_KEY"]  # approved
    (sandbox.work / "seen").unlink()
    again = sandbox.gatekeep("run", "-c", "terraform plan", env=env)
    assert again.returncode == 0, again.stderr  # allowed by the saved approval
    assert _seen(sandbox.work / "seen").get("AWS_SECRET_ACCESS_KEY") == \
        SECRETS["AWS_SECRET_ACCESS_KEY"]


# F3 ---------------------------------------------------------------------------------
def test_git_helper_in_xdg_config_keeps_its_variable(settled: Sandbox) -> None:
    """The operator's global git config is ``$XDG_CONFIG_HOME/git/config`` (git reads it,
    the box shows it): its credential helper's variable is kept for ``git fetch`` as the
    same helper's in ``~/.gitconfig`` is."""
    sandbox = settled
    _repository(sandbox)
    git_config = sandbox.config_home / "git" / "config"
    git_config.parent.mkdir(parents=True)
    git_config.write_text(
        '[credential]\n\thelper = "!f() { echo password=$CORP_GIT_TOKEN; }; f"\n')
    env = {**SECRETS, "CORP_GIT_TOKEN": "corp-planted"}
    check = sandbox.gatekeep("check", "--json", "-c", "git fetch", env=env)
    assert json.loads(check.stdout)["boundary"]["network"] is True
    result = sandbox.gatekeep("run", "-c", "git fetch", env=env, timeout=60)
    assert result.returncode == 128, result.stderr  # the probe ended the fetch
    assert _seen(sandbox.work / "seen").get("CORP_GIT_TOKEN") == "corp-planted"


# F4 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("reader", ["jq -n env", "jq -n '$ENV.GITHUB_TOKEN'", "yq -n env"])
def test_a_reading_part_beside_a_networked_one_does_not_see_its_credentials(
        settled: Sandbox, reader: str) -> None:
    """``jq -n env`` alone runs offline without GITHUB_TOKEN; beside ``git fetch`` it
    must not print the token git's helper would get (asked, refused or without it)."""
    sandbox = settled
    if reader.startswith("yq") and not os.path.exists("/usr/bin/yq"):
        pytest.skip("needs yq")
    _repository(sandbox, probe=False)
    result = sandbox.gatekeep("run", "-c", f"git fetch -q; {reader}", env=SECRETS, timeout=60)
    assert SECRETS["GITHUB_TOKEN"] not in result.stdout, result.stdout
    assert SECRETS["GH_TOKEN"] not in result.stdout, result.stdout
