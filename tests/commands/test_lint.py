"""``gatekeep lint``: output, exit codes, --strict, --json; the shipped policies are clean."""

from __future__ import annotations

import json

import pytest

from gatekeep.policy.refs import builtin_names

WARNS = "gatekeep: 1\nrules:\n  - {id: info, allow: [uname, env]}\n  - {id: envs, ask: [env]}\n"
FAILS = "gatekeep: 1\nrules:\n  - {id: all, allow: ['*']}\n"


@pytest.mark.parametrize("name", builtin_names())
def test_shipped_policies_pass_strict_lint_and_full_coverage(sandbox, name):
    lint = sandbox.gatekeep("lint", "--strict", f"builtin:{name}")
    test = sandbox.gatekeep("test", "--min-coverage", "100", f"builtin:{name}")

    # notes name what a policy loosens (production's own allows over the default's asks)
    assert lint.returncode == 0, lint.stdout
    assert [line for line in lint.stdout.splitlines() if "note:" not in line] == [
        f"builtin:{name}: 0 errors, 0 warnings" + (", 7 loosenings" if name == "production"
                                                    else "")]
    assert test.returncode == 0, test.stdout


def test_warnings_fail_only_with_strict(sandbox):
    policy = sandbox.write("policy.yaml", WARNS)

    plain = sandbox.gatekeep("lint", str(policy))
    strict = sandbox.gatekeep("lint", "--strict", str(policy))

    expected = (f"{policy}:3: warning: rule 'info' (allow): pattern 'env' can never decide: "
                "rule 'envs' (ask, policy.yaml:4) matches every command it matches "
                f"[shadowed-pattern]\n{policy}: 0 errors, 1 warning\n")
    assert (plain.returncode, plain.stdout) == (0, expected)
    assert (strict.returncode, strict.stdout) == (1, expected)


def test_errors_fail(sandbox):
    policy = sandbox.write("policy.yaml", FAILS)

    result = sandbox.gatekeep("lint", str(policy))

    assert result.returncode == 1
    assert result.stdout == (f"{policy}:3: error: rule 'all': pattern '*' allows every program "
                             f"with any arguments [broad-allow]\n{policy}: 1 error, 0 warnings\n")


def test_a_policy_that_does_not_load_is_exit_5(sandbox):
    broken = sandbox.write("broken.yaml", "gatekeep: 1\nrules:\n  - {id: x, alow: [ls]}\n")
    fine = sandbox.write("fine.yaml", "gatekeep: 1\nrules:\n  - {id: x, allow: [ls]}\n")

    result = sandbox.gatekeep("lint", str(fine), str(broken))

    assert result.returncode == 5
    assert result.stdout == (
        f"{broken}:3:13: error: rules[0].alow: unknown key 'alow' (did you mean 'allow'?); "
        "expected one of: allow, ask, bounds, deny, id, limits, overrides, packages, rate, reason, "
        "suggest, tests, when [load]\n"
        f"{fine}: 0 errors, 0 warnings\n{broken}: 1 error, 0 warnings\n")


def test_json(sandbox):
    policy = sandbox.write("policy.yaml", WARNS)

    result = sandbox.gatekeep("lint", "--json", "--strict", str(policy))

    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert (document["passed"], document["strict"]) == (False, True)
    [finding] = document["policies"][0]["findings"]
    assert {k: finding[k] for k in ("severity", "code", "line", "column", "where")} == {
        "severity": "warning", "code": "shadowed-pattern", "line": 3, "column": None,
        "where": f"{policy}:3"}


def test_needs_a_policy(sandbox):
    result = sandbox.gatekeep("lint")

    assert result.returncode == 2
    assert "Missing argument 'POLICY'" in result.stderr
