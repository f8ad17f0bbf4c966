"""``bounds:``: numeric limits on the values an allowed command sets.

Out of bounds, or not a literal number, the allow becomes ask and the reason names the
bound and the value; within bounds the rule decides as if it had none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import Resolver

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context
from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse

CWD = "/work/project"


POLICY = """gatekeep: 1
rules:
  - id: scale
    allow: ["kubectl scale", "kubectl patch", psql, mysql, make, node, dd, "helm upgrade"]
    bounds: {replicas: "1..10", max_connections: "..200", "-j": "..16",
             "--max-old-space-size": "..4096", count: "1..100"}
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    path = tmp_path_factory.mktemp("bounds") / "policy.yaml"
    path.write_text(POLICY)
    return load_policy(path)


def judge(policy: Policy, command: str) -> Decision:
    return decide(policy, parse(command), Context(cwd=CWD, home="/home/u", resolver=Resolver()))


WITHIN = [
    "kubectl scale deploy web --replicas=5",
    "kubectl scale deploy web --replicas 10",
    "kubectl patch deploy web -p '{\"spec\":{\"replicas\":3}}'",
    "kubectl patch deploy web -p 'spec: {replicas: 1}'",
    "psql -c 'ALTER SYSTEM SET max_connections = 150'",
    "psql -c \"ALTER SYSTEM SET max_connections TO '200'\"",
    "psql -c 'select 1'",
    "psql <<'EOF'\nALTER SYSTEM SET max_connections = 100;\nEOF",
    "mysql -e 'SET GLOBAL max_connections = 20'",
    "make -j8",
    "make -j 16",
    "make --jobs=4",
    "dd if=/dev/zero of=out count=100",
    "helm upgrade web chart --set web.replicas=2",
]


@pytest.mark.parametrize("command", WITHIN)
def test_values_within_bounds_are_allowed(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", decision


OUTSIDE = [
    ("kubectl scale deploy web --replicas=1500", "--replicas 1500 is outside replicas 1..10"),
    ("kubectl scale deploy web --replicas 0", "--replicas 0 is outside replicas 1..10"),
    ("kubectl patch deploy web -p '{\"spec\":{\"replicas\":1500}}'",
     'replicas":1500 is outside replicas 1..10'),
    ("psql -c 'ALTER SYSTEM SET max_connections = 1500'",
     "max_connections = 1500 is outside max_connections ..200"),
    ("psql -c 'ALTER SYSTEM SET MAX_CONNECTIONS TO 201'", "MAX_CONNECTIONS TO 201 is outside "
     "max_connections ..200"),
    ("psql <<'EOF'\nALTER SYSTEM SET max_connections = 900;\nEOF",
     "max_connections = 900 is outside max_connections ..200"),
    ("mysql -e 'SET GLOBAL max_connections = 5000'",
     "max_connections = 5000 is outside max_connections ..200"),
    ("make -j64", "--jobs 64 is outside -j ..16"),
    ("make --jobs 17", "--jobs 17 is outside -j ..16"),
    ("node --max-old-space-size=8192 app.js",
     "--max-old-space-size 8192 is outside --max-old-space-size ..4096"),
    ("dd if=/dev/zero of=out count=1000", "count=1000 is outside count 1..100"),
    ("helm upgrade web chart --set web.replicas=50", "web.replicas=50 is outside replicas 1..10"),
]


@pytest.mark.parametrize(("command", "said"), OUTSIDE)
def test_values_outside_bounds_are_asked_naming_bound_and_value(
        policy: Policy, command: str, said: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask"
    reasons = [v.reason or "" for s in decision.segments for v in s.deciding]
    assert any(r.startswith("bounds of rule scale: ") and said in r for r in reasons), reasons


UNREADABLE = [
    ("kubectl scale deploy web --replicas=$N", "a value known only at run time"),
    ("kubectl scale deploy web --replicas=$(cat n)", "a value known only at run time"),
    ("kubectl scale deploy web --replicas=1e3", "is not a literal number"),
    ("kubectl scale deploy web --replicas=0x10", "is not a literal number"),
    ("kubectl scale deploy web --replicas", "without a value gatekeep can read"),
    ("kubectl scale deploy web $OPTS", "words known only at run time"),
    ("make -j", "--jobs without a value gatekeep can read"),
    ("psql -c \"ALTER SYSTEM SET max_connections = $N\"", "text known only at run time"),
    ("psql -c 'ALTER SYSTEM SET max_connections = DEFAULT'", "is not a literal number"),
    ("psql -c 'SHOW max_connections'", "a form gatekeep does not read"),
    ("psql -f tune.sql", "text gatekeep does not see"),
    ("psql < tune.sql", "text gatekeep does not see"),
    ("kubectl patch deploy web --type=json -p "
     "'[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1500}]'",
     "a form gatekeep does not read"),
    ("dd if=/dev/zero of=out count=\"$N\"", "count=\"$N\""),
]


@pytest.mark.parametrize(("command", "said"), UNREADABLE)
def test_a_value_gatekeep_cannot_read_is_asked(policy: Policy, command: str, said: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask", decision
    reasons = [v.reason or "" for s in decision.segments for v in s.deciding]
    assert any(said in r for r in reasons), reasons


def test_bounds_only_tighten_an_ask_or_deny_rule_stays(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("gatekeep: 1\nrules:\n  - id: never\n    deny: [make]\n"
                    "    bounds: {'-j': '..2'}\n")
    assert judge(load_policy(path), "make -j1").decision == "deny"
    assert judge(load_policy(path), "make -j9").decision == "deny"


@pytest.mark.parametrize(("bound", "said"), [
    ('"10..1"', "the bound '10..1' of replicas can never be met: its lower end is above its "
                "upper end"),
    ('"1-10"', "a bound is a range such as \"1..10\", \"..200\" or \"4..\", got '1-10'"),
    ("5", "a bound is a range such as \"1..10\", \"..200\" or \"4..\", got 5"),
    ('".."', "a bound is a range such as \"1..10\", \"..200\" or \"4..\", got '..'"),
])
def test_a_bound_that_can_never_be_met_is_an_error(tmp_path: Path, bound: str,
                                                  said: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"gatekeep: 1\nrules:\n  - id: s\n    allow: [kubectl]\n"
                    f"    bounds: {{replicas: {bound}}}\n")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value) == f"{path}:5:24: rules[0].bounds.replicas: {said}"
