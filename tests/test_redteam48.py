"""Red team 48 (on 0d82fd0): a plain variable's value that bash or glibc reads as more than
a word, and `/dev/fd/..`. Each leaked a fake GH_TOKEN:

- `CI=([$(cat f)]=x); git fetch`: bash evaluates an array's subscripts as arithmetic, and
  what the substitution prints with them (`HOME=1`, or another substitution);
- `LANGUAGE=../../x git fetch` (also exported): glibc reads a locale's directory from it,
  and the agent's `git.mo` turned git's error into a format that printed its environment;
- `git fetch; cat /dev/fd/../environ`: the kernel follows `/dev/fd` before `..`, so the
  path is `/proc/self/environ`, which the lexical path hid from `protect_read`.

(The fourth finding, `node --unhandled-rejections strict /tmp/o.js`, is in
tests/policy/test_precision.py.)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from judging import judge, networked

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse


@pytest.mark.parametrize("command", [
    "CI=([$(cat f)]=x); git fetch", "CI=([$(cat g)]=x); git fetch",
    "LANG=$(cat f); CI=([LANG]=x); git fetch", "export CI=([$(cat f)]=x); git fetch",
    "CI+=([$(cat f)]=x); git fetch", "LANG=( [$(cat g)]=x ) && npm ci",
    "CI=(a b); gh pr list",
])
def test_an_array_beside_a_networked_part_takes_the_network(policy: Policy,
                                                            command: str) -> None:
    assert not networked(policy, judge(policy, command))


def test_bash_evaluates_an_arrays_subscript_with_what_it_prints(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("HOME=1\n")
    ran = subprocess.run(["bash", "--norc", "-c", 'CI=([$(cat f)]=x); printf %s "$HOME"'],
                         cwd=tmp_path, capture_output=True, text=True, timeout=30,
                         env={**os.environ, "HOME": "/nowhere"})
    assert ran.stdout == "1"


@pytest.mark.parametrize("command", [
    "LANG=C.UTF-8 LANGUAGE=../../../w/loc git fetch",
    "export LANG=C.UTF-8 LANGUAGE=../../../w/loc; git fetch",
    "LC_ALL=/w/loc git fetch", "LC_MESSAGES=./../loc git fetch", "TZ=:/w/zone git fetch",
    "TZ=/w/zone npm ci", "LANGUAGE=~/loc git fetch", 'LANGUAGE="$L" git fetch',
    "env LANGUAGE=../loc git fetch", "LANG=$(cat f) git fetch",
])
def test_a_plain_variable_naming_a_file_takes_the_network(policy: Policy,
                                                         command: str) -> None:
    assert not networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "LANG=C.UTF-8 git fetch", "LC_ALL=en_US.UTF-8 npm ci", "TZ=America/New_York git fetch",
    "TZ=UTC-3 git fetch", "TERM=xterm-256color git fetch", "CI= git fetch",
    "env CI=1 LANG=C npm ci", "LC_ALL='C' git fetch",
])
def test_a_plain_variable_with_a_plain_value_keeps_it(policy: Policy, command: str) -> None:
    assert networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "git fetch; cat /dev/fd/../environ", "cat /dev/fd/../task/1/environ",
    "gh pr list; head -c 200 /dev/fd/../environ",
])
def test_environ_through_dev_fd_is_asked(policy: Policy, tmp_path: Path,
                                         command: str) -> None:
    context = Context(cwd=str(tmp_path), home=str(tmp_path / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"))
    decision = decide(policy, parse(command), context)
    assert decision.decision == "ask"
    assert {v.rule for s in decision.segments for v in s.deciding} & {"protect.read",
                                                                      "path:unknown"}
