"""A variable that changes what programs load, set for one command to a value knowledge
says loads nothing (``environment.values``: ``NODE_OPTIONS=--max-old-space-size=4096``),
is no hazard; any other value of it still is."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_engine import CWD, HOME, FakeResolver

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context
from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:default")


def judge(policy: Policy, command: str) -> Decision:
    return decide(policy, parse(command), Context(cwd=CWD, home=HOME, resolver=FakeResolver()))


@pytest.mark.parametrize("command", [
    "NODE_OPTIONS=--max-old-space-size=4096 npm run build",
    "NODE_OPTIONS='--max-old-space-size=8192 --enable-source-maps' npm test",
    "GOFLAGS=-count=1 go test ./...",
    "GOFLAGS='-mod=vendor -tags=integration' go vet ./...",
    "PYTHONWARNINGS=ignore pytest -q",
    "PYTHONWARNINGS=error::DeprecationWarning,ignore::ResourceWarning pytest -q",
])
def test_a_plain_value_is_no_hazard(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize("command", [
    "NODE_OPTIONS='--require ./x.js' npm test",
    "NODE_OPTIONS='--max-old-space-size=4096 --import ./x.mjs' npm test",
    "NODE_OPTIONS=--max-old-space-size=4096$X npm test",
    "NODE_OPTIONS+=--max-old-space-size=4096 npm test",
    "GOFLAGS=-toolexec=/tmp/x go test ./...",
    "GOFLAGS=-modfile=/tmp/go.mod go build",
    # a dotted category is imported (warnings._getcategory)
    "PYTHONWARNINGS=ignore::evil.Warning pytest -q",
    "PYTHONPATH=src NODE_OPTIONS=--inspect npm test",
])
def test_any_other_value_is_asked(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask"
    assert any(v.rule == "hazard:environment" for s in decision.segments for v in s.deciding)


def test_a_value_pattern_that_is_no_regular_expression_is_refused(tmp_path: Path) -> None:
    from gatekeep.policy.knowledge import load_knowledge

    bad = tmp_path / "programs.yaml"
    bad.write_text("gatekeep-programs: 1\nenvironment:\n  values:\n    GOFLAGS: ['(']\n")
    with pytest.raises(PolicyError, match="regular expression"):
        load_knowledge(bad)
