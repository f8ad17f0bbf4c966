"""The schema and lint know the guardrails of values, sources and limits."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from gatekeep.policy.load import check_policy

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft7Validator(
    json.loads((ROOT / "policies" / "policy.schema.json").read_text(encoding="utf-8")))


def errors(document: object) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(document)]


def test_the_schema_accepts_the_production_policy() -> None:
    document = yaml.safe_load((ROOT / "policies" / "production.yaml").read_text())
    assert errors(document) == []


def test_the_schema_rejects_a_bound_that_is_no_range_and_a_name_that_is_no_package() -> None:
    rule = {"id": "x", "allow": ["kubectl"], "bounds": {"replicas": "1-10"}}
    assert errors({"gatekeep": 1, "rules": [rule]})
    assert errors({"gatekeep": 1, "packages": {"names": ["git+https://x/y"]}})
    assert errors({"gatekeep": 1, "rules": [{**rule, "bounds": {"replicas": "1..10"},
                                             "limits": {"timeout": 5, "cpus": 1}}]})
    assert not errors({"gatekeep": 1, "rules": [{**rule, "bounds": {"replicas": "1..10"},
                                                 "limits": {"timeout": 5, "memory": "2G"}}]})


def test_lint_reports_a_bound_never_met_and_a_bad_allowlist_entry(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("gatekeep: 1\npackages: {names: [requests, 'https://evil']}\nrules:\n"
                    "  - id: s\n    allow: [kubectl]\n    bounds: {replicas: '9..1'}\n")
    policy, found = check_policy(path)
    assert policy is None
    assert [str(e) for e in found] == [
        f"{path}:2:30: packages.names[1]: not a package name or scope: 'https://evil' (names are "
        "such as requests, left-pad, @myorg/* or golang.org/x/*)",
        f"{path}:6:24: rules[0].bounds.replicas: the bound '9..1' of replicas can never be "
        "met: its lower end is above its upper end",
    ]
