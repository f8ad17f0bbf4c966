"""``gatekeep test``: examples and case files, failures diff-style, coverage, JUnit, JSON."""

from __future__ import annotations

import json
from xml.etree import ElementTree

POLICY = """\
gatekeep: 1
rules:
  - id: reads
    allow: [ls, cat]
    reason: reads files
    tests:
      - {cmd: "ls -la", expect: allow}
  - id: pushes
    ask: ["git push"]
    reason: reaches a remote
    tests:
      - {cmd: "git push origin main", expect: ask}
  - id: force-push
    deny: ["git push --force"]
    reason: rewrites history
tests:
  - {cmd: "cat a.txt && git push -f", expect: deny}
"""

# The same, but one example expects the wrong decision.
FAILING = POLICY.replace('{cmd: "git push origin main", expect: ask}',
                         '{cmd: "git push origin main", expect: allow}')


def test_builtin_default_passes_with_full_coverage(sandbox):
    result = sandbox.gatekeep("test", "--min-coverage", "100")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("builtin:default: ")
    assert "examples passed; rule coverage" in result.stdout
    assert "(100.0%)\n" in result.stdout
    assert result.stderr == ""


def test_passing_policy(sandbox):
    policy = sandbox.write("policy.yaml", POLICY)

    result = sandbox.gatekeep("test", str(policy))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == (
        f"{policy}: 3 of 3 examples passed; rule coverage 3/3 (100.0%)\n")


def test_failure_shows_expected_against_actual_and_the_deciding_rules(sandbox):
    policy = sandbox.write("policy.yaml", FAILING)

    result = sandbox.gatekeep("test", str(policy))

    assert result.returncode == 1, result.stderr
    assert result.stdout == (
        f"FAIL {policy}:12  pushes\n"
        "  $ git push origin main\n"
        "  - expected allow\n"
        "  + actual   ask\n"
        "    ? ask   git push origin main\n"
        "              pushes: git push: connects to another machine or a network service "
        "(network)\n"
        "\n"
        f"{policy}: 2 of 3 examples passed; rule coverage 3/3 (100.0%)\n"
    )


def test_coverage_names_the_rules_no_example_exercises(sandbox):
    policy = sandbox.write("policy.yaml", POLICY.replace(
        '  - {cmd: "cat a.txt && git push -f", expect: deny}\n',
        '  - {cmd: "cat a.txt", expect: allow}\n'))

    plain = sandbox.gatekeep("test", str(policy))
    required = sandbox.gatekeep("test", str(policy), "--min-coverage", "90")
    enough = sandbox.gatekeep("test", str(policy), "--min-coverage", "60")

    assert plain.returncode == 0, plain.stdout
    assert plain.stdout == (
        f"{policy}: 3 of 3 examples passed; rule coverage 2/3 (66.7%)\n"
        f"  not covered: force-push ({policy}:13)\n")
    assert required.returncode == 1, required.stdout
    assert "rule coverage 2/3 (66.7%), below the required 90%\n" in required.stdout
    assert enough.returncode == 0, enough.stdout


def test_a_rule_that_only_matches_beside_a_stricter_one_is_not_covered(sandbox):
    policy = sandbox.write("policy.yaml", (
        "gatekeep: 1\nrules:\n"
        "  - {id: git-all, allow: [git]}\n"
        "  - {id: git-push, deny: [\"git push\"]}\n"
        "tests:\n  - {cmd: \"git push\", expect: deny}\n"))

    result = sandbox.gatekeep("test", str(policy), "--json")

    document = json.loads(result.stdout)
    assert document["policies"][0]["coverage"]["uncovered"] == [
        {"id": "git-all", "file": str(policy), "line": 3}]


def test_case_files(sandbox):
    policy = sandbox.write("policy.yaml", POLICY)
    cases = sandbox.write("cases.yaml", (
        "cases:\n"
        "  - {cmd: 'ls', expect: allow}\n"
        "  - {cmd: 'git push --force origin main', expect: deny}\n"
        "  - {cmd: 'cat notes', expect: deny, cwd: sub}\n"))

    result = sandbox.gatekeep("test", str(policy), "--cases", str(cases))

    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(
        f"FAIL {cases}:4  policy tests  (cwd sub)\n"
        "  $ cat notes\n"
        "  - expected deny\n"
        "  + actual   allow\n")
    assert result.stdout.endswith(f"{policy}: 5 of 6 examples passed; rule coverage 3/3 "
                                  "(100.0%)\n")


def test_example_cwd_and_home_are_fixed_places(sandbox):
    policy = sandbox.write("policy.yaml", (
        "gatekeep: 1\nprotect:\n  write: ['~/.ssh/**']\nrules:\n  - {id: files, allow: [touch]}\n"
        "tests:\n"
        "  - {cmd: 'touch notes.txt', expect: allow}\n"
        "  - {cmd: 'touch ../notes.txt', expect: ask}\n"
        "  - {cmd: 'touch /gatekeep-test/notes.txt', expect: allow, cwd: /gatekeep-test}\n"
        "  - {cmd: 'touch ~/.ssh/config', expect: deny, cwd: ~/.ssh}\n"))

    result = sandbox.gatekeep("test", str(policy))

    assert result.returncode == 0, result.stdout


def test_junit_output_parses_back(sandbox):
    policy = sandbox.write("policy.yaml", FAILING)
    report = sandbox.root / "junit.xml"

    result = sandbox.gatekeep("test", str(policy), "--junit", str(report),
                              "--min-coverage", "100")

    assert result.returncode == 1, result.stderr
    root = ElementTree.parse(report).getroot()
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "4", "1")
    suite = root.find("testsuite")
    assert suite.get("name") == str(policy)
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (f"{policy}.policy.yaml", "cat a.txt && git push -f"),
        (f"{policy}.reads", "ls -la"),
        (f"{policy}.pushes", "git push origin main"),
        (str(policy), "rule coverage of at least 100%"),
    ]
    failure = cases[2].find("failure")
    assert failure.get("message") == "expected allow, got ask"
    assert "  - expected allow\n  + actual   ask\n" in failure.text
    assert [c.find("failure") is None for c in cases] == [True, True, False, True]
    assert suite.find("properties/property").attrib == {"name": "coverage", "value": "100.00"}


def test_json_output(sandbox):
    policy = sandbox.write("policy.yaml", FAILING)

    result = sandbox.gatekeep("test", str(policy), "--json", "--min-coverage", "50")

    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["passed"] is False
    assert document["min_coverage"] == 50
    report = document["policies"][0]
    assert (report["policy"], report["examples"], report["failed"]) == (str(policy), 3, 1)
    failure = report["failures"][0]
    assert {k: failure[k] for k in ("cmd", "expect", "actual", "line", "rule")} == {
        "cmd": "git push origin main", "expect": "allow", "actual": "ask", "line": 12,
        "rule": "pushes"}
    assert failure["segments"][0]["rules"] == ["pushes"]
    assert report["coverage"] == {"percent": 100.0, "rules": 3, "covered": 3, "uncovered": [],
                                  "passed": True}


def test_policy_that_does_not_load_is_exit_5(sandbox):
    policy = sandbox.write("policy.yaml", "gatekeep: 1\nrules:\n  - id: x\n    alow: [ls]\n")

    result = sandbox.gatekeep("test", str(policy))

    assert result.returncode == 5
    assert result.stderr == (
        f"gatekeep: policy error: {policy}:4:5: rules[0].alow: unknown key 'alow' (did you "
        "mean 'allow'?); expected one of: allow, ask, bounds, deny, id, limits, overrides, "
        "packages, rate, reason, suggest, tests, when\n")


def test_case_file_errors_name_file_line_and_column(sandbox):
    cases = sandbox.write("cases.yaml", "cases:\n  - {cmd: ls, expect: maybe}\n")

    result = sandbox.gatekeep("test", "--cases", str(cases))

    assert result.returncode == 5
    assert result.stderr == (f"gatekeep: policy error: {cases}:2:23: cases[0].expect: "
                             "expected one of allow, ask, deny, got 'maybe'\n")


def test_examples_and_coverage_of_the_named_file_only(sandbox):
    sandbox.write("base.yaml", (
        "gatekeep: 1\nrules:\n  - id: deploys\n    ask: [kubectl]\n"
        "    tests: [{cmd: kubectl apply -f web.yaml, expect: ask}]\n"
        "  - {id: untested, ask: [helm]}\n"))
    policy = sandbox.write("policy.yaml", (
        "gatekeep: 1\nextends: [base.yaml]\nrules:\n  - id: no-deploys\n    deny: [kubectl]\n"
        "    tests: [{cmd: kubectl apply -f web.yaml, expect: deny}]\n"))

    result = sandbox.gatekeep("test", str(policy), "--min-coverage", "100")

    assert result.returncode == 0, result.stdout
    assert result.stdout == f"{policy}: 1 of 1 examples passed; rule coverage 1/1 (100.0%)\n"


def test_progress_bar_on_large_case_files_on_a_terminal(sandbox):
    import pexpect

    cases = sandbox.write("cases.yaml", "cases:\n" + "".join(
        f"  - {{cmd: 'ls file{i}', expect: allow}}\n" for i in range(600)))

    child = sandbox.pty_spawn("test", "--cases", str(cases))
    child.expect("examples")  # the bar's label
    child.expect("[0-9]+ of [0-9]+ examples passed")
    child.expect(pexpect.EOF)
    child.close()
    piped = sandbox.gatekeep("test", "--cases", str(cases))

    assert child.exitstatus == 0
    assert (piped.returncode, piped.stderr) == (0, "")
