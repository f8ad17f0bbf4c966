"""Red team 50 (on 4c67e99): programs other than the one judged, and reads where only the
running shell knows the path. Each ran the agent's code with the network and a fake
GH_TOKEN, or printed the token:

- `exec -a git-clone git fetch ... -u "sh x.sh"`: git named `git-clone` clones, and runs
  `-u`'s value as its upload-pack;
- `git switch evil; ./bin/git fetch`: a link in the tree to /usr/bin/git was judged as git,
  and the checkout beside it replaced the link with the agent's script;
- `cd sub && ./bin/git fetch`: the path was judged from the starting directory;
- `cd /proc/self/fd/..; cat environ` and `cat /dev/stdin/../environ < /dev/fd`: paths that
  only the running shell can walk (its /proc entry, its stdin).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judge, judged_in, linked_tree, networked

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    'exec -a git-clone git fetch --no-local -u "sh x.sh" origin',
    "git fetch; (exec -a git-clone git pull -u 'sh x.sh' origin)",
    "exec -a git-reset git fetch --hard", "command exec -a x ls",
])
def test_exec_a_is_asked(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask"
    assert any(v.rule == "hazard:runs-code" for s in decision.segments for v in s.deciding)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return linked_tree(tmp_path)



@pytest.mark.parametrize("command", [
    "git switch evil; ./bin/git fetch", "bin/git status", "git merge evil; bin/git pull",
    "cd sub && ./bin/git fetch", "cd sub; bin/git status",
])
def test_a_program_in_the_tree_is_never_the_system_one(policy: Policy, tree: Path,
                                                       command: str) -> None:
    decision = judged_in(policy, tree, command)
    assert decision.decision == "ask"
    assert not networked(policy, decision)


def test_a_path_entry_in_the_tree_is_not_the_system_program(policy: Policy,
                                                            tree: Path) -> None:
    decision = judged_in(policy, tree, "git fetch", f"{tree}/bin:/usr/bin:/bin")
    assert decision.decision == "ask"
    assert networked(policy, judged_in(policy, tree, "git fetch"))  # (git's own)


def test_a_project_script_after_a_cd_is_still_the_projects(policy: Policy,
                                                          tree: Path) -> None:
    assert judged_in(policy, tree, "cd sub && ./gradlew build").decision == "allow"
    assert judged_in(policy, tree, 'cd "$D" && ./gradlew build').decision == "ask"


@pytest.mark.parametrize("command", [
    "git fetch; cd /proc/self/fd/..; cat environ", "git fetch; cd -P /dev/fd/..; cat environ",
    "git fetch; cat /dev/stdin/../environ < /dev/fd", 'cd "$D" && cat environ',
    "gh pr list; head /proc/self/fd/../environ",
])
def test_a_read_only_the_running_shell_can_place_is_asked(policy: Policy, tmp_path: Path,
                                                          command: str) -> None:
    decision = judged_in(policy, tmp_path, command)
    assert decision.decision == "ask", [(s.text, s.rules) for s in decision.segments]


def test_ordinary_relative_reads_after_a_cd_are_not(policy: Policy, tree: Path) -> None:
    assert judged_in(policy, tree, "cd sub && cat gradlew").decision == "allow"
