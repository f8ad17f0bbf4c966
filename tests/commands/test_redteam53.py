"""Red team 53 (on 62712aa): each printed a fake GH_TOKEN or ran the agent's code with it,
and each was older than the fixes it tested:

- `printf -v {HOME,1}; git fetch` (and `printf -v HOM? 1`, `printf [-]v HOME 1` beside a
  file `-v`): bash makes `printf -v HOME 1` of it, and git obeyed `1/.gitconfig`;
- `ln -s /dev/stdin s`, then `cat s/environ < /proc/self; git fetch` (or a link to
  /proc/self/cwd from a patch): gatekeep followed the agent's link in its own process;
- `git fetch; git apply p.patch; date -f e`: `date -f` reads, and was not counted as a read;
- `git fetch; git apply p.patch; git tag -F e t1; git cat-file -p t1`: git reads a file named
  to an option (`commit -F`, `--template`, `tag -F`) after the patch made it a link.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from judging import judge, judged_in, networked, with_secrets
from netbox import needs_bwrap, needs_git, run_quietly
from netbox import ssh_repository as _repository

from gatekeep.policy.model import Policy
from gatekeep.runtime import sysfs

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
TOKEN = "ghp_redteam53_literal_token"


@pytest.mark.parametrize("command", [
    "printf -v {HOME,1}; git fetch", "printf -v HOM? 1; git fetch",
    "printf [-]v HOME 1; git fetch", "printf -? HOME 1; git fetch",
])
def test_what_bash_makes_an_assignment_takes_the_network(policy: Policy, command: str) -> None:
    assert not networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "git fetch; git apply p.patch; date -f e",
    "git fetch; git apply p.patch; git tag -F e t1; git cat-file -p t1",
    "git fetch; git apply p.patch; git commit -qF e", "git switch evil; git fetch; git tag -F e t",
    "git fetch; git apply p.patch; git commit --template=e",
])
def test_a_file_named_to_an_option_gets_no_secret(policy: Policy, command: str) -> None:
    """They ran offline at first; now the box keeps the network but not the token
    (test_credentials_beside_readers.py)."""
    assert not with_secrets(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    'printf "%s\\n" *.json; git fetch', "printf -v x 1; git fetch", "git fetch && date",
    "git fetch; date -f dates.txt",
])
def test_plain_printf_and_date_keep_it(policy: Policy, command: str) -> None:
    assert networked(policy, judge(policy, command))


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A tree with links of the agent's to places each process has its own of, and plain
    links beside them."""
    work = tmp_path / "w"
    (work / "sub").mkdir(parents=True)
    (work / "README").write_text("hi\n")
    for name, target in (("s", "/dev/stdin"), ("cwdl", "/proc/self/cwd"), ("d", "/dev"),
                         ("p", "/proc"), ("r", "README"), ("sub/r", "../README")):
        (work / name).symlink_to(target)
    return work


def test_a_link_to_a_per_process_place_is_not_followed_here(linked: Path) -> None:
    assert sysfs.realpath(str(linked / "s" / "environ")) == "/dev/stdin/environ"
    assert sysfs.realpath(str(linked / "cwdl" / "mem")) == "/proc/self/cwd/mem"
    assert sysfs.realpath(str(linked / "d" / "stdin")) == "/dev/stdin"
    assert sysfs.realpath(str(linked / "sub" / "r")) == str(linked / "README")
    assert sysfs.realpath("/dev/null") == os.path.realpath("/dev/null")


def test_a_link_that_loops_only_here_is_not_taken_for_the_path(
        linked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `a -> /proc/self/cwd/a` loops in gatekeep's process (its cwd is the tree); the shell
    # after `cd sub` follows it to `sub/a`, which may lead anywhere
    (linked / "a").symlink_to("/proc/self/cwd/a")
    monkeypatch.chdir(linked)
    assert sysfs.realpath(str(linked / "a" / "environ")) == "/proc/self/cwd/a/environ"


@pytest.mark.parametrize("command", [
    "cat s/environ < /proc/self; git fetch", "cat cwdl/environ; git fetch",
    "cd /proc/2 && cat {work}/cwdl/environ; git fetch", "tail -c 9 cwdl/mem",
    "cat d/stdin/environ < /proc/self", "cat p/self/environ", "./cwdl/bin/git fetch",
])
def test_a_read_through_such_a_link_is_asked(policy: Policy, linked: Path,
                                             command: str) -> None:
    assert judged_in(policy, linked, command.format(work=linked)).decision == "ask"


@pytest.mark.parametrize("command", ["cat p/cpuinfo", "cat d/null", "cat r", "cat sub/r"])
def test_other_links_are_read_as_before(policy: Policy, linked: Path, command: str) -> None:
    assert judged_in(policy, linked, command).decision == "allow"


@needs_bwrap
@needs_git
def test_the_box_s_environment_is_not_printed_through_a_link(apart: Sandbox) -> None:
    _repository(apart.work)
    (apart.work / "s").symlink_to("/dev/stdin")
    run = run_quietly(apart, "cat s/environ < /proc/self; git fetch", TOKEN)
    assert TOKEN.encode() not in run.stdout + run.stderr
    assert run.returncode == 126, run.stderr
