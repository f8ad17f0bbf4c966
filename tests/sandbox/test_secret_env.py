"""Secret variables and the box: the spec carries their name parts, a box starts without
them but those a box with the network keeps for its programs, and a stored spec from before
the fields is not one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gatekeep.policy.load import load_knowledge_default, load_policy
from gatekeep.runtime import execute
from gatekeep.sandbox import plan, wire
from gatekeep.sandbox.boundary import Boundary, Where, boundary
from gatekeep.sandbox.bwrap import BOX_DEFAULTS, box_env, kept, removed
from gatekeep.sandbox.credentials import GIT_CONFIGS
from gatekeep.sandbox.credentials import kept as kept_names
from gatekeep.sandbox.policy import credentials_for, spec_for
from gatekeep.sandbox.spec import Limits, Spec, kept_name, secret_name

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


def _box(tmp_path: Path, network: bool, credentials: tuple[str, ...] = ()) -> Boundary:
    spec = Spec(network=network, secrets=PARTS, credentials=credentials)
    return boundary(spec, plan.where({"HOME": str(tmp_path / "home")}, str(tmp_path),
                                     (str(tmp_path / "c"), str(tmp_path / "s")), spec))


def test_a_box_goes_without_them_but_what_the_network_keeps(tmp_path: Path) -> None:
    offline = _box(tmp_path, False, ("GITHUB_TOKEN",))
    online = _box(tmp_path, True, ("GITHUB_TOKEN", "AWS_*"))
    assert offline.secrets == PARTS == online.secrets
    assert offline.kept == () and online.kept == ("GITHUB_TOKEN", "AWS_*")
    assert box_env(offline, ENV) == {"PATH": "/usr/bin:/bin", "TOKENIZERS_PARALLELISM": "false",
                                     "KEYBOARD": "us", "SSH_AUTH_SOCK": "/run/x",
                                     **BOX_DEFAULTS}
    assert {k: v for k, v in box_env(online, ENV).items()
            if not k.startswith("GIT_CONFIG_") and k not in BOX_DEFAULTS} == {
        "PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "t", "aws_secret_key": "k",
        "TOKENIZERS_PARALLELISM": "false", "KEYBOARD": "us",
        "SSH_AUTH_SOCK": "/run/x"}  # no git hooks either: below
    assert removed(offline, ENV) == ["DATABASE_URL", "GITHUB_TOKEN", "PGPASSWORD",
                                     "SSH_AUTH_SOCK", "aws_secret_key"]
    assert removed(online, ENV) == ["DATABASE_URL", "PGPASSWORD", "SSH_AUTH_SOCK"]
    assert kept(online, ENV) == ["GITHUB_TOKEN", "aws_secret_key"]  # AWS_*: any case
    assert kept(offline, ENV) == []


def test_an_approved_box_with_the_network_keeps_them_all(tmp_path: Path) -> None:
    online = _box(tmp_path, True, ("*",))
    assert removed(online, ENV) == ["SSH_AUTH_SOCK"]
    assert sorted(kept(online, ENV)) == ["DATABASE_URL", "GITHUB_TOKEN", "PGPASSWORD",
                                         "aws_secret_key"]


@pytest.mark.parametrize(("kept_as", "name", "keeps"), [
    ("npm_config_*", "NPM_CONFIG__AUTH", True),  # npm reads either case
    ("npm_config_*", "npm_config_//registry.npmjs.org/:_authToken", True),
    ("npm_config_*", "MY_npm_config_TOKEN", False),
    ("NPM_TOKEN", "NPM_TOKEN_2", False),
    ("NPM_TOKEN", "npm_token", True),
])
def test_a_kept_entry_is_a_name_or_a_prefix(kept_as: str, name: str, keeps: bool) -> None:
    assert kept_name(name, (kept_as,)) is keeps


def _where(home: Path | str, git_configs: tuple[str, ...] = ()) -> Where:
    return Where("/nowhere", str(home), (), (), git_configs=git_configs)


def credentials(entries: tuple[str, ...], where: Where, writable: list[str]
                ) -> tuple[str, ...]:
    """What a box that writes ``writable`` keeps, as the box's planning asks it."""
    places = [*writable, *(os.path.realpath(w) for w in writable)]
    return kept_names(entries, where.home, where.git_configs,
                      lambda path: any(os.path.realpath(path) == p
                                       or os.path.realpath(path).startswith(p + "/")
                                       or os.path.abspath(path).startswith(p + "/")
                                       for p in places))


def test_the_operators_config_names_what_its_program_sends(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".npmrc").write_text(
        "//npm.corp.example/:_authToken=${CORP_NPM_TOKEN}\nemail=$MAIL_ADDRESS\n"
        "x=${1BAD} $ ${} $$ ${lower_ok}\n")
    found = credentials(("NPM_TOKEN", "~/.npmrc", "~/.absent"), _where(home), [])
    assert found == ("NPM_TOKEN", "CORP_NPM_TOKEN", "MAIL_ADDRESS", "lower_ok")
    assert credentials(("~/.npmrc",), _where(""), []) == ()  # no home: no file of its own


def test_a_file_the_box_could_write_names_nothing(tmp_path: Path) -> None:
    """In the tree, or reached through a link into it: the agent chose what it names."""
    home, tree = tmp_path / "home", tmp_path / "tree"
    home.mkdir()
    tree.mkdir()
    (tree / "npmrc").write_text("//evil/:_authToken=${OPENAI_API_KEY}\n")
    (home / ".npmrc").symlink_to(tree / "npmrc")
    assert credentials(("NPM_TOKEN", "~/.npmrc"), _where(home), [str(tree)]) == ("NPM_TOKEN",)
    assert credentials(("~/.npmrc",), _where(home), []) == ("OPENAI_API_KEY",)


def test_a_fifo_names_nothing_and_holds_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    os.mkfifo(home / ".npmrc")
    assert credentials(("~/.npmrc",), _where(home), []) == ()  # returns: no reader blocks


def test_the_git_configs_name_what_git_keeps(tmp_path: Path) -> None:
    """As git finds them: the XDG one, and what it includes."""
    home, xdg = tmp_path / "home", tmp_path / "xdg" / "git"
    home.mkdir()
    xdg.mkdir(parents=True)
    (xdg / "config").write_text("[include]\n\tpath = creds\n")
    (xdg / "creds").write_text('[credential]\n\thelper = "!f() { echo password=$CORP; }; f"\n')
    where = _where(home, (str(home / ".gitconfig"), str(xdg / "config")))
    assert credentials(("GH_TOKEN", GIT_CONFIGS), where, []) == ("GH_TOKEN", "CORP")
    assert credentials((GIT_CONFIGS,), where, [str(xdg)]) == ()  # a box writes them


def test_the_operators_knowledge_says_what_each_program_keeps(tmp_path: Path) -> None:
    """The operator's ``programs.yaml`` names a program's credentials anew (only the
    operator's config dir extends program knowledge)."""
    (tmp_path / "programs.yaml").write_text(
        "gatekeep-programs: 1\nenvironment:\n  credentials:\n    gh: [CORP_GH_TOKEN]\n")
    (tmp_path / "op.yaml").write_text("gatekeep: 1\n")
    shipped = load_policy(tmp_path / "op.yaml")
    assert {"GH_TOKEN", "GITHUB_TOKEN"} <= set(credentials_for(shipped, ["/usr/bin/gh"]))
    assert credentials_for(shipped, ["docker", "curl", "kubectl"]) == ()
    extended = load_policy(tmp_path / "op.yaml",
                           load_knowledge_default(tmp_path / "programs.yaml"))
    assert credentials_for(extended, ["gh"]) == ("CORP_GH_TOKEN",)
    assert "NPM_TOKEN" in credentials_for(extended, ["npm"])  # the rest as shipped


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


def _networked_git(first: int) -> dict[str, str]:
    """The box's own git settings, numbered from ``first``."""
    settings = [("core.hooksPath", "/dev/null"), ("fetch.recurseSubmodules", "false"),
                ("submodule.recurse", "false")]
    found = {"GIT_CONFIG_COUNT": str(first + len(settings))}
    for index, (key, value) in enumerate(settings, first):
        found |= {f"GIT_CONFIG_KEY_{index}": key, f"GIT_CONFIG_VALUE_{index}": value}
    return found


def test_a_box_with_the_network_runs_no_git_hook_after_the_callers_settings() -> None:
    given = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name",
             "GIT_CONFIG_VALUE_0": "me", "PATH": "/usr/bin"}

    env = box_env(_networked(network=True), given)

    assert env == {**given, **_networked_git(1), **BOX_DEFAULTS}


@pytest.mark.parametrize("count", ["", "x", "-3", "²", "٢", " 2"])
def test_a_count_that_is_no_count_starts_the_settings_again(count: str) -> None:
    """What git would refuse ("bogus count"): ASCII digits only, as git reads it."""
    env = box_env(_networked(network=True), {"GIT_CONFIG_COUNT": count})
    assert env == {**_networked_git(0), **BOX_DEFAULTS}


@pytest.mark.parametrize("count", ["²", "٢"])
def test_a_count_git_refuses_is_not_mended(tmp_path: Path, count: str) -> None:
    """A dropped value beside such a count: nothing is numbered again (and nothing
    crashes: int('²') raises)."""
    given = {"GIT_CONFIG_COUNT": count, "GIT_CONFIG_KEY_0": "core.sshCommand",
             "GIT_CONFIG_VALUE_0": f"{tmp_path}/ssh.sh", "GIT_CONFIG_KEY_1": "user.name",
             "GIT_CONFIG_VALUE_1": "Operator"}
    env = box_env(_steady_box(tmp_path), given)
    assert "GIT_CONFIG_VALUE_0" not in env or env["GIT_CONFIG_VALUE_0"] != given[
        "GIT_CONFIG_VALUE_0"]


def test_a_box_without_the_network_leaves_git_its_hooks() -> None:
    assert box_env(_networked(network=False), {"PATH": "/usr/bin"}) == {"PATH": "/usr/bin",
                                                                         **BOX_DEFAULTS}


def test_the_callers_own_setting_wins_over_the_box_s_default() -> None:
    assert box_env(_networked(network=False), {"UV_LINK_MODE": "hardlink"}) == {
        "UV_LINK_MODE": "hardlink"}
    assert box_env(_networked(network=False), {})["UV_LINK_MODE"] == "copy"


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


@pytest.mark.parametrize("entry", ["*TOKEN", "GH_TOKEN ", "1ABC", "GH-TOKEN", ".npmrc"])
def test_a_credentials_entry_that_names_nothing_is_a_load_error(tmp_path: Path,
                                                               entry: str) -> None:
    from gatekeep.errors import PolicyError

    (tmp_path / "programs.yaml").write_text(
        f"gatekeep-programs: 1\nenvironment:\n  credentials:\n    gh: ['{entry}']\n")
    with pytest.raises(PolicyError, match="expected a variable's name"):
        load_knowledge_default(tmp_path / "programs.yaml")


def _steady_box(tree: Path) -> Boundary:
    return Boundary(str(tree), (str(tree),), (), (), (), (), True, False, Limits(),
                    steady_path=True)


def _git_name(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "config", "--get", "user.name"], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_setting_that_lost_its_value_goes_whole(tmp_path: Path) -> None:
    """GIT_CONFIG_VALUE_0 names a script of the tree: a box with the network drops it, and
    git stopped on every run ("missing config value"). The setting goes whole, the one after
    it is numbered again, and git reads it."""
    (tmp_path / "ssh.sh").write_text("#!/bin/sh\n")
    given = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GIT_CONFIG_COUNT": "2",
             "GIT_CONFIG_KEY_0": "core.sshCommand",
             "GIT_CONFIG_VALUE_0": f"{tmp_path}/ssh.sh",
             "GIT_CONFIG_KEY_1": "user.name", "GIT_CONFIG_VALUE_1": "Operator"}

    env = box_env(_steady_box(tmp_path), given)

    assert {name: value for name, value in env.items() if name.startswith("GIT_CONFIG")} == {
        "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "Operator", **_networked_git(1)}
    named = _git_name(env, tmp_path)
    assert (named.returncode, named.stdout) == (0, "Operator\n"), named.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("count", ["3", "9"])
def test_settings_the_caller_left_incomplete_stay_so(tmp_path: Path, count: str) -> None:
    """A count beyond the settings given: git stops outside the box, and in it too; the box
    mends only what it dropped."""
    given = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GIT_CONFIG_COUNT": count,
             "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "Operator",
             "GIT_CONFIG_KEY_1": "core.sshCommand",
             "GIT_CONFIG_VALUE_1": f"{tmp_path}/ssh.sh"}
    outside = _git_name(given, tmp_path)
    inside = _git_name(box_env(_steady_box(tmp_path), given), tmp_path)
    assert outside.returncode != 0 and "missing config" in outside.stderr
    assert inside.returncode != 0 and "missing config" in inside.stderr, inside.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_in_a_box_with_the_network_recurses_into_no_submodule(tmp_path: Path) -> None:
    """Over the operator's `submodule.recurse = true`: a gitlink a part beside the fetch
    stages would have git fetch in the agent's repository, with its config (red team 43)."""
    (tmp_path / ".gitconfig").write_text("[submodule]\n\trecurse = true\n"
                                         "[fetch]\n\trecurseSubmodules = true\n")
    env = box_env(_steady_box(tmp_path), {"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    for key in ("submodule.recurse", "fetch.recurseSubmodules"):
        read = subprocess.run(["git", "config", "--get", key], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=False)
        assert read.stdout == "false\n", (key, read.stderr)
