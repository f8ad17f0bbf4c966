"""The stories of values and sources, on the shipped ``builtin:production`` policy, and the
stored decisions: a value out of bounds never reuses the decision of one within them."""

from __future__ import annotations

import json
import os
import secrets
import signal
from pathlib import Path
from typing import Any

import pytest
from fakes import Resolver

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context
from gatekeep.policy.load import load_policy
from gatekeep.shell.parse import parse

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import


def production(command: str) -> Decision:
    context = Context(cwd="/work/project", home="/home/u", resolver=Resolver())
    return decide(load_policy("builtin:production"), parse(command), context)


def rule_verdict(decision: Decision, rule: str) -> tuple[str, str | None]:
    found = [(v.decision, v.reason) for s in decision.segments for v in s.verdicts
             if v.rule == rule]
    assert len(found) == 1, decision
    return found[0]


# -- the pool scaled to 1500 -------------------------------------------------------------

@pytest.mark.parametrize(("command", "said"), [
    ('psql -c "ALTER SYSTEM SET max_connections = 1500"',
     "max_connections = 1500 is outside max_connections ..200"),
    ("kubectl scale deploy web --replicas=1500", "--replicas 1500 is outside replicas 1..10"),
    ("kubectl patch deploy web -p '{\"spec\":{\"replicas\":1500}}'",
     'replicas":1500 is outside replicas 1..10'),
])
def test_the_pool_scaled_to_1500_is_asked_naming_the_bound(sandbox: Sandbox, command: str,
                                                           said: str) -> None:
    checked = sandbox.gatekeep("check", "--policy", "builtin:production", "-c", command)
    assert checked.returncode == 3, checked.stdout
    assert "bounds of rule " in checked.stdout and said in checked.stdout, checked.stdout


@pytest.mark.parametrize(("command", "rule"), [
    ('psql -c "ALTER SYSTEM SET max_connections = 150"', "database-settings-within-bounds"),
    ("kubectl scale deploy web --replicas=3", "scale-within-bounds"),
])
def test_within_bounds_the_rule_allows(command: str, rule: str) -> None:
    # the rule's own verdict; the whole decision is also the inherited rules' (the default
    # asks before infrastructure changes)
    assert rule_verdict(production(command), rule)[0] == "allow"


# -- random GitHub packages ------------------------------------------------------------

@pytest.mark.parametrize("command", ["pip install git+https://github.com/x/y",
                                     "npm install github:x/y", "npm i x/y"])
def test_random_github_packages_are_denied(sandbox: Sandbox, command: str) -> None:
    checked = sandbox.gatekeep("check", "--json", "--policy", "builtin:production", "-c",
                               command)
    assert checked.returncode == 4, checked.stdout
    segment = json.loads(checked.stdout)["segments"][0]
    assert segment["reason"].startswith("installs from ")
    assert "not by name from the default registry" in segment["reason"]


def test_a_package_from_the_registry_is_the_rules() -> None:
    assert rule_verdict(production("pip install requests"), "packages-by-name")[0] == "allow"
    assert not [v for s in production("pip install requests").segments for v in s.verdicts
                if v.rule == "packages"]


# -- stored decisions ------------------------------------------------------------------

BOUNDED = """gatekeep: 1
sandbox: off
rules:
  - id: small-counts
    allow: [echo]
    bounds: {count: "..10"}
"""


@pytest.mark.parametrize("form", ["shell", "argv"])
def test_a_value_out_of_bounds_never_reuses_a_decision_within_them(sandbox: Sandbox,
                                                                    form: str) -> None:
    sandbox.write_operator_policy(BOUNDED)

    def run(value: str) -> Any:
        if form == "shell":
            return sandbox.gatekeep("run", "-c", f"echo count={value}")
        return sandbox.gatekeep("run", "--", "echo", f"count={value}")

    assert [run("5").stdout for _ in range(2)] == ["count=5\n", "count=5\n"]
    assert any((sandbox.state_home / "gatekeep" / "cache").glob("d-*"))
    refused = run("500")
    assert refused.returncode == 126, refused.stderr
    assert refused.stdout == ""
    assert "count=500 is outside count ..10" in refused.stderr
    assert [e["decision"] for e in sandbox.audit()] == ["allow", "allow", "ask"]


def test_a_rules_time_limit_holds_on_a_reused_decision(sandbox: Sandbox) -> None:
    mark = f"60.{os.getpid() % 10000:04d}{secrets.randbelow(10**6):06d}"
    sandbox.write_operator_policy("gatekeep: 1\nsandbox: off\nrules:\n  - id: quick\n"
                                  "    allow: [make]\n    limits: {timeout: 1}\n")
    (sandbox.work / "Makefile").write_text(f"all:\n\tsleep {mark}\n")
    try:
        for _ in range(2):
            ran = sandbox.gatekeep("run", "-c", "make")
            assert ran.returncode == 124, ran.stderr
        assert [e.get("stopped") for e in sandbox.audit()] == ["timeout", "timeout"]
    finally:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if mark.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                        os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    continue
