"""``.pre-commit-hooks.yaml``: the hooks run gatekeep lint and test on a project's policy."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

HOOKS = yaml.safe_load((Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml")
                       .read_text(encoding="utf-8"))
POLICY = ("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
          "  - id: no-deploys\n    deny: [kubectl]\n"
          "    tests: [{cmd: kubectl apply -f web.yaml, expect: deny}]\n")


def test_hook_ids():
    assert [hook["id"] for hook in HOOKS] == ["gatekeep-lint", "gatekeep-test"]


@pytest.mark.parametrize("hook", HOOKS, ids=lambda hook: hook["id"])
def test_hook_runs_on_a_project_policy(sandbox, hook):
    policy = sandbox.work / ".gatekeep.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    program, *args = shlex.split(hook["entry"])

    result = sandbox.gatekeep(*args, ".gatekeep.yaml")

    assert program == "gatekeep"
    assert hook["language"] == "python"
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("hook", HOOKS, ids=lambda hook: hook["id"])
@pytest.mark.parametrize(("path", "matches"), [
    (".gatekeep.yaml", True),
    ("services/api/.gatekeep.yml", True),
    (".gatekeep/policy.yaml", True),
    ("policies/programs.yaml", False),
    ("gatekeep.yaml", False),
])
def test_hook_files(hook, path, matches):
    assert (re.search(hook["files"], path) is not None) == matches
