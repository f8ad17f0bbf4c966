"""Lint lists every loosening an extending policy makes, and what its overrides lift."""

from __future__ import annotations

import re
from pathlib import Path

from gatekeep.lint.checks import lint_policy

OPERATOR = """\
gatekeep: 1
extends: [builtin:default]
rules:
  - id: my-compose
    allow: ["docker compose up -d"]
  - id: my-push
    allow: ["git push -f origin mine"]
    overrides: [force-push]
  - id: my-typo
    allow: ["ls"]
    overrides: [protect.wirte]
  - id: my-fetch
    allow: ["git fetch"]
"""


def test_every_loosening_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(OPERATOR, encoding="utf-8")
    found = [(f.severity, f.code, f.line, re.sub(r"default\.yaml:\d+", "default.yaml:N",
                                                  f.message)) for f in lint_policy(str(path))]
    assert found == [
        ("note", "loosens", 4, "rule 'my-compose' (allow) decides instead of the inherited "
         "'deploy-and-infrastructure' (ask, default.yaml:N) for the commands both match"),
        ("note", "lifts", 6, "rule 'my-push' lifts the inherited deny 'force-push' "
         "(default.yaml:N) where it matches"),
        ("note", "loosens", 6, "rule 'my-push' (allow) decides instead of the inherited "
         "'git-remote-and-config' (ask, default.yaml:N) for the commands both match"),
        ("warning", "unknown-override", 9, "rule 'my-typo': overrides names 'protect.wirte', "
         "which is neither an inherited deny rule nor one of the checks protect.write, "
         "protect.read, path:outside, path:runs-code, path:unknown, self-protection; it "
         "lifts nothing"),
    ]


def test_an_allow_under_an_inherited_deny_is_contradicted_until_named(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(OPERATOR.replace("    overrides: [force-push]\n", ""), encoding="utf-8")
    codes = [(f.code, f.line) for f in lint_policy(str(path))]
    assert ("contradicted", 6) in codes and ("lifts", 6) not in codes
