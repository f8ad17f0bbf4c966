"""A path past a link each process has its own of (`/dev/stdin`, `/dev/fd/N`,
`/proc/self/cwd`), spelt with `//` or `/./` between its folders, as the system reads it:
`cat /dev//stdin/environ < /proc/self` printed a networked box's secret variables, and
`/proc//self/cwd/bin/git` was judged where gatekeep runs, not where the shell is. A shell
pattern that may match such a path is asked too: `exec 0</proc/self; cat /dev/std*/environ;
git fetch` printed them (the shell's own stdin is then its /proc entry)."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in, linked_tree, networked
from netbox import run_quietly

from gatekeep.policy.model import Policy

from .conftest import Sandbox

SPELLINGS = ["/dev//stdin/environ", "//dev/stdin/environ", "/dev/./stdin/environ",
             "/dev/stdin/./environ", "/dev///fd//0//environ", "/dev/fd/./0/environ",
             "/proc//self/cwd/.env", "/proc/self//cwd/.env", "/proc/./self/./cwd/.env"]


@pytest.mark.parametrize("path", SPELLINGS)
def test_a_read_past_a_descriptor_however_spelt_is_asked(policy: Policy, tmp_path: Path,
                                                        path: str) -> None:
    decision = judged_in(policy, tmp_path, f"git fetch; cat {path} < /proc/self")
    assert decision.decision == "ask"
    assert any("known only at run time" in s.reason for s in decision.segments)


@pytest.mark.parametrize("pattern", [
    "/dev/std*/environ", "/dev/std?n/environ", "/d?v/stdin/environ", "/dev/[s]tdin/environ",
    "/dev/f[d]/0/environ", "/dev/*/0/environ", "/d*/fd/../environ", "/proc/*/cwd/.env",
    "/pro?/sel?/root/etc/shadow", "/dev/**/environ"])
def test_a_pattern_that_may_match_such_a_path_is_asked(policy: Policy, tmp_path: Path,
                                                       pattern: str) -> None:
    decision = judged_in(policy, tmp_path, f"exec 0</proc/self; cat {pattern}; git fetch")
    assert decision.decision == "ask"
    assert not networked(policy, decision)


@pytest.mark.parametrize("command", ["ls /dev/tty*", "cat /proc/*/status", "ls /dev/sd*",
                                     "cat *.json", "ls src/**/*.py", "cat /proc/self/stat*"])
def test_other_patterns_are_read_as_before(policy: Policy, tmp_path: Path,
                                           command: str) -> None:
    assert judged_in(policy, tmp_path, command).decision == "allow"


@pytest.mark.parametrize("command", ["cat /dev/null", "cat ./README", "cat /proc/cpuinfo",
                                     "cat .//README", "cat /usr//share/./dict"])
def test_other_paths_so_spelt_are_read_as_before(policy: Policy, tmp_path: Path,
                                                  command: str) -> None:
    assert judged_in(policy, tmp_path, command).decision == "allow"


@pytest.mark.parametrize("program", ["/proc//self/cwd/bin/git", "/proc/self/./cwd/bin/git",
                                     "/proc/./self/root{tree}/bin/git"])
def test_a_program_through_proc_self_however_spelt_is_no_system_program(
        policy: Policy, tmp_path: Path, program: str) -> None:
    tree = linked_tree(tmp_path)
    decision = judged_in(policy, tree, f"cd sub && {program.format(tree=tree)} fetch")
    assert decision.decision == "ask"
    assert not networked(policy, decision)


def test_the_networked_box_s_secrets_are_not_printed(sandbox: Sandbox) -> None:
    # gatekeep's own stdin is /dev/null, as an agent's often is: in gatekeep's process,
    # `/dev/stdin/environ` is then `/dev/null/environ`, which no protection names
    for command in ("cat /dev//stdin/environ < /proc/self", "cat /dev/./stdin/environ <"
                    " /proc/self", "exec 0</proc/self; cat /dev/std*/environ"):
        run = run_quietly(sandbox, f"{command}; git fetch", "ghp_SPELT_52")
        assert b"ghp_SPELT_52" not in run.stdout
        assert run.returncode == 126, run.stderr
