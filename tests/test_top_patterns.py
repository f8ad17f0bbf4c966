"""A pattern in the working directory whose every match is named as build output (`rm -rf
./*.egg-info`, `rm -f ./*.pyc`: knowledge `outputs:`) deletes only output, now and later
(precision probe 84). Any other pattern there is asked, as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("src", "app.egg-info", "tool.egg-info"):
        (tree / directory).mkdir(parents=True)
    (tree / "setup.pyc").write_bytes(b"\0")
    (tree / ".gitignore").write_text("*.egg-info/\n")
    return tree


@pytest.mark.parametrize("command", ["rm -rf ./*.egg-info", "rm -f ./*.pyc"])
def test_a_pattern_named_as_output_deletes_unasked(policy: Policy, work: Path,
                                                   command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]


@pytest.mark.parametrize("command", [
    "rm -rf ./*", "rm -rf ./s*", "rm -rf ./*.egg", "rm -rf ./[a-z]*.egg-info",
    "rm -rf ./.*.egg-info",
])
def test_any_other_pattern_is_asked(policy: Policy, work: Path, command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow"


def test_without_the_gitignore_a_built_pattern_is_asked(policy: Policy, work: Path) -> None:
    (work / ".gitignore").unlink()
    assert judged_in(policy, work, "rm -rf ./*.egg-info").decision != "allow"
    assert judged_in(policy, work, "rm -f ./*.pyc").decision == "allow"  # a cache: anywhere


def test_a_link_among_the_matches_is_asked(policy: Policy, work: Path) -> None:
    (work / "x.egg-info").symlink_to(work / "src")
    assert judged_in(policy, work, "rm -rf ./*.egg-info").decision != "allow"


def test_a_pattern_named_as_output_in_a_source_directory(policy: Policy, work: Path) -> None:
    """`rm -f src/*.o` deletes only what a .gitignore lists by that name, wherever it is."""
    (work / "src" / "main.o").write_bytes(b"\0")
    (work / "src" / "main.c").write_text("int main(){}\n")
    (work / ".gitignore").write_text("*.egg-info/\n*.o\n")
    assert judged_in(policy, work, "rm -f src/*.o").decision == "allow"
    assert judged_in(policy, work, "rm -f src/*.c").decision != "allow"
    assert judged_in(policy, work, "rm -f src/*").decision != "allow"
    assert judged_in(policy, work, "rm -f s*/*.o").decision != "allow"  # a pattern above
