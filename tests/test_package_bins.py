"""A tool a package manager installed in the tree (`node_modules/.bin/jest`, `vendor/bin/phpunit`:
knowledge `package_bins`) runs the tree's code, as `npx jest` does, even by a name the
knowledge knows, when it marks the name `package_tool`; any other known name there is still
not trusted as the program (`node_modules/.bin/git`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


def _tool(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho ran\n")
    path.chmod(0o755)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    _tool(tree / "node_modules" / "jest" / "bin" / "jest.js")
    (tree / "node_modules" / ".bin").mkdir()
    (tree / "node_modules" / ".bin" / "jest").symlink_to("../jest/bin/jest.js")
    for name in ("git", "node", "bash"):
        _tool(tree / "node_modules" / ".bin" / name)
    _tool(tree / "vendor" / "bin" / "phpunit")
    _tool(tree / "tools" / "bin" / "jest")
    (tree / "src").mkdir()
    return tree


@pytest.mark.parametrize("command", [
    "./node_modules/.bin/jest --ci", "node_modules/.bin/jest", "vendor/bin/phpunit",
    "./vendor/bin/phpunit --filter UserTest",
])
def test_an_installed_tool_runs_as_tree_code(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]
    assert decision.segments[0].rules == ("project-scripts",)


@pytest.mark.parametrize("command", [
    "node_modules/.bin/git status",         # a known program, not a package's tool
    "node_modules/.bin/node x.js",
    "node_modules/.bin/bash -c 'rm -rf ~'",
    "tools/bin/jest",                       # not where a package manager puts tools
    "node_modules/.bin/vitest",             # not there now: code gatekeep never saw
    "cd src && ../node_modules/.bin/jest",  # through `..`
    "node_modules/jest/../.bin/jest",
])
def test_anything_else_is_judged_as_before(policy: Policy, work: Path, command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow", command


def test_a_package_dir_leading_out_of_the_tree_is_not_the_tree_s(policy: Policy,
                                                                tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    _tool(outside / ".bin" / "jest")
    work = tmp_path / "work"
    work.mkdir()
    (work / "node_modules").symlink_to(outside)
    assert judged_in(policy, work, "node_modules/.bin/jest").decision != "allow"
