"""``gatekeep schema``: the committed schema is current and agrees with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.policy.refs import builtin_dir, builtin_names

COMMITTED = Path(__file__).resolve().parents[2] / "policies" / "policy.schema.json"
VALIDATOR = jsonschema.Draft7Validator(json.loads(COMMITTED.read_text(encoding="utf-8")))

VALID = [
    "gatekeep: 1\n",
    "gatekeep: 1\nextends: builtin:default\ndefault: deny\nunparseable: ask\n",
    "gatekeep: 1\nprompt: {timeout: 30, no_tty: queue}\nprotect: {write: '~/.ssh/**', read: []}\n",
    "gatekeep: 1\nrules:\n  - {id: a, allow: ls}\n  - {id: b, deny: [{program: rm, flags: -r}]}\n",
    "gatekeep: 1\nrules:\n  - id: a\n    ask: [{program: git, args: push}]\n    reason: r\n"
    "    suggest: s\n    tests: [{cmd: git push, expect: ask, cwd: sub}]\n",
]
INVALID = [
    "rules: []\n",
    "gatekeep: 1\ncolour: red\n",
    "gatekeep: 1\ndefault: allow\n",
    "gatekeep: 1\nprompt: {timeout: 0}\n",
    "gatekeep: 1\nrules:\n  - {id: a}\n",
    "gatekeep: 1\nrules:\n  - {id: a, allow: [ls], deny: [rm]}\n",
    "gatekeep: 1\nrules:\n  - {id: a, alow: [ls]}\n",
    "gatekeep: 1\nrules:\n  - {id: a, allow: []}\n",
    "gatekeep: 1\nrules:\n  - {id: a, allow: [{args: [x]}]}\n",
    "gatekeep: 1\nrules:\n  - {id: a, allow: [{program: rm, flags: [r]}]}\n",
    "gatekeep: 1\nrules:\n  - {id: a, allow: [ls], tests: [{cmd: ls}]}\n",
    "gatekeep: 1\ntests: [{cmd: ls, expect: maybe}]\n",
    "gatekeep: 1\ntests: [{cmd: ls, expect: allow, where: here}]\n",
]


def test_committed_schema_is_what_gatekeep_schema_prints(sandbox):
    result = sandbox.gatekeep("schema")

    assert result.returncode == 0, result.stderr
    assert result.stdout == COMMITTED.read_text(encoding="utf-8"), (
        "policies/policy.schema.json is stale: run gatekeep schema > policies/policy.schema.json")


def test_schema_is_a_valid_draft_7_schema():
    jsonschema.Draft7Validator.check_schema(VALIDATOR.schema)


@pytest.mark.parametrize("name", builtin_names())
def test_shipped_policies_validate_and_name_the_schema(name):
    path = builtin_dir() / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")

    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) == []
    assert text.startswith("# yaml-language-server: $schema=policy.schema.json\n")


@pytest.mark.parametrize("text", VALID)
def test_schema_and_loader_accept_the_same(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")

    load_policy(path)
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) == []


@pytest.mark.parametrize("text", INVALID)
def test_schema_and_loader_reject_the_same(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(PolicyError):
        load_policy(path)
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) != []
