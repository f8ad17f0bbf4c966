"""Red team 49 (on 624387e): four spellings that ran the agent's code, or printed the
token, beside a networked part, each end to end with a fake GH_TOKEN:

- `env /x=/../usr/bin/true sh x.sh`: env takes every leading word with `=` for an
  assignment, whatever its name; gatekeep took `/x=/../usr/bin/true` for the program;
- `xargs -i sh true`: `-i`'s value is optional and only ever attached, so xargs runs
  `sh true`, where gatekeep read `sh` as the value and judged `true`;
- `./l/../../../../usr/bin/true`: the kernel follows the link `l` before `..`; gatekeep
  read the text as /usr/bin/true;
- `cat /dev/f?/../environ`: a glob hid the path the system walks (`/proc/self/environ`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from judging import judge, judged_in, networked

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "git fetch; env /x=/../usr/bin/true sh x.sh",
    "git fetch; env /x=/../usr/bin/true HOME=1 git fetch",
    "git fetch; env ./d=1/../../../../usr/bin/true",
    "env /x=/../usr/bin/true git reset --hard", "nice env /x=/../usr/bin/true sh x.sh",
    "timeout 5 /usr/bin/env a-b=1 sh x.sh", "command env =1 ls",
])
def test_env_with_a_word_that_is_no_assignment_name_is_asked(policy: Policy,
                                                             command: str) -> None:
    assert judge(policy, command).decision == "ask"


def test_env_takes_such_a_word_for_an_assignment(tmp_path: Path) -> None:
    # why: GNU env runs what follows the word, not the word
    ran = subprocess.run(["env", "/x=/../usr/bin/false", "echo", "ran"], capture_output=True,
                         text=True, timeout=30, cwd=tmp_path)
    assert ran.stdout == "ran\n"


@pytest.mark.parametrize("command", [
    "git fetch; echo a | xargs -i sh true", "git fetch; echo a | xargs -e sh true",
    "git fetch; echo a | xargs -l sh true", "git fetch; echo a | xargs --replace sh true",
])
def test_xargs_options_with_an_attached_value_do_not_take_the_next_word(
        policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert [s.text for s in decision.segments][-1] == "sh true"
    assert not networked(policy, decision)


def test_xargs_replace_with_its_value_attached(policy: Policy) -> None:
    decision = judge(policy, "echo a | xargs -i{} echo {}")
    assert [s.text for s in decision.segments][-1] == "echo {}"
    assert decision.decision == "allow"


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "t" / "a" / "b" / "c" / "d").mkdir(parents=True)
    (work / "t" / "usr" / "bin").mkdir(parents=True)
    (work / "t" / "usr" / "bin" / "true").write_text("#!/bin/sh\nenv\n")
    (work / "l").symlink_to("t/a/b/c/d")
    return work


@pytest.mark.parametrize("command", [
    "git fetch; ./l/../../../../usr/bin/true",
    "git fetch; ./k/../../../../usr/bin/true",  # a link a part beside may make first
    "/usr/bin/../bin/true",
])
def test_a_program_named_through_dotdot_is_no_system_program(
        policy: Policy, linked: Path, command: str) -> None:
    decision = judged_in(policy, linked, command)
    assert decision.decision == "ask"
    assert not networked(policy, decision)


def test_the_kernel_follows_the_link_before_dotdot(linked: Path) -> None:
    (linked / "t" / "usr" / "bin" / "true").chmod(0o755)
    ran = subprocess.run(["./l/../../../../usr/bin/true"], cwd=linked, capture_output=True,
                         text=True, timeout=30, env={"PATH": "/usr/bin:/bin", "MARK": "m"})
    assert "MARK=m" in ran.stdout  # the tree's script ran, not /usr/bin/true


@pytest.mark.parametrize("command", [
    "git fetch; cat /dev/f?/../environ", "git fetch; cat /dev/fd/../env*",
    "cat /dev/[f]d/../environ", "grep -a GH /dev/fd/../envi*",
    "cat /dev/fd/../root/proc/self/e*",
])
def test_environ_through_a_glob_and_dev_fd_is_asked(policy: Policy, tmp_path: Path,
                                                    command: str) -> None:
    decision = judged_in(policy, tmp_path, command)
    assert decision.decision == "ask"
    assert {v.rule for s in decision.segments for v in s.deciding} & {"protect.read",
                                                                      "path:unknown"}
