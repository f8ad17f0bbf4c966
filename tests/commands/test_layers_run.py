"""``gatekeep run`` with layers: the operator's own policy loosens the default it extends;
a project policy saying the same thing does not."""

from __future__ import annotations

LOOSENING = """\
gatekeep: 1
extends: [builtin:default]
rules:
  - id: my-printenv
    allow: ["printenv HOME"]
"""


def test_the_operators_allow_runs_what_the_default_asks(sandbox):
    sandbox.write_operator_policy(LOOSENING)
    result = sandbox.gatekeep("run", "-c", "printenv HOME > marker")
    assert result.returncode == 0, result.stderr
    assert sandbox.marker.read_text() == f"{sandbox.home}\n"


def test_without_it_the_default_asks(sandbox):
    result = sandbox.gatekeep("run", "-c", "printenv HOME > marker")
    assert result.returncode == 126, result.stderr
    assert result.stderr.endswith(sandbox.NEEDS_APPROVAL), result.stderr
    assert not sandbox.marker.exists()


def test_a_project_policy_cannot_loosen(sandbox):
    sandbox.write("work/.gatekeep/policy.yaml", LOOSENING)
    result = sandbox.gatekeep("run", "-c", "printenv HOME > marker")
    assert result.returncode == 126, result.stderr
    assert not sandbox.marker.exists()


def test_check_of_the_operator_policy_says_which_rule_decided(sandbox):
    path = sandbox.write_operator_policy(LOOSENING)
    result = sandbox.gatekeep("check", "--policy", str(path), "-c", "printenv HOME")
    assert result.returncode == 0, result.stdout
    assert "my-printenv" in result.stdout
