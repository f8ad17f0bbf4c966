"""``gatekeep replay``: a recorded audit log re-decided under a tightened and a loosened policy."""

from __future__ import annotations

import json

import pexpect
import pytest

TIGHTER = "gatekeep: 1\nextends: [builtin:default]\nrules:\n  - {id: no-ls, deny: [ls]}\n"
LOOSER = ("gatekeep: 1\nrules:\n  - {id: anything, allow: [ls, echo, cat, rm, git]}\n")


@pytest.fixture
def audit_log(sandbox):
    """A real log: gatekeep run under the built-in policy (two allowed, one asked, one denied)."""
    for args in (["-c", "ls"], ["-c", "echo hi && ls"], ["-c", "rm -rf build"],
                 ["-c", "git push -f origin main"], ["--", "cat", "notes.txt"], ["-c", "ls"]):
        sandbox.gatekeep("run", *args)
    decisions = [entry["decision"] for entry in sandbox.audit()]
    assert decisions == ["allow", "allow", "ask", "deny", "allow", "allow"]
    return sandbox.audit_log


def test_tightened_policy(sandbox, audit_log):
    policy = sandbox.write("tighter.yaml", TIGHTER)

    result = sandbox.gatekeep("replay", str(audit_log), "--policy", str(policy),
                              "--fail-on-loosen")

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "- allow  ls  (2 times)\n"
        "+ deny   ls  tighter\n"
        "           no-ls: ls: reads files (reads)\n"
        "- allow  echo hi && ls\n"
        "+ deny   echo hi && ls  tighter\n"
        "           no-ls: ls: reads files (reads)  (in: ls)\n"
        f"6 logged decisions (5 distinct) replayed under {policy}: 3 unchanged, 3 tighter, "
        "0 looser\n"
        "  allow -> deny  3\n"
    )


def test_loosened_policy_fails_the_gate(sandbox, audit_log):
    policy = sandbox.write("looser.yaml", LOOSER)

    result = sandbox.gatekeep("replay", str(audit_log), "--policy", str(policy),
                              "--fail-on-loosen")

    assert result.returncode == 1, result.stderr
    assert result.stdout == (
        "- ask    rm -rf build\n"
        "+ allow  rm -rf build  looser\n"
        "           anything: rm: deletes files other than build output (deletes); "
        "writes or deletes files in the working tree (writes-tree)\n"
        "- deny   git push -f origin main\n"
        "+ allow  git push -f origin main  looser\n"
        "           anything: git push --force: replaces commits a branch already has "
        "(rewrites-history); connects to another machine or a network service (network)\n"
        f"6 logged decisions (5 distinct) replayed under {policy}: 4 unchanged, 0 tighter, "
        "2 looser\n"
        "  deny -> allow  1  looser\n"
        "  ask -> allow   1  looser\n"
    )


def test_without_the_flag_a_looser_policy_is_only_reported(sandbox, audit_log):
    policy = sandbox.write("looser.yaml", LOOSER)

    result = sandbox.gatekeep("replay", str(audit_log), "-p", str(policy))

    assert result.returncode == 0, result.stderr


def test_json(sandbox, audit_log):
    policy = sandbox.write("tighter.yaml", TIGHTER)

    result = sandbox.gatekeep("replay", str(audit_log), "--policy", str(policy), "--json")

    document = json.loads(result.stdout)
    assert {k: document[k] for k in ("total", "distinct", "unchanged", "tighter", "looser",
                                     "kinds")} == {
        "total": 6, "distinct": 5, "unchanged": 3, "tighter": 3, "looser": 0,
        "kinds": {"allow -> deny": 3}}
    first = document["changes"][0]
    assert {k: first[k] for k in ("command", "argv", "cwd", "line", "times", "old", "new",
                                  "change")} == {
        "command": "ls", "argv": None, "cwd": str(sandbox.work), "line": 1, "times": 2,
        "old": "allow", "new": "deny", "change": "tighter"}
    assert first["segments"][0]["rules"] == ["no-ls"]


def test_argv_entries_are_replayed_as_argv(sandbox, audit_log):
    policy = sandbox.write("no-cat.yaml", TIGHTER.replace("[ls]", "[cat]"))

    result = sandbox.gatekeep("replay", str(audit_log), "--policy", str(policy))

    assert result.stdout.startswith("- allow  cat notes.txt\n+ deny   cat notes.txt  tighter\n")


def test_unchanged(sandbox, audit_log):
    result = sandbox.gatekeep("replay", str(audit_log), "--policy", "builtin:default")

    assert result.returncode == 0
    assert result.stdout == ("6 logged decisions (5 distinct) replayed under builtin:default: "
                             "6 unchanged, 0 tighter, 0 looser\n")


def test_a_line_that_is_not_an_audit_entry_is_skipped_with_a_warning(sandbox):
    log = sandbox.write("audit.jsonl", '{"command": "ls", "cwd": "/", "decision": "allow"}\n'
                                       '{"command": "ls"\n'
                                       '{"command": "ls", "decision": "allow"}\n')
    with log.open("ab") as handle:
        handle.write(b'{"command": "rm -rf \xff", "cwd": "/", "decision": "deny"}\n'
                     b'{"command": "cat x", "cwd": "/", "decision": "deny"}\n')

    result = sandbox.gatekeep("replay", str(log), "--policy", "builtin:default")

    assert result.returncode == 0
    assert result.stderr == (
        f"gatekeep: warning: {log}:2: skipped: not a JSON line: Expecting ',' delimiter: "
        "line 1 column 17 (char 16)\n"
        f"gatekeep: warning: {log}:3: skipped: 'cwd' is missing or not a string\n"
        f"gatekeep: warning: {log}:4: skipped: not UTF-8 text (byte 0xff at column 21)\n")
    assert "\n2 logged decisions (2 distinct) replayed under builtin:default: " in result.stdout


def test_json_counts_the_skipped_lines(sandbox):
    log = sandbox.write("audit.jsonl", '[]\n{"command": "ls", "cwd": "/", "decision": "allow"}\n')

    result = sandbox.gatekeep("replay", str(log), "--policy", "builtin:default", "--json")

    assert result.returncode == 0
    assert result.stderr == f"gatekeep: warning: {log}:1: skipped: not a JSON object\n"
    assert json.loads(result.stdout)["skipped"] == 1
    assert json.loads(result.stdout)["total"] == 1


def test_an_argument_that_is_not_utf8_is_replayed_as_logged(sandbox):
    sandbox.gatekeep("run", "--", "ls", "\udcff")  # the argument byte 0xff: asked, not run
    policy = sandbox.write("strict.yaml", "gatekeep: 1\nunparseable: deny\n")

    result = sandbox.gatekeep("replay", str(sandbox.audit_log), "--policy", str(policy))

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("- ask    ls '\\u{dcff}'\n+ deny   ls '\\u{dcff}'  tighter\n")


def test_a_missing_log_is_a_usage_error(sandbox):
    result = sandbox.gatekeep("replay", str(sandbox.root / "none.jsonl"), "-p", "builtin:default")

    assert result.returncode == 2
    assert result.stderr.startswith(f"gatekeep: cannot read the audit log {sandbox.root}/none")


def test_policy_error_is_exit_5(sandbox, audit_log):
    policy = sandbox.write("broken.yaml", "gatekeep: 2\n")

    result = sandbox.gatekeep("replay", str(audit_log), "--policy", str(policy))

    assert result.returncode == 5
    assert result.stderr == (f"gatekeep: policy error: {policy}:1:11: gatekeep: unsupported "
                             "format version; this gatekeep reads 1\n")


def test_progress_bar_on_a_terminal_only(sandbox):
    line = json.dumps({"command": "ls", "cwd": str(sandbox.work), "decision": "allow"})
    log = sandbox.write("audit.jsonl", "".join(
        line.replace('"ls"', f'"ls file{i}"') + "\n" for i in range(600)))

    child = sandbox.pty_spawn("replay", str(log), "--policy", "builtin:default")
    child.expect("replaying")  # the bar's label, drawn on the terminal's stderr
    child.expect("600 logged decisions")
    child.expect(pexpect.EOF)
    child.close()
    piped = sandbox.gatekeep("replay", str(log), "--policy", "builtin:default")

    assert child.exitstatus == 0
    assert piped.returncode == 0
    assert piped.stderr == ""
