"""Layers: the operator's own policy decides over what it extends for what its rules match;
an inherited deny or check is lifted only by naming it in ``overrides``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.core.engine import Decision, combine, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse

OPERATOR = """\
gatekeep: 1
extends: [builtin:default]
rules:
  - id: my-compose
    allow: ["docker compose up -d"]
  - id: my-scratch-push
    allow: ["git push -f origin scratch"]
  - id: my-lifted-push
    allow: ["git push -f origin mine"]
    overrides: [force-push]
  - id: my-notes
    allow: ["tee -a /etc/motd"]
  - id: my-profile
    allow: ["tee -a /etc/issue"]
    overrides: [protect.write]
  - id: my-status
    ask: ["git status"]
"""


@pytest.fixture
def operator(tmp_path: Path) -> Policy:
    path = tmp_path / "config" / "policy.yaml"
    path.parent.mkdir()
    path.write_text(OPERATOR, encoding="utf-8")
    return load_policy(path, operator_dir=str(path.parent))


def judge(policy: Policy, command: str, tmp_path: Path) -> Decision:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    context = Context(cwd=str(work), home=str(tmp_path / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"))
    return decide(policy, parse(command), context)


@pytest.mark.parametrize(("command", "expected", "rules"), [
    # the operator's allow decides over the default's ask
    ("docker compose up -d", "allow", ("my-compose",)),
    ("docker compose up", "ask", ("deploy-and-infrastructure",)),
    # an inherited deny stays unless the operator's rule names it
    ("git push -f origin scratch", "deny", ("force-push",)),
    ("git push -f origin mine", "allow", ("my-lifted-push",)),
    # so does a protected path
    ("echo x | tee -a /etc/motd", "deny", ("protect.write",)),
    ("echo x | tee -a /etc/issue", "allow", ("my-profile",)),
    # the operator's rules may tighten too: their ask decides over the default's allow
    ("git status", "ask", ("my-status",)),
    # what no operator rule matches is decided by the default as before
    ("rm -rf build", "ask", ("recursive-delete", "delete-files")),
])
def test_the_operator_decides_over_the_default(operator: Policy, tmp_path: Path, command: str,
                                              expected: str, rules: tuple[str, ...]) -> None:
    decision = judge(operator, command, tmp_path)
    assert decision.decision == expected
    assert decision.deciding[-1].rules == rules


def test_a_loosening_policy_named_for_run_only_tightens(operator: Policy, tmp_path: Path) -> None:
    """A project policy with the same rules is combined with the operator's: stricter wins."""
    default = load_policy("builtin:default")
    project = tmp_path / "project.yaml"
    project.write_text(OPERATOR, encoding="utf-8")
    loosening = load_policy(project, operator_dir=str(tmp_path / "elsewhere"))
    for command in ("docker compose up -d", "git push -f origin mine",
                    "echo x | tee -a /etc/issue"):
        alone = judge(loosening, command, tmp_path)
        both = combine([judge(default, command, tmp_path), alone])
        assert alone.decision == "allow"
        assert both.decision in ("ask", "deny"), command


def test_within_one_file_the_strictest_rule_still_wins(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("gatekeep: 1\nrules:\n  - id: a\n    allow: [docker]\n"
                    "  - id: b\n    ask: [docker compose up]\n", encoding="utf-8")
    policy = load_policy(path, operator_dir=str(tmp_path))
    assert judge(policy, "docker compose up -d", tmp_path).decision == "ask"


def test_a_deeper_layer_decides_where_the_top_matches_nothing(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "gatekeep: 1\nextends: [builtin:default]\nrules:\n  - id: base-ps\n"
        "    deny: [\"docker ps\"]\n", encoding="utf-8")
    (tmp_path / "top.yaml").write_text(
        "gatekeep: 1\nextends: [base.yaml]\nrules:\n  - id: top-logs\n"
        "    allow: [\"docker run hello\"]\n", encoding="utf-8")
    policy = load_policy(tmp_path / "top.yaml", operator_dir=str(tmp_path))
    assert judge(policy, "docker ps", tmp_path).decision == "deny"
    assert judge(policy, "docker run hello", tmp_path).decision == "allow"
    assert judge(policy, "docker run other", tmp_path).decision == "ask"
