"""Red team 85: each command was allowed and deleted the source tree or ran code gatekeep
never saw.

- F1: GNU find ends `-exec` at `;`, and at `+` only right after `{}`: `-exec rm -rf build +
  src \\;` gives rm `build`, `+` and `src`, where gatekeep read `rm -rf build`.
- F2: a link made beside a delete of build output (`ln -s ../build t/b && mv src t/b/ &&
  rm -rf build`) moves source into it unseen.
- F3: a file written through a link made beside (`ln -s ../node_modules src/nm`), then run
  as the project's tool.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy
from gatekeep.shell.analyze import analyze
from gatekeep.shell.parse import parse


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("src/pkg/__pycache__", "build", "node_modules/.bin", "dist"):
        (tree / directory).mkdir(parents=True)
    (tree / "src" / "main.py").write_text("print(1)\n")
    (tree / ".gitignore").write_text("build/\ndist/\n")
    return tree


@pytest.mark.parametrize("command", [
    "find . -name __pycache__ -exec rm -rf build + src \\;",
    "find . -name __pycache__ -exec rm -rf build + src {} +",
    "find . -name __pycache__ -exec rm -rf build $'+' src \\;",
    "find . -name __pycache__ -okdir rm -rf build + src \\;",
])
def test_a_plus_not_after_braces_does_not_end_find_s_command(policy: Policy, work: Path,
                                                            command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow"


def test_the_words_find_gives_the_command_are_find_s(policy: Policy, tmp_path: Path) -> None:
    """What find runs, held to find: a `+` not after `{}` is an argument."""
    (tmp_path / "a").mkdir()
    shown = subprocess.run(["find", str(tmp_path / "a"), "-maxdepth", "0", "-exec", "echo",
                            "x", "+", "y", ";"], capture_output=True, text=True, check=True,
                           timeout=30).stdout.split()
    inner = [i for i in analyze(parse("find a -exec echo x + y \\;"),
                                policy.knowledge).invocations if i.program == "echo"]
    assert [w.value for w in inner[0].positionals] == shown == ["x", "+", "y"]


@pytest.mark.parametrize("command", [
    "mkdir t && ln -s ../build t/b && mv src t/b/ && rm -rf build",
    "mkdir t && ln -s ../build t/b && mv src t/b/ && rm -rf {dist,build}",
    "ln -s pkg src/l && mv src/main.py src/l/__pycache__/ && "
    "find src/pkg -name __pycache__ -exec rm -rf {} +",
])
def test_a_link_made_beside_a_delete_of_output_is_asked(policy: Policy, work: Path,
                                                       command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow"


def test_code_written_through_a_link_made_beside_is_asked(policy: Policy, work: Path) -> None:
    command = ("ln -s ../node_modules src/nm && printf 'echo x' > src/nm/.bin/jest && "
               "node_modules/.bin/jest")
    decision = judged_in(policy, work, command)
    assert decision.decision == "ask"
    assert any("path:written-code" in s.rules for s in decision.segments)


@pytest.mark.parametrize("command", ["cat - <<EOF\nx\nEOF", "wc -l - <<'EOF'\nx\nEOF",
                                     "cat a - 2>/dev/null"])
def test_a_dash_before_a_redirection_is_a_word(policy: Policy, work: Path,
                                               command: str) -> None:
    """Precision probe 84: tree-sitter drops a lone `-` before `<<` or `2>`; bash keeps it.
    Read back as a word, not as text the parser skipped (unparseable, a false reason)."""
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]
    assert parse(command).segments[0].argv[-1].value == "-"
