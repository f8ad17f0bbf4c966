"""Deletes of build output run unasked: `rm` has the effect `deletes` unless every operand
lies in a tool's cache, anywhere, or in a build's output that a .gitignore of the tree lists
(program knowledge `outputs:`; precision probe 78, whose corpus expects `rm -rf dist/`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy

IGNORE = "# build output\n/dist/\nbuild\ntarget/\n*.egg-info/\nnode_modules\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("src/app/__pycache__", "dist", "build/lib", "target/debug/incremental",
                      "app.egg-info", "node_modules/.cache", "docs/build", "out", ".git"):
        (tree / directory).mkdir(parents=True)
    (tree / "src" / "app" / "main.py").write_text("print(1)\n")
    (tree / "build" / "lib" / "x.txt").write_text("x\n")
    (tree / ".gitignore").write_text(IGNORE)
    return tree


@pytest.mark.parametrize("command", [
    "rm -rf dist/", "rm -rf dist build", "rm -rf target/debug/incremental",
    "rm -f build/lib/x.txt", "rm -rf src/app/__pycache__ .pytest_cache", "rm -rf app.egg-info",
    "rm -rf node_modules/.cache", "rm -f build/lib/*.txt", "rm -rf -- ./dist",
    "unlink build/lib/x.txt", "cd src && rm -rf app/__pycache__", "rm -rf docs/build",
])
def test_build_output_is_deleted_unasked(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize("command", [
    "rm -rf src",                         # source
    "rm -rf out",                         # a build's name that .gitignore does not list
    "rm -rf dist src",                    # one operand is not output
    "rm -rf dist/../src",                 # `..`
    "rm -rf build*",                      # a pattern whose directory is the tree
    "rm -rf *",
    'rm -rf "$d"',                        # known only at run time
    "rm -rf $(echo dist)",
    "mv src dist && rm -rf dist",         # another part writes it first
    "cp -r src build/ && rm -rf build",
    "rm -rf .git/objects/__pycache__",    # inside .git
    "rm -rf .",
    "rm -rf ../dist",                     # outside the tree
    "xargs rm -rf < dirs.txt",
    "find . -name dist -exec rm -rf {} +",
    "rm",
])
def test_other_deletes_are_asked(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision != "allow", command


def test_a_link_on_the_way_is_not_output(policy: Policy, work: Path, tmp_path: Path) -> None:
    """`dist` a link to the source: `rm -rf dist/` would delete what it points to."""
    (work / "dist").rmdir()
    (work / "dist").symlink_to(work / "src")
    (work / "build" / "lib" / "src").symlink_to(work / "src")
    for command in ("rm -rf dist/", "rm -rf build/lib/src/"):
        assert judged_in(policy, work, command).decision != "allow", command


def test_without_the_gitignore_a_build_dir_is_asked(policy: Policy, work: Path) -> None:
    """`build/` holds source in some projects: only a cache counts without the listing."""
    (work / ".gitignore").write_text("*.log\n")
    assert judged_in(policy, work, "rm -rf build").decision == "ask"
    assert judged_in(policy, work, "rm -rf src/app/__pycache__").decision == "allow"


@pytest.mark.parametrize("lines", ["build/\n!build/keep\n", "build/x\n", "# build\n",
                                   "/src/build\n"])
def test_a_listing_that_does_not_ignore_it_is_not_enough(policy: Policy, work: Path,
                                                         lines: str) -> None:
    (work / ".gitignore").write_text(lines)
    assert judged_in(policy, work, "rm -rf build").decision == "ask", lines


def test_a_nested_gitignore_lists_it_by_its_path(policy: Policy, work: Path) -> None:
    (work / ".gitignore").write_text("")
    (work / "docs" / ".gitignore").write_text("/build/\n")
    assert judged_in(policy, work, "rm -rf docs/build").decision == "allow"
    assert judged_in(policy, work, "rm -rf build").decision == "ask"


def test_an_asked_delete_says_what_it_deletes(policy: Policy, work: Path) -> None:
    segment = judged_in(policy, work, "rm -rf src").segments[0]
    assert "recursive-delete" in segment.rules
    assert "deletes files other than build output (deletes)" in (segment.reason or "")


def test_a_protected_file_in_the_output_is_still_denied(policy: Policy, work: Path) -> None:
    """A delete is a write: a protected file named stays denied, in output too (a whole
    directory of output that holds a clone's `.git/hooks`, CMake's `build/_deps`, is
    output: deleting it runs nothing)."""
    (work / "build" / ".git" / "hooks").mkdir(parents=True)
    assert judged_in(policy, work, "rm -f build/.git/hooks/pre-commit").decision == "deny"
    assert judged_in(policy, work, "rm -rf build").decision == "allow"


# -- red team 80 -------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "sh -c 'rm -rf build/.?/src'",             # `.?` is `..` to dash
    "rm -rf build/.?/src", "dash -c 'rm -rf build/.[.]/src'", "rm -rf build/.*",
    "git mv src build/src && rm -rf build",    # a part that writes what it does not name
    "tar -xf /tmp/x.tar && rm -rf build/s/",
    "unzip -q x.zip && rm -rf dist/s",
    "./gen.sh && rm -rf dist",                 # a program nothing describes
])
def test_what_may_reach_source_is_asked(policy: Policy, work: Path, command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow", command


def test_a_pattern_matching_a_link_is_asked(policy: Policy, work: Path) -> None:
    """npm and pnpm workspaces link packages into node_modules: `ui*/` follows the link."""
    (work / "packages" / "ui").mkdir(parents=True)
    (work / "node_modules" / "@acme").mkdir()
    (work / "node_modules" / "@acme" / "ui").symlink_to(work / "packages" / "ui")
    assert judged_in(policy, work, "rm -rf node_modules/@acme/ui*/").decision == "ask"
    (work / "node_modules" / "@acme" / "ui").unlink()
    (work / "node_modules" / "@acme" / "ui").mkdir()
    assert judged_in(policy, work, "rm -rf node_modules/@acme/ui*/").decision == "allow"


def test_a_directory_listing_does_not_name_a_file(policy: Policy, work: Path) -> None:
    """`build/` in .gitignore ignores directories only: a script named build is source."""
    (work / ".gitignore").write_text("build/\ndist/\n")
    (work / "scripts").mkdir()
    (work / "scripts" / "build").write_text("#!/bin/sh\n")
    (work / "dist" / "build").write_text("x\n")
    assert judged_in(policy, work, "rm -f scripts/build").decision == "ask"
    assert judged_in(policy, work, "rm -f dist/build").decision == "allow"  # inside dist/


def test_a_leading_blank_is_part_of_the_name(policy: Policy, work: Path) -> None:
    (work / ".gitignore").write_text("  build/\n")
    assert judged_in(policy, work, "rm -rf build").decision == "ask"


@pytest.mark.parametrize("command", [
    "mkdir -p dist/x && rm -rf dist/x", "git status && rm -rf dist",
    "echo ok > log.txt; rm -rf dist",
    "rm -rf dist && npm run build",
])
def test_parts_that_name_their_writes_leave_it_allowed(policy: Policy, work: Path,
                                                      command: str) -> None:
    assert judged_in(policy, work, command).decision == "allow", command
