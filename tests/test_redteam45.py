"""Red team 45 (on bdffedc): spellings that still set a variable no assignment word shows
beside a networked part, a bare repository in the tree, and `cd -P link/..`. Each leaked a
fake GH_TOKEN end to end. A networked part now gets no network beside any construct where
bash may assign or evaluate a variable's value as arithmetic (`sandbox.policy._EVALUATES`),
a bare repository is a nested one, and `cd -P` through `..` is a directory known at run time.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_redteam43 import judge

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.sandbox.policy import boxed_network
from gatekeep.shell.parse import parse


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:default")


def networked(policy: Policy, decision: Decision) -> bool:
    """Whether the command runs unattended with the network."""
    return decision.decision == "allow" and boxed_network(decision, policy.knowledge)


@pytest.mark.parametrize("command", [
    "(( ((1)), HOME=1 )); git fetch",
    '[[ "]]" != x && HOME=1 -eq 1 ]] && git fetch',
    '[[ "HOME"=1 -eq 1 ]] && git fetch',
    "[[ H\\OME=1 -eq 1 ]] && git fetch",
    "(( HOME \\\n= 1 )); git fetch",
    "for HOME \\\nin 1; do git fetch; done",
    "for \\\nHOME in 1; do git fetch; done",
    "for y in HOME; do : $(($y=1)); git fetch; done",
    "for y in HOME=1; do ((y)); git fetch; done",
    "y=HOME=1; echo $[y]; git fetch",
    "y=HOME=1; echo ${x:y}; git fetch",
    "true {HOME}>/dev/null; git fetch",
    ": {PATH}</dev/null; git fetch",
    ": ${CDPATH[0]:=node_modules}; cd h2 && git fetch",
    "for y in GIT_CONFIG_COUNT=0; do ((y)); git pull; done",
    "y=HOME=1; [[ y -eq 1 ]]; npm ci",
])
def test_a_hidden_assignment_beside_a_networked_part_gets_no_network(
        policy: Policy, command: str) -> None:
    assert not networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "git fetch", "[ -f package-lock.json ] && npm ci", "[[ -d node_modules ]] || npm ci",
    "kubectl get pods -n default -o json | jq '.items[].metadata.name'",
    "kubectl events --for pod/api -n default", 'echo "waiting for npm" && npm ci',
])
def test_ordinary_networked_commands_keep_it(policy: Policy, command: str) -> None:
    assert networked(policy, judge(policy, command))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["git", "remote", "add", "origin", "git@127.0.0.1:o/r.git"], cwd=work,
                   check=True)
    subprocess.run(["git", "init", "--bare", "-q", "node_modules/b2"], cwd=work, check=True)
    (work / "node_modules" / "b2" / "refs" / "x").mkdir()
    (work / "link").symlink_to("node_modules/b2/refs")
    # red team 46: a git dir with only HEAD and a commondir, one whose HEAD is a link to a
    # ref not there yet, and a link into a repository's subdirectory
    (work / "node_modules" / "w").mkdir()
    (work / "node_modules" / "w" / "HEAD").write_text("ref: refs/heads/main\n")
    (work / "node_modules" / "w" / "commondir").write_text("../b2\n")
    (work / "node_modules" / "b3").mkdir()
    (work / "node_modules" / "b3" / "HEAD").symlink_to("refs/heads/zz")
    (work / "node_modules" / "b2" / "x").mkdir()
    (work / "link2").symlink_to("node_modules/b2/x")
    return work


def judged_in(policy: Policy, tree: Path, command: str) -> Decision:
    context = Context(cwd=str(tree), home=str(tree.parent / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"))
    return decide(policy, parse(command), context)


@pytest.mark.parametrize("command", [
    "cd node_modules/b2 && git fetch origin",  # the tree scan passes over node_modules
    "cd node_modules/b2/refs/x && git fetch",  # git finds the bare repository above
    "git -C node_modules/b2 fetch",
    "cd -P link/.. && git fetch",  # bash follows the link: node_modules/b2
    "cd node_modules/w && git fetch origin",  # red team 46: HEAD and a commondir
    "cd node_modules/b3 && git fetch origin",  # a HEAD that is a dangling link
    "cd link2/../refs && git fetch",  # no ./refs: bash goes through the link
])
def test_a_bare_repository_in_the_tree_is_the_agents(policy: Policy, tree: Path,
                                                      command: str) -> None:
    assert not networked(policy, judged_in(policy, tree, command))


def test_the_trees_own_repository_keeps_the_network(policy: Policy, tree: Path) -> None:
    assert networked(policy, judged_in(policy, tree, "git fetch"))
    assert networked(policy, judged_in(policy, tree, "cd ../work && git fetch"))


@pytest.mark.parametrize("command", [
    "[ -v b* ]; git fetch",  # red team 46: a file named `b[$(sh x.sh)]` matches the glob
    '[ -v "$(cat f)" ]; git fetch',
    ': b*; [ -v "$_" ]; git fetch',
    "test -v 'a[x]'; git fetch",
    "[[ -n x &&\n -v $(cat f) ]]; git fetch",
])
def test_test_v_without_a_plain_name_is_asked(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask"
    assert not networked(policy, decision)


def test_test_v_of_a_plain_name_is_ordinary(policy: Policy) -> None:
    assert networked(policy, judge(policy, "[ -v HOME ] && git fetch"))
