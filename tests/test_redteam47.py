"""Red team 47 (on 7be4072): four ways bash or git set what a networked part obeys, past
what the readers saw, and a spelling of jq's environment. Each leaked a fake GH_TOKEN:

- `true {a[$(cat f)]}<&0`: a descriptor variable's subscript is evaluated as arithmetic,
  and so is what the substitution prints (`HOME=1`, or `b[$(sh x.sh)]`, which runs it);
- `${!_@Q}`: an indirect expansion with a transformation, read as the `${!prefix@}` list;
- `command test -v b*` (`builtin`, `time`): the builtin test, reached past its runner;
- `git switch evil && cd x && git fetch`: a commit holds `x/HEAD`, `x/config` and
  `x/objects/`, a repository once checked out, where the nested check saw none;
- `jq -n '$ ENV.GH_TOKEN'`: jq reads `$ ENV` with a space, as `$ENV`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from judging import judge, judged_in, networked

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "true {a[$(cat f)]}<&0; git fetch", ": {a[$(cat f)]}<&-; git fetch",
    "cat README {a[$(cat f)]}<README; git fetch", "true {a[$(cat f)]}<README && npm ci",
    "true {a[$(cat g)]}<&0; gh pr list", "true {a[0]}<&0; git fetch",
])
def test_a_descriptor_variables_subscript_takes_the_network(policy: Policy,
                                                            command: str) -> None:
    assert not networked(policy, judge(policy, command))


def test_bash_evaluates_what_the_subscript_prints(tmp_path: Path) -> None:
    # the reason for the test above, in real bash: `HOME=1` read from a file is assigned
    (tmp_path / "f").write_text("HOME=1\n")
    ran = subprocess.run(["bash", "--norc", "-c", 'true {a[$(cat f)]}<&0; printf %s "$HOME"'],
                         cwd=tmp_path, capture_output=True, text=True, timeout=30,
                         env={**os.environ, "HOME": "/nowhere"})
    assert ran.stdout == "1"


@pytest.mark.parametrize("command", [
    ": b*; : ${!_@Q}; git fetch", ": b*; : ${!_@E}; git fetch", ': b*; : "${!_@K}"; npm ci',
    '[ -n "${!_@Q}" ] && git fetch', "git fetch; : GH_TOKEN; echo ${!_@Q}",
    ": GH_TOKEN; echo ${!_@a}",
])
def test_an_indirect_expansion_with_a_transformation_is_asked(policy: Policy,
                                                              command: str) -> None:
    assert judge(policy, command).decision == "ask"


def test_a_list_of_names_is_no_indirect_expansion(policy: Policy) -> None:
    assert networked(policy, judge(policy, "echo ${!GIT@} ${!NPM*}; git fetch"))


@pytest.mark.parametrize("command", [
    "command test -v b* && git fetch", "command test -R b*; npm ci",
    "builtin test -v ./b*; gh pr list", "command -- test -v b*; git fetch",
    "command -p test -v b*; git fetch", "builtin command test -v b*; git fetch",
    "command builtin test -v b*; git fetch", "if command test -v b*; then git fetch; fi",
    "time test -v b*; git fetch", "time -p test -v b*; git fetch",
])
def test_test_v_past_its_runner_is_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"


def test_test_past_its_runner_is_ordinary(policy: Policy) -> None:
    assert networked(policy, judge(policy, "command test -f x && git fetch"))
    assert networked(policy, judge(policy, "command test -v PATH && git fetch"))


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    work = tmp_path / "work"
    work.mkdir()

    def git(*words: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *words], cwd=work,
                       check=True, capture_output=True, timeout=30)

    git("init", "-q", "-b", "main")
    git("commit", "-q", "--allow-empty", "-m", "a")
    git("switch", "-q", "-c", "evil")
    (work / "x" / "objects" / "k").mkdir(parents=True)
    (work / "x" / "refs").mkdir()
    (work / "x" / "HEAD").write_text("ref: refs/heads/main\n")
    (work / "x" / "config").write_text("[core]\n\tsshCommand = sh leak.sh\n")
    (work / "x" / "objects" / "k" / "f").write_text("")
    (work / "x" / "refs" / "f").write_text("")
    git("add", "x")
    git("commit", "-q", "-m", "e")
    git("switch", "-q", "main")
    (work / "sub").mkdir()
    return work



@pytest.mark.parametrize("command", [
    "git switch evil && cd x && git fetch origin", "git merge evil && cd x && git fetch",
    "git stash pop && cd x && git fetch origin", "git stash pop && cd x && git pull",
    "git pull && cd x && git fetch",
])
def test_git_checking_out_before_a_cd_takes_the_network(policy: Policy, repository: Path,
                                                        command: str) -> None:
    assert not (repository / "x").exists()
    assert not networked(policy, judged_in(policy, repository, command))


def test_a_checked_out_directory_is_a_repository_to_git(repository: Path) -> None:
    # why: once `evil` is checked out, git in `x` reads `x/config`
    subprocess.run(["git", "switch", "-q", "evil"], cwd=repository, check=True, timeout=30)
    found = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=repository / "x",
                           capture_output=True, text=True, timeout=30)
    assert found.stdout.strip() == "."


@pytest.mark.parametrize("command", [
    "cd sub && git fetch", "cd sub && git status && git fetch",
    "git stash && git pull && git stash pop",
])
def test_git_without_a_checkout_before_a_cd_keeps_it(policy: Policy, repository: Path,
                                                    command: str) -> None:
    assert networked(policy, judged_in(policy, repository, command))


@pytest.mark.parametrize("command", [
    "git fetch; jq -n '$ ENV.GH_TOKEN'", "jq -n '$  ENV'", "jq -n '$\nENV'",
    "jq -n '$ # note\nENV.GH_TOKEN'", "yq -n '$ ENV'",
])
def test_jq_reading_the_environment_with_a_space_is_asked(policy: Policy,
                                                          command: str) -> None:
    assert judge(policy, command).decision == "ask"
