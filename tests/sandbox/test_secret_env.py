"""Secret variables and the box: the spec carries their name parts, a box without network
starts without them, and a stored spec from before the field is not one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gatekeep.policy.load import load_policy
from gatekeep.runtime import execute
from gatekeep.sandbox import plan, wire
from gatekeep.sandbox.boundary import Boundary, boundary
from gatekeep.sandbox.bwrap import box_env, removed
from gatekeep.sandbox.policy import spec_for
from gatekeep.sandbox.spec import Limits, Spec, secret_name

BWRAP = "/usr/bin/bwrap"
PARTS = ("TOKEN", "KEY", "DATABASE_URL", "PGPASSWORD")
ENV = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "t", "aws_secret_key": "k",
       "DATABASE_URL": "d", "PGPASSWORD": "p", "TOKENIZERS_PARALLELISM": "false",
       "KEYBOARD": "us", "SSH_AUTH_SOCK": "/run/x"}


def test_a_name_is_secret_by_its_whole_parts() -> None:
    assert [n for n in ENV if secret_name(n, PARTS)] == [
        "GITHUB_TOKEN", "aws_secret_key", "DATABASE_URL", "PGPASSWORD"]


def test_the_spec_carries_the_policies_secret_parts(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("gatekeep: 1\n")
    policy = load_policy(tmp_path / "p.yaml")
    spec = spec_for([policy])
    assert spec.secrets == policy.knowledge.secrets
    assert {"TOKEN", "PASSWORD", "DATABASE_URL"} <= set(spec.secrets)


def test_a_stored_spec_without_them_is_not_a_spec() -> None:
    """A decision stored before the field: the fast path gets a ValueError and the full path
    decides afresh, rather than a box that keeps every secret."""
    data = Spec(secrets=PARTS).to_json()
    assert Spec.from_json(wire.loads(wire.dumps(data))).secrets == PARTS
    del data["secrets"]
    with pytest.raises(ValueError, match="not a boundary"):
        Spec.from_json(data)
    with pytest.raises(ValueError, match="not a boundary"):
        plan.spec_from_fields('{"command": "x", "boundary": ' + wire.dumps(data))


def _box(tmp_path: Path, network: bool) -> Boundary:
    spec = Spec(network=network, secrets=PARTS)
    return boundary(spec, plan.where({"HOME": str(tmp_path / "home")}, str(tmp_path),
                                     (str(tmp_path / "c"), str(tmp_path / "s")), spec))


def test_only_a_box_without_network_goes_without_them(tmp_path: Path) -> None:
    offline, online = _box(tmp_path, False), _box(tmp_path, True)
    assert offline.secrets == PARTS and online.secrets == ()
    assert box_env(offline, ENV) == {"PATH": "/usr/bin:/bin", "TOKENIZERS_PARALLELISM": "false",
                                     "KEYBOARD": "us", "SSH_AUTH_SOCK": "/run/x"}
    assert {k: v for k, v in box_env(online, ENV).items()
            if not k.startswith("GIT_CONFIG_")} == ENV  # and no git hooks: below
    assert removed(offline, ENV) == ["DATABASE_URL", "GITHUB_TOKEN", "PGPASSWORD",
                                     "SSH_AUTH_SOCK", "aws_secret_key"]
    assert removed(online, ENV) == ["SSH_AUTH_SOCK"]


@pytest.mark.skipif(not os.path.exists(BWRAP), reason="needs bubblewrap")
def test_a_boxed_run_does_not_see_them(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    box = Boundary(str(tree), (str(tree),), (), (), (), (), False, False, Limits(),
                   secrets=PARTS)
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        ran = execute.run_boxed(box, BWRAP, execute.system_shell(),
                                ["bash", "-c", "env > seen"], ENV)
    finally:
        os.chdir(cwd)
    assert ran.status == 0
    names = {line.split("=", 1)[0] for line in (tree / "seen").read_text().splitlines()}
    assert "TOKENIZERS_PARALLELISM" in names and "KEYBOARD" in names
    assert not names & {"GITHUB_TOKEN", "aws_secret_key", "DATABASE_URL", "PGPASSWORD",
                        "SSH_AUTH_SOCK"}


@pytest.mark.parametrize("name", ["DB_PASS", "SMTP_PASS", "NPM_CONFIG__AUTH",
                                  "npm_config_//registry.npmjs.org/:_authToken", "CI_JOB_JWT",
                                  "SLACK_WEBHOOK_URL", "AZURE_STORAGE_CONNECTION_STRING",
                                  "SESSION_COOKIE"])
def test_the_shipped_parts_name_common_carriers_of_secrets(tmp_path: Path, name: str) -> None:
    (tmp_path / "p.yaml").write_text("gatekeep: 1\n")
    assert secret_name(name, load_policy(tmp_path / "p.yaml").knowledge.secrets)


@pytest.mark.parametrize("name", ["GIT_AUTHOR_NAME", "PASSENGER_ENV", "COOKIECUTTER_CONFIG",
                                  "SSH_AUTH_SOCK", "AUTH_DOMAIN",
                                  "TOKENIZERS_PARALLELISM", "KEYBOARD", "OAUTHLIB_INSECURE"])
def test_the_shipped_parts_pass_names_that_only_contain_them(tmp_path: Path, name: str) -> None:
    (tmp_path / "p.yaml").write_text("gatekeep: 1\n")
    assert not secret_name(name, load_policy(tmp_path / "p.yaml").knowledge.secrets)


def _networked(network: bool) -> Boundary:
    return Boundary("/t", ("/t",), (), (), (), (), network, False, Limits())


def test_a_box_with_the_network_runs_no_git_hook_after_the_callers_settings() -> None:
    given = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name",
             "GIT_CONFIG_VALUE_0": "me", "PATH": "/usr/bin"}

    env = box_env(_networked(network=True), given)

    assert env == {**given, "GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_1": "core.hooksPath",
                   "GIT_CONFIG_VALUE_1": "/dev/null"}


@pytest.mark.parametrize("count", ["", "x", "-3"])
def test_a_count_that_is_no_count_starts_the_settings_again(count: str) -> None:
    env = box_env(_networked(network=True), {"GIT_CONFIG_COUNT": count})
    assert env == {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.hooksPath",
                   "GIT_CONFIG_VALUE_0": "/dev/null"}


def test_a_box_without_the_network_leaves_git_its_hooks() -> None:
    assert box_env(_networked(network=False), {"PATH": "/usr/bin"}) == {"PATH": "/usr/bin"}


@pytest.mark.skipif(not os.path.exists(BWRAP), reason="needs bubblewrap")
def test_git_in_a_box_with_the_network_reads_no_hooks_path(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    box = Boundary(str(tree), (str(tree),), (), (), (), (), True, False, Limits())
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        ran = execute.run_boxed(box, BWRAP, execute.system_shell(),
                                ["bash", "-c", "git -c core.hooksPath=.githooks init -q && "
                                 "git config core.hooksPath > seen"], {"PATH": "/usr/bin:/bin"})
    finally:
        os.chdir(cwd)
    assert ran.status == 0
    assert (tree / "seen").read_text() == "/dev/null\n"
