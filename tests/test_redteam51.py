"""Red team 51 (on 791224b): paths only the running shell can place, for a program or for a
read beside a networked part. Each leaked a fake GH_TOKEN end to end:

- `cd sub && /proc/self/cwd/bin/git fetch`, `/proc/self/root/<tree>/bin/git`: gatekeep
  resolved /proc/self in its own process, where it is the top of the tree;
- `cd /proc/self; cat "$PWD/environ"`, `cat "$(cat f)"`, `cat ${x:-/proc/self/environ}`:
  a read of a path known only as it runs, beside `git fetch`, in its networked box;
- `cat /dev/stdin/environ < /proc/self`: a path on past a descriptor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judge, judged_in, linked_tree, networked

from gatekeep.policy.model import Policy


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return linked_tree(tmp_path)


def test_a_program_through_proc_self_is_no_system_program(policy: Policy,
                                                          tree: Path) -> None:
    for command in ("cd sub && /proc/self/cwd/bin/git fetch",
                    f"git switch evil; /proc/self/root{tree}/bin/git fetch",
                    f"git switch evil; {tree}/bin/git fetch",
                    "/dev/fd/3/git status"):
        decision = judged_in(policy, tree, command)
        assert decision.decision == "ask", command
        assert not networked(policy, decision)
    assert networked(policy, judged_in(policy, tree, "/usr/bin/git fetch"))


@pytest.mark.parametrize("command", [
    'git fetch; cd /proc/self; cat "$PWD/environ"', "git fetch; cd /proc/self; cat ~+/environ",
    'git fetch; cat "$(cat f)"', "git fetch; cat $(echo /proc/self/envir)on",
    "git fetch; cat ${x:-/proc/self/environ}",
    'git fetch; [[ /proc/self/environ =~ .* ]]; cat "$BASH_REMATCH"',
    'gh pr list; head -c 100 < "$f"',
])
def test_a_read_known_only_as_it_runs_takes_the_network(policy: Policy,
                                                        command: str) -> None:
    assert not networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "git fetch; cat README", "gh pr list | head -5", "npm ci && cat package.json",
])
def test_a_read_of_a_known_path_keeps_it(policy: Policy, command: str) -> None:
    assert networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "git fetch; cat /dev/stdin/environ < /proc/self", "cat /dev/fd/0/environ < /proc/self",
    "cat /proc/self/cwd/.env", "cat /proc/1/root/etc/shadow",
])
def test_a_path_on_past_a_descriptor_or_a_root_is_asked(policy: Policy, tmp_path: Path,
                                                        command: str) -> None:
    assert judged_in(policy, tmp_path, command).decision == "ask"


def test_debug_is_no_plain_variable(policy: Policy) -> None:
    # gh reads DEBUG as GH_DEBUG and logs its requests
    assert not networked(policy, judge(policy, "DEBUG=api gh pr list"))
    assert networked(policy, judge(policy, "NO_COLOR=1 gh pr list"))
