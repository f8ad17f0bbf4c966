"""A move out of the working tree takes what it moves from the project, as a delete does
(knowledge `moves_operands`, rule `move-out-of-tree`; precision probe 84 found `mv src
/tmp/src-old` allowed). Build output moved away, moves inside the tree and moves between
temp dirs are not asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse


def with_temp(policy: Policy, work: Path, command: str) -> Decision:
    """Judged in ``work``, with /tmp and /var/tmp the temp dirs (as the CLI has them)."""
    context = Context(cwd=str(work), home=str(work.parent / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"), temp_dirs=("/tmp", "/var/tmp"))
    return decide(policy, parse(command), context)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("src/app", "dist", "tests"):
        (tree / directory).mkdir(parents=True)
    (tree / "src" / "app" / "main.py").write_text("print(1)\n")
    (tree / "pyproject.toml").write_text("[project]\n")
    (tree / ".gitignore").write_text("dist/\n")
    return tree


@pytest.mark.parametrize("command", [
    "mv src /tmp/src-old", "mv pyproject.toml /tmp/", "mv tests /var/tmp/t",
    "mv -t /tmp src", "mv --target-directory=/tmp src/app", 'mv src "$d"',
    "mv src/app/main.py dist/ /tmp/", "cd src && mv app /tmp/",
])
def test_a_move_out_of_the_tree_is_asked(policy: Policy, work: Path, command: str) -> None:
    decision = with_temp(policy, work, command)
    assert decision.decision == "ask", [(s.text, s.reason) for s in decision.segments]
    assert any("move-out-of-tree" in s.rules for s in decision.segments)


@pytest.mark.parametrize("command", [
    "mv src/app/main.py src/app/cli.py", "mv src lib", "mv dist /tmp/old-dist",
    "mv /tmp/a.log /tmp/b.log", "mv /tmp/x.txt src/",
])
def test_other_moves_are_not_asked_as_deletes(policy: Policy, work: Path,
                                              command: str) -> None:
    decision = with_temp(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]
