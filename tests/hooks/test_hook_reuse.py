"""A hook call reuses a stored allow decision while every file it depended on still holds."""

from __future__ import annotations

import json
import subprocess
import sys

ALLOW_LS = "gatekeep: 1\nrules:\n  - id: listing\n    allow: [ls]\n"
DENY_LS = "gatekeep: 1\nrules:\n  - id: listing\n    deny: [ls]\n    reason: not today\n"


def payload(scratch, why="look"):
    return json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "permission_mode": "default", "cwd": str(scratch.work),
                       "tool_input": {"command": "ls -la", "description": why}}).encode()


def hook_in_process(scratch, body):
    """The hook's main in a fresh interpreter: its reply, exit code and the parser's absence."""
    script = ("import sys, json\nfrom gatekeep.__main__ import main\n"
              "sys.argv = ['gatekeep', 'hook', 'claude-code']\ncode = main()\n"
              "print(json.dumps([code, 'tree_sitter' in sys.modules]), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", script], input=body, capture_output=True,
                            env=scratch.env, cwd=scratch.work, timeout=60, check=False)
    code, parsed = json.loads(result.stderr.decode().splitlines()[-1])
    return json.loads(result.stdout), code, parsed


def test_a_second_call_reuses_the_decision_without_parsing(scratch):
    scratch.operator_policy(ALLOW_LS)
    first, code, parsed = hook_in_process(scratch, payload(scratch, "first"))
    assert (code, parsed) == (0, True)
    second, code, parsed = hook_in_process(scratch, payload(scratch, "second"))
    assert (second, code, parsed) == (first, 0, False)
    assert second["hookSpecificOutput"]["permissionDecisionReason"] == "gatekeep: allowed: listing"
    logged = scratch.audit()
    assert [(e["mode"], e["decision"], e["why"], e["rules"]) for e in logged] == [
        ("hook:claude-code", "allow", "first", ["listing"]),
        ("hook:claude-code", "allow", "second", ["listing"])]
    changing = ("why", "time", "id", "prev")  # a record's own: its id, where it sits in the chain
    assert {k: v for k, v in logged[0].items() if k not in changing} == \
        {k: v for k, v in logged[1].items() if k not in changing}


def test_a_changed_policy_decides_afresh(scratch):
    scratch.operator_policy(ALLOW_LS)
    assert scratch.hook("codex", payload(scratch)).returncode == 0
    scratch.operator_policy(DENY_LS)
    result = scratch.hook("codex", payload(scratch))
    assert result.returncode == 2
    assert result.stderr.decode().startswith("gatekeep: denied: listing: ls: reads files (reads)\n")


def test_run_reuses_what_a_hook_stored_and_logs_as_run(scratch):
    scratch.operator_policy(ALLOW_LS)
    assert scratch.hook("gemini-cli", json.dumps({
        "hook_event_name": "BeforeTool", "tool_name": "run_shell_command",
        "cwd": str(scratch.work), "tool_input": {"command": "ls -la"}}).encode()).returncode == 0
    result = scratch.run("gatekeep", "run", "-c", "ls -la")
    assert result.returncode == 0, result
    assert [e["mode"] for e in scratch.audit()] == ["hook:gemini-cli", "run"]
