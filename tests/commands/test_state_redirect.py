"""gatekeep takes its state (counters, audit log, approvals) and its policy from
XDG_STATE_HOME and XDG_CONFIG_HOME: a command that points a nested gatekeep, or every later
command, elsewhere is asked, so a rate limit cannot be reset by a fresh state directory."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py

POLICY = """\
gatekeep: 1
sandbox: off  # the nested gatekeep is what is judged here, not the box around it
rules:
  - id: nested
    allow: ["gatekeep run", "gatekeep check"]
    reason: gatekeep judges what it runs
  - id: touch
    allow: [touch]
    rate: 1/hour
"""


@pytest.mark.parametrize("command", [
    "XDG_STATE_HOME=/tmp/x gatekeep run -c ls", "export XDG_STATE_HOME=/tmp/x",
    "XDG_CACHE_HOME=/tmp/x gatekeep check -c ls", "export XDG_DATA_HOME=/tmp/x",
    "env XDG_STATE_HOME=/tmp/x gatekeep run -c ls", "declare -x XDG_STATE_HOME=/tmp/x",
    "GATEKEEP_SESSION=x gatekeep run -c ls", "export GATEKEEP_CWD_FD=3",
    "XDG_RUNTIME_DIR=/tmp/x gatekeep run -c ls",
])
def test_moving_gatekeeps_files_is_asked(sandbox: Sandbox, command: str) -> None:
    sandbox.write_operator_policy(POLICY)
    result = sandbox.gatekeep("check", "--json", "-c", command)
    assert result.returncode == 3, result.stdout
    rules = {r for s in json.loads(result.stdout)["segments"] for r in s["rules"]}
    assert "hazard:environment" in rules, result.stdout


def test_a_rate_limit_is_not_reset_by_a_fresh_state_directory(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(POLICY)
    # `gatekeep` found on PATH, as an agent's shell finds it
    env = {"PATH": f"{sandbox.GATEKEEP.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    first = sandbox.gatekeep("run", "-c", "touch one", env=env)
    assert first.returncode == 0, first.stderr
    second = sandbox.gatekeep("run", "-c", "touch two", env=env)
    assert second.returncode == 126, second.stderr  # over the rate: asked, no terminal
    fresh = sandbox.root / "fresh"
    third = sandbox.gatekeep(
        "run", "-c", f"XDG_STATE_HOME={fresh} gatekeep run -c 'touch three'", env=env)
    assert third.returncode == 126, third.stderr
    assert "hazard:environment" in third.stderr
    assert not (sandbox.work / "three").exists()
    assert not fresh.exists()
