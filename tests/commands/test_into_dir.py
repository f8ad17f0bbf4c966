"""`cp /tmp/x.txt .`: what a copy or a move into a directory writes is an entry named after
each source there (knowledge's ``into_dir``), not the directory, which holds `.git/hooks`:
asked or denied before as a write of the whole tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.core.engine import Decision, decide
from gatekeep.core.inputs import SYSTEM_TEMP_DIRS
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse


def judged_in(policy: Policy, work: Path, command: str) -> Decision:
    """In a real directory, with /tmp and /var/tmp for temp dirs, as `gatekeep run` has."""
    context = Context(cwd=str(work), home=str(work.parent / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"), temp_dirs=SYSTEM_TEMP_DIRS)
    return decide(policy, parse(command), context)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / ".git" / "hooks").mkdir(parents=True)
    (work / "sub").mkdir()
    (work / "a.txt").write_text("a\n")
    (tmp_path / "home").mkdir()
    return work


@pytest.mark.parametrize("command", [
    "cp /tmp/x.txt .", "cp /tmp/x.txt ./", "mv /tmp/x.txt .", "cp -r /tmp/dir .",
    "cp -v /tmp/a /tmp/b .", "cp -t . /tmp/x.txt", "cp --target-directory=. /tmp/x",
    "cp --target=. /tmp/x", "cp /tmp/x.txt sub", "mv a.txt sub/", "ln -s /tmp/x .",
    "cp -t sub /tmp/a ~/.bashrc",  # -t: the operands are read, not written
])
def test_a_copy_into_the_tree_is_allowed(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", decision


@pytest.mark.parametrize(("command", "expected"), [
    ("cp -r /tmp/evil/.git .", "deny"),      # the entry is .git, which holds .git/hooks
    ("cp -r /tmp/evil/.git/ ./", "deny"),
    ("cp /tmp/pre-commit .git/hooks", "deny"),
    ("cp -T /tmp/evil .", "deny"),           # -T: the directory is the target itself
    ("cp -rT /tmp/evil .", "deny"),
    ("cp --no-target-directory /tmp/evil .", "deny"),
    ("cp --no-t /tmp/evil .", "deny"),
    # --parents: the source's whole path is made in the directory (red team 62 F7)
    # (from /tmp/evil: `cd /tmp/evil && cp --parents .git/hooks/pre-commit TREE`)
    ("cp --parents .git/hooks/pre-commit .", "deny"),
    ("cp --par .git/hooks/pre-commit .", "deny"),
    ("cp --parents -t . .claude/settings.json", "deny"),
    ('cp "$x" .', "deny"),                   # a name known only as it runs
    ("cp -r / .", "deny"),                   # `/`: no name
    ("cp -r /tmp/.. .", "deny"),
    ("cp -r /tmp/.* .", "deny"),             # a pattern that may name .git
    ("mv . /tmp/x", "deny"),                 # the source, moved away, is still written
    ("mv -t sub /tmp/a ~/.bashrc", "deny"),  # so is each of mv's
    ("cp /tmp/.bashrc ~", "deny"),           # into the home: ~/.bashrc
    ("cp /tmp/x /opt", "ask"),
])
def test_what_may_replace_a_protected_path_stays_judged(policy: Policy, work: Path,
                                                        command: str, expected: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == expected, decision


def test_a_target_that_is_no_directory_is_the_file_written(policy: Policy, work: Path) -> None:
    """`cp x.txt .git/hooks/pre-commit` names the file itself; `cp x.txt new` too."""
    assert judged_in(policy, work, "cp /tmp/x .git/hooks/pre-commit").decision == "deny"
    assert judged_in(policy, work, "cp a.txt new.txt").decision == "allow"
