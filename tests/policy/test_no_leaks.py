"""Loading a policy never shows the content of a file that is not one.

The agent can write a project policy (``.gatekeep.yaml``), and can name a policy
with ``--policy`` or ``GATEKEEP_POLICY``. Such a policy may extend only
``builtin:NAME`` and files inside its own project (symlinks followed); only the
operator's policy in the config dir may extend other files. And whatever a policy
names, an error about a file that is not a policy says where, never what is in it.
These run the real ``gatekeep`` against real files, with planted secrets.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GATEKEEP = Path(sys.executable).parent / "gatekeep"
TOKEN = "PLANTEDSECRET7f3a"
# Secrets of several shapes: each fails to be a policy in a different way.
SECRETS = {
    "id_rsa": f"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1{TOKEN}rZXk\n"
              "-----END OPENSSH PRIVATE KEY-----\n",
    "env": f"API_KEY: {TOKEN}\n{TOKEN}_NAME: x\n",
    "list": f"- {TOKEN}\n- other\n",
    "json": f'{{"token": "{TOKEN}", "nested": {{"{TOKEN}": 1}}}}\n',
    "tab": f"\t{TOKEN}: 1\n",
    "bad-yaml": f"key: [{TOKEN}\n",
    "anchor": f"a: *{TOKEN}\n",
    "escape": f'k: "\\q{TOKEN}"\n',
    "tag": f"k: !{TOKEN}!x v\n",
    "duplicate": f"{TOKEN}: 1\n{TOKEN}: 2\n",
    "control": f"k: {TOKEN}\x07\n",
    "not-utf8": f"k: {TOKEN}\xff\n",
}


class Home:
    """A HOME with a secret, an operator config dir, a state dir and a project."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.config = root / "config"
        self.state = root / "state"
        self.project = root / "home" / "project"
        for directory in (self.config / "gatekeep", self.state, self.project):
            directory.mkdir(parents=True)
        (self.home / ".ssh").mkdir()
        self.secret = self.home / ".ssh" / "id_rsa"
        self.secret.write_text(SECRETS["id_rsa"])

    def plant(self, name: str, where: Path | None = None) -> Path:
        path = (where or self.home / ".ssh") / name
        text = SECRETS[name]
        path.write_bytes(text.encode("latin-1") if name == "not-utf8" else text.encode())
        return path

    def gatekeep(self, *args: str, env: dict[str, str] | None = None,
                 ) -> subprocess.CompletedProcess[str]:
        environment = {"PATH": "/usr/bin:/bin", "HOME": str(self.home),
                       "XDG_CONFIG_HOME": str(self.config), "XDG_STATE_HOME": str(self.state),
                       **(env or {})}
        return subprocess.run([str(GATEKEEP), *args], capture_output=True, text=True,
                              env=environment, cwd=self.project, timeout=60, check=False,
                              start_new_session=True)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path)


def assert_refused_without_leak(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 5, result.stderr
    assert TOKEN not in result.stderr
    assert TOKEN not in result.stdout
    assert "b3BlbnNzaC1" not in result.stderr + result.stdout


def project_policy(home: Home, extends: str) -> Path:
    path = home.project / ".gatekeep.yaml"
    path.write_text(f"gatekeep: 1\nextends: [{extends}]\n")
    return path


COMMANDS = [("run", "-c", "true"), ("check", "-c", "true"), ("check", "--json", "-c", "true")]


# -- a project policy may not extend files outside its project -------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_project_policy_cannot_extend_a_key_outside_the_project(home: Home,
                                                                command: tuple[str, ...]) -> None:
    path = project_policy(home, str(home.secret))

    result = home.gatekeep(*command)

    assert_refused_without_leak(result)
    assert f"{path}:2:11: extends[0]: this policy may extend only builtin:NAME and files " \
        f"inside {home.project}" in result.stderr


@pytest.mark.parametrize("target", ["~/.ssh/id_rsa", "../.ssh/id_rsa"])
def test_tilde_and_dot_dot_leave_the_project_too(home: Home, target: str) -> None:
    project_policy(home, target)
    assert_refused_without_leak(home.gatekeep("run", "-c", "true"))


def test_a_symlink_in_the_project_to_a_key_is_refused(home: Home) -> None:
    (home.project / "base.yaml").symlink_to(home.secret)
    path = project_policy(home, "base.yaml")

    result = home.gatekeep("check", "-c", "true")

    assert_refused_without_leak(result)
    assert f"{path}:2:11: extends[0]: this policy may extend only" in result.stderr


def test_a_symlinked_directory_in_the_project_is_refused(home: Home) -> None:
    (home.project / "keys").symlink_to(home.home / ".ssh")
    project_policy(home, "keys/id_rsa")
    assert_refused_without_leak(home.gatekeep("run", "-c", "true"))


def test_whether_an_outside_file_exists_is_not_told(home: Home) -> None:
    project_policy(home, str(home.secret))
    there = home.gatekeep("check", "-c", "true").stderr
    project_policy(home, str(home.home / ".ssh" / "nothing"))
    missing = home.gatekeep("check", "-c", "true").stderr
    assert there.replace("id_rsa", "nothing") == missing


def test_dot_gatekeep_directory_policy_belongs_to_the_project(home: Home) -> None:
    """``.gatekeep/policy.yaml`` may extend files of its project, above ``.gatekeep``."""
    (home.project / "common.yaml").write_text(
        "gatekeep: 1\nrules:\n  - {id: no-echo, deny: [echo]}\n")
    (home.project / ".gatekeep").mkdir()
    (home.project / ".gatekeep" / "policy.yaml").write_text(
        "gatekeep: 1\nextends: [../common.yaml, builtin:default]\n")

    result = home.gatekeep("check", "-c", "echo hi")

    assert result.returncode == 4, result.stderr  # the project's deny applies


@pytest.mark.parametrize("how", ["--policy", "GATEKEEP_POLICY"])
@pytest.mark.parametrize("command", ["run", "check"])
def test_named_policy_cannot_extend_outside_its_directory(home: Home, how: str,
                                                          command: str) -> None:
    policy = home.root / "elsewhere" / "strict.yaml"
    policy.parent.mkdir()
    policy.write_text(f"gatekeep: 1\nextends: {home.secret}\n")
    args = ("--policy", str(policy)) if how == "--policy" else ()
    env = {"GATEKEEP_POLICY": str(policy)} if how == "GATEKEEP_POLICY" else None

    result = home.gatekeep(command, *args, "-c", "true", env=env)

    assert_refused_without_leak(result)
    assert "this policy may extend only builtin:NAME and files inside" in result.stderr


def test_operator_policy_may_extend_any_file(home: Home) -> None:
    team = home.root / "team" / "base.yaml"
    team.parent.mkdir()
    team.write_text("gatekeep: 1\nrules:\n  - {id: no-echo, deny: [echo]}\n")
    (home.config / "gatekeep" / "policy.yaml").write_text(
        f"gatekeep: 1\nextends: [builtin:default, {team}]\n")

    result = home.gatekeep("check", "-c", "echo hi")

    assert result.returncode == 4, result.stderr
    assert "no-echo" in result.stdout


# -- no content of a file that is not a policy, wherever it is -------------------------

@pytest.mark.parametrize("name", sorted(SECRETS))
@pytest.mark.parametrize("command", COMMANDS)
def test_operator_policy_extending_a_secret_quotes_nothing_of_it(home: Home, name: str,
                                                                 command: tuple[str, ...]) -> None:
    secret = home.plant(name)
    (home.config / "gatekeep" / "policy.yaml").write_text(f"gatekeep: 1\nextends: {secret}\n")

    result = home.gatekeep(*command)

    assert_refused_without_leak(result)
    assert str(secret) in result.stderr  # it says where


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_project_policy_extending_a_secret_inside_the_project(home: Home, name: str) -> None:
    home.plant(name, home.project)
    project_policy(home, name)

    result = home.gatekeep("check", "--json", "-c", "true")

    assert_refused_without_leak(result)
    assert result.stdout == ""


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_a_project_policy_that_is_a_link_to_a_secret(home: Home, name: str) -> None:
    secret = home.plant(name)
    (home.project / ".gatekeep.yaml").symlink_to(secret)

    result = home.gatekeep("run", "-c", "true")

    assert_refused_without_leak(result)
    assert "gatekeep: nothing was run" in result.stderr


@pytest.mark.parametrize("name", sorted(SECRETS))
@pytest.mark.parametrize("command", [("test",), ("lint",)])
def test_naming_a_secret_as_the_policy(home: Home, name: str, command: tuple[str, ...]) -> None:
    secret = home.plant(name)
    assert_refused_without_leak(home.gatekeep(*command, str(secret)))


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_naming_a_secret_as_a_case_file(home: Home, name: str) -> None:
    secret = home.plant(name)
    assert_refused_without_leak(home.gatekeep("test", "--cases", str(secret)))


def test_a_mapping_that_is_not_a_policy_is_named_as_such(home: Home) -> None:
    secret = home.plant("env")
    result = home.gatekeep("check", "--policy", str(secret), "-c", "true")
    assert result.stderr == (
        f"gatekeep: policy error: {secret}:1:1: not a gatekeep policy: expected a mapping "
        "with 'gatekeep: 1' (the format version)\n")
