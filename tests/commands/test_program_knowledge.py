"""The operator's program knowledge file extends the shipped one; a project's cannot."""

from __future__ import annotations

import subprocess
from typing import Any

Sandbox = Any  # the fixture's class lives in conftest.py

KNOWLEDGE = """\
gatekeep-programs: 1
programs:
  mytool:
    runs_code: [--hook]
    value_options: [--hook]
"""


def allow_mytool(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(sandbox.policy_yaml(("tools", "allow", ["mytool", "true"])))
    tool = sandbox.work / "bin" / "mytool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\ntouch marker\n")
    tool.chmod(0o755)


def test_operator_knowledge_makes_an_option_a_hazard(sandbox: Sandbox) -> None:
    allow_mytool(sandbox)
    (sandbox.config_home / "gatekeep" / "programs.yaml").write_text(KNOWLEDGE)
    result = sandbox.gatekeep("check", "--json", "--", "mytool", "--hook", "x")
    assert result.returncode == 3, result.stdout
    assert '"hazard:runs-code"' in result.stdout


def test_new_operator_knowledge_is_not_answered_from_a_stored_decision(sandbox: Sandbox) -> None:
    allow_mytool(sandbox)
    # a project with its own bin on PATH: a git work tree (a directory with a bin on PATH
    # and no repository is a tool's prefix, which the box does not write)
    subprocess.run(["git", "init", "-q"], cwd=sandbox.work, check=True)
    env = {"PATH": f"{sandbox.work / 'bin'}:/usr/bin:/bin"}
    # mytool lives in the working tree, so it is not a system program; use a path rule instead
    sandbox.write_operator_policy(sandbox.policy_yaml(
        ("tools", "allow", [str(sandbox.work / "bin" / "mytool")])))
    first = sandbox.gatekeep("run", "--", str(sandbox.work / "bin" / "mytool"), "--hook", "x",
                             env=env)
    assert first.returncode == 0, first.stderr
    sandbox.marker.unlink()
    (sandbox.config_home / "gatekeep" / "programs.yaml").write_text(KNOWLEDGE)
    second = sandbox.gatekeep("run", "--", str(sandbox.work / "bin" / "mytool"), "--hook", "x",
                              env=env)
    assert second.returncode == 126, second.stderr
    assert "hazard:runs-code" in second.stderr
    assert not sandbox.marker.exists()


def test_a_project_cannot_change_what_programs_mean(sandbox: Sandbox) -> None:
    (sandbox.work / ".gatekeep").mkdir()
    (sandbox.work / ".gatekeep" / "programs.yaml").write_text(
        "gatekeep-programs: 1\nprograms:\n  find: {}\n")
    result = sandbox.gatekeep("check", "-c", "find . -exec rm {} +")
    assert result.returncode == 3, result.stdout


def test_a_broken_operator_knowledge_file_runs_nothing(sandbox: Sandbox) -> None:
    (sandbox.config_home / "gatekeep").mkdir(parents=True, exist_ok=True)
    path = sandbox.config_home / "gatekeep" / "programs.yaml"
    path.write_text("gatekeep-programs: 1\nprograms:\n  mytool:\n    runs_cod: [-x]\n")
    result = sandbox.gatekeep("run", "-c", "touch marker")
    assert result.returncode == 5, result.stderr
    assert f"{path}:4:5: programs.mytool.runs_cod: unknown key 'runs_cod' (did you mean " \
           "'runs_code'?)" in result.stderr
    assert not sandbox.marker.exists()
