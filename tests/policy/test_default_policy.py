"""The shipped default policy: it loads, and every example it documents holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.core.engine import decide
from gatekeep.core.inputs import SYSTEM_TEMP_DIRS
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Example
from gatekeep.shell.parse import parse

POLICY = load_policy("builtin:default")
EXAMPLES = list(POLICY.tests) + [t for rule in POLICY.rules for t in rule.tests]


def test_default_policy_documents_itself_with_examples() -> None:
    assert len(EXAMPLES) >= 40
    assert {e.expect for e in EXAMPLES} == {"allow", "ask", "deny"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.rule or 'policy'}:{e.cmd}")
def test_default_policy_example(example: Example, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    context = Context(cwd=str(work), home=str(tmp_path / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"), temp_dirs=SYSTEM_TEMP_DIRS)
    decision = decide(POLICY, parse(example.cmd), context)
    explained = [(s.text, s.decision, s.rules) for s in decision.segments]
    assert decision.decision == example.expect, explained
