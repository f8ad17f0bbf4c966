"""Writes in a temp dir: every box writes them, so an allowed part may write there too
(`pnpm build 2>&1 | tee /tmp/build.log`); beside the network they are asked, since that
box's temp dirs are its own and gone after the run."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_engine import CWD, HOME, FakeResolver

from gatekeep.core.engine import Decision, decide
from gatekeep.core.inputs import temp_dirs
from gatekeep.core.paths import TEMP_UNSHARED, Context
from gatekeep.policy.model import Policy
from gatekeep.sandbox.policy import lifted, spec_for
from gatekeep.shell.parse import parse

Sandbox = Any  # the fixture's class lives in conftest.py
TEMP = ("/home/user/tmp", "/tmp", "/var/tmp")


def judge(policy: Policy, command: str, temp: tuple[str, ...] = TEMP) -> Decision:
    context = Context(cwd=CWD, home=HOME, resolver=FakeResolver(), temp_dirs=temp)
    return decide(policy, parse(command), context)


def rules(decision: Decision) -> set[str]:
    return {v.rule for s in decision.segments for v in s.verdicts if v.decision != "allow"}


@pytest.mark.parametrize("command", [
    "echo hi > /tmp/x.log",
    "pnpm build 2>&1 | tee /tmp/build.log",
    "cat > /tmp/t.py <<'EOF'\nprint(1)\nEOF",
    "mkdir -p /tmp/out && cp a.txt /tmp/out/",
    "pytest -q > /var/tmp/pytest.log 2>&1; tail -n 20 /var/tmp/pytest.log",
    "git diff > /home/user/tmp/changes.diff",
    "sort data.csv | uniq -c > /tmp/counts.txt",
])
def test_a_write_in_a_temp_dir_is_allowed(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", decision


@pytest.mark.parametrize(("command", "rule"), [
    ("touch /tmp", "path:outside"),              # the temp dir itself: its mode, its owner
    ("chmod 700 /var/tmp", "path:outside"),
    ("echo x > /tmp/../opt/x", "path:outside"),  # no temp dir once the path is normal
    ("echo x > /opt/x", "path:outside"),
    ("echo x > /tmp-not/x", "path:outside"),     # a name that starts like one is not one
    ("echo x > /home/user/x", "path:outside"),
    ("rm /tmp/x", "delete-files"),               # deleting stays the rules' to decide
])
def test_what_is_not_a_write_in_a_temp_dir_stays_asked(policy: Policy, command: str,
                                                        rule: str) -> None:
    decision = judge(policy, command)
    assert decision.decision != "allow" and rule in rules(decision), decision


@pytest.mark.parametrize("command", [
    "gh pr diff 12 > /tmp/pr.diff",
    "gh pr diff 12 | tee /tmp/pr.diff",
    "git fetch && git log origin/main > /tmp/log.txt",
    "curl -s http://127.0.0.1:3000/health > /tmp/health.json",
])
def test_beside_the_network_a_write_in_a_temp_dir_is_asked_and_says_why(
        policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    reasons = [v.reason for s in decision.segments for v in s.verdicts
               if v.rule == "path:outside"]
    assert decision.decision == "ask"
    assert reasons and all(r.endswith(TEMP_UNSHARED[1]) for r in reasons), reasons


def test_the_same_network_command_without_the_temp_write_is_allowed(policy: Policy) -> None:
    assert judge(policy, "gh pr diff 12").decision == "allow"


def test_the_approved_one_writes_the_real_temp_dir(policy: Policy, tmp_path: Path) -> None:
    """An approval makes the directory holding the path writable: the box does not give
    the temp dir one of its own then (boundary._own_temp), and the file stays."""
    target = tmp_path / "pr.diff"
    command = f"gh pr diff 12 > {target}"
    decision = judge(policy, command, (str(tmp_path),))
    assert decision.decision == "ask"
    spec = lifted(spec_for([policy], decision), decision, parse(command), [policy])
    assert str(tmp_path) in spec.writable and spec.network


def test_without_temp_dirs_in_the_context_a_write_there_is_outside(policy: Policy) -> None:
    assert "path:outside" in rules(judge(policy, "echo hi > /tmp/x.log", ()))


@pytest.fixture
def settled_home() -> Iterator[Path]:
    """A home outside the temp dirs (in this checkout's .test-trees): one in /tmp is a temp
    dir itself."""
    base = Path(__file__).resolve().parents[2] / ".test-trees"
    base.mkdir(exist_ok=True)
    home = Path(tempfile.mkdtemp(dir=base)) / "home"
    yield home
    shutil.rmtree(home.parent)


def test_tmpdir_counts_only_where_the_box_takes_it_for_one(tmp_path: Path,
                                                            settled_home: Path) -> None:
    home = settled_home
    (home / ".config" / "tmp").mkdir(parents=True)
    (home / "tmp").mkdir()
    in_tmp = tmp_path / "t"
    in_tmp.mkdir()
    base = ("/tmp", "/var/tmp")
    assert temp_dirs({}) == base
    assert temp_dirs({"TMPDIR": str(home), "HOME": str(home)}) == base  # the home
    assert temp_dirs({"TMPDIR": str(home / ".config" / "tmp"), "HOME": str(home)}) == base
    assert temp_dirs({"TMPDIR": "relative/tmp", "HOME": str(home)}) == base
    assert temp_dirs({"TMPDIR": "/etc", "HOME": str(home)}) == base
    assert temp_dirs({"TMPDIR": f"{home}/tmp/", "HOME": str(home)}) == (f"{home}/tmp", *base)
    if str(tmp_path).startswith(("/tmp/", "/var/tmp/")):
        assert temp_dirs({"TMPDIR": str(in_tmp)}) == (str(in_tmp), *base)


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_the_boxed_run_writes_the_real_temp_dir(sandbox: Sandbox) -> None:
    """The write lands where the next command (boxed or not) reads it."""
    temp = sandbox.root / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    target = temp / "build.log"
    command = f"echo built 2>&1 | tee {target}"
    checked = sandbox.gatekeep("check", "-c", command, env=env)
    assert checked.returncode == 0, checked.stdout
    ran = sandbox.gatekeep("run", "-c", command, env=env)
    assert (ran.returncode, ran.stdout) == (0, "built\n"), ran.stderr
    assert target.read_text() == "built\n"
