"""``gatekeep hook AGENT``: each agent's reply to an allowed, a denied and an asked command,
and the same blocking reply for every payload gatekeep cannot judge."""

from __future__ import annotations

import json

import pytest

AGENTS = ["claude-code", "codex", "gemini-cli", "cursor", "json"]
POLICY = """gatekeep: 1
rules:
  - id: listing
    allow: [ls]
    reason: lists files
  - id: no-touch
    deny: [touch]
    reason: no new files here
    suggest: write to a temp dir
  - id: removing
    ask: [rm]
    reason: deletes files
"""


def payload(agent, command, cwd, **extra):
    """A pre-tool payload as each agent sends it (the fields measured from the real CLIs)."""
    if agent == "json":
        body = {"command": command, "cwd": cwd}
    elif agent == "cursor":
        body = {"conversation_id": "c1", "generation_id": "g1", "hook_event_name":
                "beforeShellExecution", "command": command, "cwd": cwd, "workspace_roots": [cwd]}
    else:
        tool = "run_shell_command" if agent == "gemini-cli" else "Bash"
        event = "BeforeTool" if agent == "gemini-cli" else "PreToolUse"
        body = {"session_id": "s1", "transcript_path": "/nonexistent/t.jsonl", "cwd": cwd,
                "hook_event_name": event, "tool_name": tool,
                "tool_input": {"command": command, "description": "look around"}}
        if agent == "claude-code":
            body.update(permission_mode="default", tool_use_id="toolu_1", prompt_id="p1")
        if agent == "codex":
            body.update(permission_mode="default", turn_id="t1", model="m")
    body.update(extra)
    return body


def blocked(agent, result):
    """The reason of a blocking reply, after checking that it is exactly the agent's one."""
    assert result.returncode == 2, result
    reply = json.loads(result.stdout)
    reason = result.stderr.decode()
    assert reason.endswith("\n") and reason.strip()
    if agent == "json":
        assert reply["decision"] in ("deny", "ask") and reply["reason"] == reason
        return reason
    assert reply["decision"] == "block" and reply["reason"] == reason
    assert reply["hookSpecificOutput"] == {"hookEventName": "PreToolUse",
                                           "permissionDecision": "deny",
                                           "permissionDecisionReason": reason}
    if agent == "cursor":
        assert (reply["permission"], reply["user_message"], reply["agent_message"]) == \
            ("deny", reason, reason)
    return reason


@pytest.mark.parametrize("agent", AGENTS)
def test_allowed(scratch, agent):
    scratch.operator_policy(POLICY)
    result = scratch.hook(agent, payload(agent, "ls -la", str(scratch.work)))
    assert result.returncode == 0, result
    assert result.stderr == b""
    expected = {
        "claude-code": {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                               "permissionDecision": "allow",
                                               "permissionDecisionReason":
                                                   "gatekeep: allowed: listing"}},
        "codex": None,  # Codex has no allow: silence lets the tool run
        "gemini-cli": {"decision": "allow"},
        "cursor": {"permission": "allow"},
        "json": {"decision": "allow", "reason": "gatekeep: allowed: listing",
                 "rules": ["listing"]},
    }[agent]
    reply = json.loads(result.stdout) if result.stdout else None
    if agent in ("claude-code", "gemini-cli"):  # the command runs through gatekeep run
        specific = reply.pop("hookSpecificOutput")
        given = specific.pop("updatedInput" if agent == "claude-code" else "tool_input")
        assert " run --why 'look around' -c 'ls -la' 8<&-;" in given.pop("command")
        if agent == "claude-code":
            assert given == {"description": "look around"}  # the rest of the input, kept
            reply["hookSpecificOutput"] = specific
        else:
            assert (given, specific) == ({}, {"hookEventName": "BeforeTool"})
    assert reply == expected


@pytest.mark.parametrize("agent", AGENTS)
def test_denied_tells_the_model_rule_reason_and_alternative(scratch, agent):
    scratch.operator_policy(POLICY)
    result = scratch.hook(agent, payload(agent, "ls && touch x", str(scratch.work)))
    assert blocked(agent, result) == ("gatekeep: denied: no-touch: touch: writes or deletes "
                                      "files in the working tree (writes-tree)\n"
                                      "gatekeep:   in: touch x\n"
                                      "gatekeep:   instead: write to a temp dir\n"
                                      "gatekeep: not run\n")
    if agent == "json":
        assert json.loads(result.stdout)["rules"] == ["no-touch"]


ASKED = ("gatekeep: needs approval: removing: rm: deletes files other than build output (deletes); "
         "writes or deletes files in the working tree "
         "(writes-tree)\ngatekeep:   in: rm x\n")


@pytest.mark.parametrize("agent", ["codex", "gemini-cli", "cursor", "json"])
def test_asked_blocks_where_the_agent_cannot_ask(scratch, agent):
    scratch.operator_policy(POLICY)
    result = scratch.hook(agent, payload(agent, "rm x", str(scratch.work)))
    assert blocked(agent, result) == ASKED + (
        "gatekeep: not run: it needs the operator's approval, which cannot be asked for here: "
        "ask the operator to run it (in a terminal: gatekeep run -c 'COMMAND'), or do without "
        "it\n")


def test_asked_goes_to_claude_codes_own_prompt(scratch):
    scratch.operator_policy(POLICY)
    result = scratch.hook("claude-code", payload("claude-code", "rm x", str(scratch.work)))
    assert result.returncode == 0, result
    assert json.loads(result.stdout) == {"hookSpecificOutput": {
        "hookEventName": "PreToolUse", "permissionDecision": "ask",
        "permissionDecisionReason": ASKED + "gatekeep: the operator decides\n"}}


@pytest.mark.parametrize("mode", ["bypassPermissions", "dontAsk", "someNewMode", None])
def test_claude_code_ask_blocks_when_its_mode_would_not_ask(scratch, mode):
    scratch.operator_policy(POLICY)
    body = payload("claude-code", "rm x", str(scratch.work))
    body.pop("permission_mode")
    if mode is not None:
        body["permission_mode"] = mode
    assert "cannot be asked for here" in blocked("claude-code", scratch.hook("claude-code", body))


@pytest.mark.parametrize(("agent", "tool"), [("claude-code", "Read"), ("codex", "apply_patch"),
                                             ("gemini-cli", "read_file")])
def test_a_tool_that_is_not_a_shell_gets_no_opinion(scratch, agent, tool):
    body = payload(agent, "ignored", str(scratch.work), tool_name=tool)
    result = scratch.hook(agent, body)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_the_audit_record_names_the_hook_and_the_stated_purpose(scratch):
    scratch.operator_policy(POLICY)
    scratch.hook("claude-code", payload("claude-code", "ls", str(scratch.work)))
    scratch.hook("gemini-cli", payload("gemini-cli", "touch y", str(scratch.work)))
    first, second = scratch.audit()
    assert (first["mode"], first["decision"], first["why"], first["command"]) == \
        ("hook:claude-code", "allow", "look around", "ls")
    assert (second["mode"], second["decision"], second["rules"]) == \
        ("hook:gemini-cli", "deny", ["no-touch"])
    assert "exit_code" not in first  # the agent runs it, not gatekeep


def test_a_policy_that_does_not_load_blocks(scratch):
    path = scratch.operator_policy("gatekeep: 1\nrules:\n  - id: a\n    allow: [ls\n")
    result = scratch.hook("codex", payload("codex", "ls", str(scratch.work)))
    reason = blocked("codex", result)
    assert reason.startswith(f"gatekeep: policy error: {path}:5:1: invalid YAML")
    assert reason.endswith("gatekeep: not run (the operator must fix the policy)\n")


def test_an_unknown_agent_gets_the_reply_every_agent_honours(scratch):
    result = scratch.hook("aider", payload("claude-code", "ls", str(scratch.work)))
    assert blocked("claude-code", result) == (
        "gatekeep: cannot judge this call: gatekeep hook does not know the agent 'aider'; it "
        "knows claude-code, codex, gemini-cli, cursor, json\n"
        "gatekeep: not run (gatekeep blocks what it cannot judge)\n")


def test_a_directory_field_is_where_the_command_is_judged(scratch):
    """Gemini CLI runs ``command`` in ``dir_path``: a write there is judged there."""
    (scratch.work / ".gemini").mkdir()
    call = payload("gemini-cli", "printf x > settings.json", str(scratch.work))
    call["tool_input"]["dir_path"] = ".gemini"
    reason = blocked("gemini-cli", scratch.hook("gemini-cli", call))
    assert "protect.write" in reason and ".gemini/settings.json" in reason
    assert not (scratch.work / ".gemini" / "settings.json").exists()


@pytest.mark.parametrize("directory", ["missing", "../../../nonexistent"])
def test_a_directory_field_that_is_no_directory_blocks(scratch, directory):
    call = payload("gemini-cli", "ls", str(scratch.work))
    call["tool_input"]["dir_path"] = directory
    assert "is not one" in blocked("gemini-cli", scratch.hook("gemini-cli", call))
