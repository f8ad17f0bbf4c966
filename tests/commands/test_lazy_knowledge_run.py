"""A compiled policy's program entry decoded late (gatekeep.policy.plain) that turns out
malformed refuses the command it was looked up for, and the next run compiles afresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gatekeep import __version__
from gatekeep.policy import select
from gatekeep.policy.refs import resolve_reference
from gatekeep.runtime import sealed

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
CONTEXT = (f"{select.FORMAT}\0{__version__}\0builtin:default\0"
           f"{resolve_reference('builtin:default')}\0")


def spoil_touch(sandbox: Sandbox) -> None:
    """Give the cached built-in policy's ``touch`` entry a field of the wrong type, sealed
    with the real key (as if gatekeep had written it so)."""
    state = sandbox.state_home / "gatekeep"
    [entry] = (state / "cache").glob("p-*")
    secret = (state / "cache.key").read_bytes()
    body = sealed.unseal(secret, CONTEXT, entry.read_bytes())
    assert body is not None
    data = json.loads(body)
    data["policy"]["knowledge"]["programs"]["touch"]["keeps_content"] = "yes"
    entry.write_bytes(sealed.seal(secret, CONTEXT, json.dumps(data).encode()))


def test_run_refuses_then_compiles_afresh(sandbox: Sandbox) -> None:
    spoil_touch(sandbox)
    refused = sandbox.gatekeep("run", "--", "touch", "marker")
    assert refused.returncode == 70, refused.stderr
    assert "'touch' is malformed" in refused.stderr
    assert refused.stderr.endswith("gatekeep: nothing was run\n")
    assert not sandbox.marker.exists()

    ran = sandbox.gatekeep("run", "--", "touch", "marker")
    assert ran.returncode == 0, ran.stderr
    assert sandbox.marker.exists()


def test_a_shell_string_is_refused_too(sandbox: Sandbox) -> None:
    spoil_touch(sandbox)
    refused = sandbox.gatekeep("run", "-c", "true && touch marker")
    assert refused.returncode == 70, refused.stderr
    assert not sandbox.marker.exists()


def test_check_says_no_decision(sandbox: Sandbox) -> None:
    spoil_touch(sandbox)
    checked = sandbox.gatekeep("check", "--json", "--", "touch", "marker")
    assert checked.returncode == 70, checked.stderr
    assert checked.stdout == ""
    assert "'touch' is malformed" in checked.stderr
    again = sandbox.gatekeep("check", "--json", "--", "touch", "marker")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["decision"] == "allow"


def test_the_hook_blocks(sandbox: Sandbox, tmp_path: Path) -> None:
    spoil_touch(sandbox)
    payload = {"session_id": "s1", "transcript_path": str(tmp_path / "t.jsonl"),
               "cwd": str(sandbox.work), "hook_event_name": "PreToolUse", "tool_name": "Bash",
               "permission_mode": "default", "tool_use_id": "t1",
               "tool_input": {"command": "touch marker", "description": "make it"}}
    blocked = sandbox.gatekeep("hook", "claude-code", input=json.dumps(payload))
    assert blocked.returncode == 2, blocked.stderr
    reply = json.loads(blocked.stdout)
    assert reply["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "'touch' is malformed" in blocked.stderr
    again = sandbox.gatekeep("hook", "claude-code", input=json.dumps(payload))
    assert again.returncode == 0, again.stderr  # compiled afresh: the policy allows it
