"""What each agent sends a pre-tool hook and which replies it honours, as data.

Every agent tested fails *open* on a reply it does not understand, on a crash and on
any exit code but 0 and 2. So a refusal is always the one reply all of them honoured:
``{"decision": "block", ...}`` together with a ``deny`` ``hookSpecificOutput``, the
reason on stderr, and exit 2. An allow is each agent's own allow; where an agent has
no allow (Codex), it is silence and exit 0.
"""

from __future__ import annotations

import json

# not typing.NamedTuple: importing typing costs the hook, which runs before every tool call
from gatekeep.sandbox.records import NamedTuple

BLOCKED = 2  # the exit code every agent treats as "do not run the tool"


class Reply(NamedTuple):
    stdout: str
    stderr: str
    code: int


class Agent(NamedTuple):
    """One agent's hook protocol."""

    name: str
    events: tuple[str, ...]  # accepted hook_event_name values; () = the field is not read
    shell_tools: tuple[str, ...]  # tool_name values carrying a shell command; () = no tool_name
    command_at: tuple[str, ...]  # where the command is in the payload
    why_at: tuple[str, ...]  # where the agent's stated purpose is; () = not sent
    allow: dict[str, object] | None  # the allow object; None = print nothing
    asks: bool  # whether an "ask" reliably reaches a human (else an ask blocks)
    # whether an allow can replace the command the agent runs (gatekeep.hooks.rewrite)
    rewrites: bool = False

    def allowed(self, reason: str, rules: list[str],
                rewritten: dict[str, object] | None = None) -> Reply:
        """The allow reply; with ``rewritten``, the tool input the agent runs instead."""
        if self.allow is None:
            return Reply("", "", 0)
        reply = _fill(self.allow, reason, rules)
        if rewritten is not None and self.rewrites:
            reply = _with_input(self.name, reply, rewritten)
        return Reply(_dump(reply), "", 0)

    def asked(self, reason: str, rules: list[str]) -> Reply:
        if self.name == "claude-code":
            return Reply(_dump(_claude("ask", reason)), "", 0)
        if self.name == "json":
            return Reply(_dump({"decision": "ask", "reason": reason, "rules": rules}),
                         reason.rstrip("\n") + "\n", BLOCKED)
        return self.blocked(reason, rules)

    def blocked(self, reason: str, rules: list[str]) -> Reply:
        return Reply(_dump(block_object(self, reason, rules)), reason.rstrip("\n") + "\n",
                     BLOCKED)

    def neutral(self) -> Reply:
        """No opinion: the agent's own permission rules decide."""
        return Reply("", "", 0)


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) + "\n"


def _fill(template: dict[str, object], reason: str, rules: list[str]) -> dict[str, object]:
    values = {"@REASON@": reason, "@RULES@": rules}
    return {key: values.get(value, value) if isinstance(value, str) else
            _fill(value, reason, rules) if isinstance(value, dict) else value
            for key, value in template.items()}


def _with_input(name: str, reply: dict[str, object], given: dict[str, object]
                ) -> dict[str, object]:
    if name == "claude-code":  # updatedInput stands for the whole tool input
        specific = dict(reply["hookSpecificOutput"])  # type: ignore[call-overload]
        return {**reply, "hookSpecificOutput": {**specific, "updatedInput": given}}
    # Gemini CLI merges these fields over the tool input it had
    return {**reply, "hookSpecificOutput": {"hookEventName": "BeforeTool",
                                            "tool_input": {"command": given["command"]}}}


def _claude(decision: str, reason: str) -> dict[str, object]:
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                   "permissionDecision": decision,
                                   "permissionDecisionReason": reason}}


def block_object(agent: Agent, reason: str, rules: list[str]) -> dict[str, object]:
    if agent.name == "json":
        return {"decision": "deny", "reason": reason, "rules": rules}
    base: dict[str, object] = {"decision": "block", "reason": reason, **_claude("deny", reason)}
    if agent.name == "cursor":
        base.update(permission="deny", user_message=reason, agent_message=reason)
    return base


AGENTS = {
    "claude-code": Agent(
        name="claude-code", events=("PreToolUse",), shell_tools=("Bash",),
        command_at=("tool_input", "command"), why_at=("tool_input", "description"),
        allow=_claude("allow", "@REASON@"), asks=True, rewrites=True),
    # Codex honours neither allow nor ask: an allow is silence, an ask blocks.
    "codex": Agent(
        name="codex", events=("PreToolUse",), shell_tools=("Bash",),
        command_at=("tool_input", "command"), why_at=("tool_input", "description"),
        allow=None, asks=False),
    # Gemini CLI hangs on "ask" when headless: an ask blocks.
    "gemini-cli": Agent(
        name="gemini-cli", events=("BeforeTool",), shell_tools=("run_shell_command",),
        command_at=("tool_input", "command"), why_at=("tool_input", "description"),
        allow={"decision": "allow"}, asks=False, rewrites=True),
    # Cursor runs the command without a prompt on "ask" in some of its run modes: an ask
    # blocks.
    "cursor": Agent(
        name="cursor", events=("beforeShellExecution",), shell_tools=(),
        command_at=("command",), why_at=(), allow={"permission": "allow"}, asks=False),
    # gatekeep's own format: {"command": "...", "cwd": "/abs/dir", "why": "..."} in;
    # {"decision": "allow|ask|deny", "reason": "...", "rules": [...]} out, exit 0 only
    # for allow.
    "json": Agent(
        name="json", events=(), shell_tools=(), command_at=("command",), why_at=("why",),
        allow={"decision": "allow", "reason": "@REASON@", "rules": "@RULES@"}, asks=False),
}

# Claude Code's permission modes in which an "ask" is put to its user. In any other mode
# (bypassPermissions, dontAsk, one added later) an ask blocks.
CLAUDE_ASKING_MODES = frozenset({"default", "acceptEdits", "plan"})
