"""A code-path variable set for one command (``PYTHONPATH=src pytest``) under the default
policy: its directories are judged as code the command runs, and the box runs it as the
tree's code (without the network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_engine import CWD, HOME, FakeResolver

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.sandbox.policy import boxed_network
from gatekeep.shell.parse import parse


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:default")


def judge(policy: Policy, command: str) -> Decision:
    return decide(policy, parse(command), Context(cwd=CWD, home=HOME, resolver=FakeResolver()))


@pytest.mark.parametrize("command", ["PYTHONPATH=src pytest -q",
                                     "PYTHONPATH=src:tests:$PYTHONPATH python -m pytest",
                                     "NODE_PATH=lib npm test"])
def test_the_trees_directories_are_its_code(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize(("command", "rule", "where"), [
    ("PYTHONPATH=/opt/lib pytest -q", "path:runs-code", "/opt/lib"),
    ("PYTHONPATH=/tmp/x pytest -q", "path:runs-code", "/tmp/x"),
    # `..` after a link in the tree leaves it where the program follows the link (perl)
    ("PYTHONPATH=src:../other pytest -q", "hazard:environment", "PYTHONPATH"),
    ("PERL5LIB=lib/.. perl t.pl", "hazard:environment", "PERL5LIB"),
    # set twice, or set before as the caller's: every value is judged (red team 44)
    ("PYTHONPATH=/opt: PYTHONPATH+=src python3 -m m", "hazard:environment", "PYTHONPATH"),
    ("PYTHONPATH=src PYTHONPATH=$PYTHONPATH pip list", "hazard:environment", "PYTHONPATH"),
])
def test_a_directory_outside_the_tree_is_asked(policy: Policy, command: str, rule: str,
                                               where: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask"
    assert any(v.rule == rule and where in (v.reason or "")
               for s in decision.segments for v in s.deciding)


def test_a_networked_part_given_one_runs_offline(policy: Policy) -> None:
    """npm ci's install scripts (node-gyp's python) would load the tree's code with the
    network and the kept tokens."""
    decision = judge(policy, "PYTHONPATH=src npm ci")
    assert decision.decision == "allow"
    assert "runs-tree-code" in decision.segments[0].described[1]
    assert not boxed_network(decision, policy.knowledge)
    assert boxed_network(judge(policy, "npm ci"), policy.knowledge)


def test_the_callers_own_value_is_still_the_trees_code(policy: Policy) -> None:
    """`$PYTHONPATH` is the caller's, but the part loads from `src` too: offline, with the
    part beside it (red team 44: `git fetch; PYTHONPATH=src PYTHONPATH=$PYTHONPATH pip
    list` ran the tree's sitecustomize.py with the network and GH_TOKEN)."""
    decision = judge(policy, "git fetch; PYTHONPATH=$PYTHONPATH pip list")
    assert decision.decision == "allow"
    assert not boxed_network(decision, policy.knowledge)


def test_a_wrappers_assignment_stays_a_hazard(tmp_path: Path) -> None:
    """Under a policy that allows `env`, `env PYTHONPATH=/opt/x pytest` is asked: the
    wrapper's assignment is not read as a code path (its word is the whole `NAME=VALUE`)."""
    (tmp_path / "p.yaml").write_text("gatekeep: 1\nrules:\n  - id: e\n"
                                     "    allow: [env, pytest]\n")
    decision = judge(load_policy(tmp_path / "p.yaml"), "env PYTHONPATH=/opt/x pytest")
    assert decision.decision == "ask"
    assert [v.rule for s in decision.segments for v in s.deciding if s.decision == "ask"] == [
        "hazard:environment"]
