"""``gatekeep hook AGENT``: answer one pre-tool hook call with the decision ``run`` would make.

The hook decides; the agent runs the command itself, outside gatekeep's boundary.
Every failure (a payload that is not exactly the agent's protocol, a policy that does
not load, an internal error, the time budget running out) is the agent's blocking
reply: exit 2 with the reason on stderr. Nothing here ever exits otherwise or stays
silent on an error, because every agent runs the tool on a crash.
"""

from __future__ import annotations

import io
import os
import sys
import time

from gatekeep.hooks.agents import AGENTS, CLAUDE_ASKING_MODES, Agent, Reply
from gatekeep.hooks.payload import MAX_PAYLOAD, BadPayload, Call, OtherTool, read
from gatekeep.runtime import audit
from gatekeep.runtime.signals import signal
from gatekeep.text import visible

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the hook path imports as little as it can
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from typing import BinaryIO, TextIO

    from gatekeep.core.engine import Decision
    from gatekeep.core.inputs import Request
    from gatekeep.core.paths import Context
    from gatekeep.policy.model import Policy
    from gatekeep.runtime.locations import Locations
    from gatekeep.shell.model import ParsedCommand

BUDGET = 50.0  # seconds for the whole call: below the 60 s hook timeout agents commonly use
_REPEAT = 0.05  # seconds between alarms once the budget is spent
PROMPT_MARGIN = 5.0  # seconds kept for answering the agent after a prompt or queue wait
NEEDS_OPERATOR = ("gatekeep: not run: it needs the operator's approval, which cannot be asked "
                  "for here: ask the operator to run it (in a terminal: gatekeep run -c "
                  "'COMMAND'), or do without it\n")
UNLOGGED = ("gatekeep: cannot write the audit log\ngatekeep: not run (nothing runs without "
            "its audit record; the operator must fix the state directory)\n")
# Any agent's blocking reply, for a hook named after no agent gatekeep knows.
_UNKNOWN = Agent(name="unknown", events=(), shell_tools=(), command_at=(), why_at=(),
                 allow=None, asks=False)


class DeadlineExceeded(Exception):
    """The hook's time budget ran out."""


# The reply when even building the blocking reply failed: understood by every agent.
LAST_RESORT = Reply(
    '{"decision": "block", "reason": "gatekeep: internal error", "hookSpecificOutput": '
    '{"hookEventName": "PreToolUse", "permissionDecision": "deny", '
    '"permissionDecisionReason": "gatekeep: internal error"}}\n',
    "gatekeep: internal error\ngatekeep: not run (gatekeep blocks what it cannot judge)\n", 2)


def main(agent_name: str) -> int:
    """The process entry: stdin, stdout, stderr and the environment of the agent's call."""
    for stream in (sys.stdout, sys.stderr):
        _utf8(stream)
    stdin = getattr(sys.stdin, "buffer", None) or io.BytesIO()  # no stdin: an empty payload
    return hook(agent_name, stdin, sys.stdout, sys.stderr, os.environ, BUDGET)


def _utf8(stream: TextIO) -> None:
    """Agents read UTF-8, whatever the locale says."""
    try:
        stream.reconfigure(encoding="utf-8", errors="backslashreplace")  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return


def hook(agent_name: str, stdin: BinaryIO, stdout: TextIO, stderr: TextIO,
         env: Mapping[str, str], budget: float) -> int:
    """Answer one call; the return value is the exit code (0, or 2 for a block)."""
    agent = AGENTS.get(agent_name, _UNKNOWN)
    try:
        if agent is _UNKNOWN:
            raise BadPayload(f"gatekeep hook does not know the agent {agent_name!r}; it knows "
                             f"{', '.join(AGENTS)}")
        reply = _within(budget, lambda: _answer(agent, stdin, env, budget))
    except BaseException as error:  # everything: a hook that crashes lets the tool run
        try:
            reply = agent.blocked(_failure(error), [])
        except BaseException:
            reply = LAST_RESORT
    try:
        stdout.write(reply.stdout)
        stdout.flush()
        stderr.write(reply.stderr)
        stderr.flush()
    except (OSError, ValueError):
        pass  # the agent stopped listening; the exit code still says it
    return reply.code


def _within(budget: float, action: Callable[[], Reply]) -> Reply:
    """``action()``, interrupted by DeadlineExceeded after ``budget`` seconds.

    The alarm repeats until it is disarmed: an exception raised where Python only reports
    it (a finalizer, a garbage collector callback) is lost, and the next one interrupts.
    Whatever ends ``action`` once the time is up is reported as the deadline it was."""
    armed, fired = [True], [False]
    message = f"gatekeep took longer than its {budget:g} s budget"

    def expired(signum: int, frame: object) -> None:
        if armed[0]:
            fired[0] = True
            raise DeadlineExceeded(message)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, budget, _REPEAT)
    try:
        return action()
    except BaseException as error:
        if fired[0] and not isinstance(error, DeadlineExceeded):
            raise DeadlineExceeded(message) from error
        raise
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _failure(error: BaseException) -> str:
    if isinstance(error, BadPayload):
        what = f"gatekeep: cannot judge this call: {visible(str(error))}"
    elif isinstance(error, DeadlineExceeded):
        what = f"gatekeep: {error}"
    else:
        what = f"gatekeep: internal error: {type(error).__name__}: {visible(str(error))}"
    return f"{what}\ngatekeep: not run (gatekeep blocks what it cannot judge)\n"


def _answer(agent: Agent, stdin: BinaryIO, env: Mapping[str, str], budget: float) -> Reply:
    started = time.monotonic()
    call = read(stdin.read(MAX_PAYLOAD + 1), agent)
    if isinstance(call, OtherTool):
        return agent.neutral()
    reused = _reuse(agent, call, env)
    if reused is not None:
        return reused
    from gatekeep.runtime import resident

    if resident.ask("prepare", ["run", "-c", call.command], call.cwd, env) == 0:
        reused = _reuse(agent, call, env)  # judged by a resident judge, as below, and stored
        if reused is not None:
            return reused
    remaining = budget - (time.monotonic() - started)
    return _judge(agent, call, env, remaining)


def _reuse(agent: Agent, call: Call, env: Mapping[str, str]) -> Reply | None:
    """The allow reply from a stored decision that still holds, logged; else None."""
    from io import StringIO

    from gatekeep.hooks import reuse
    from gatekeep.runtime.allowed import log

    entry = reuse.stored_allow(call.command, call.cwd, env)
    if entry is None:
        return None
    listed = entry.get("rules")
    rules = [str(rule) for rule in listed] if isinstance(listed, list) else []
    record = audit.line(reuse.hook_fields(entry, agent.name, call.why, env),
                        record=audit.new_record(env, call.session))
    if not log(reuse.audit_log(env), record, StringIO(), required=True):
        return agent.blocked(UNLOGGED, rules)
    return agent.allowed(f"gatekeep: allowed: {', '.join(rules)}", rules, _rewritten(agent, call))


def _rewritten(agent: Agent, call: Call) -> dict[str, object] | None:
    """The tool input that runs the allowed command through ``gatekeep run`` (inside the
    boundary), where the agent takes one and this gatekeep can be named by its path."""
    if not agent.rewrites:
        return None
    from gatekeep.hooks import rewrite

    executable = rewrite.own_executable(sys.argv[0])
    if executable is None:
        return None
    return {**(call.tool_input or {}),
            "command": rewrite.through_gatekeep(executable, call.command, call.why)}


def _judge(agent: Agent, call: Call, env: Mapping[str, str], remaining: float) -> Reply:
    from datetime import datetime
    from io import StringIO
    from pathlib import Path

    from gatekeep.approval.store import saved_approvals
    from gatekeep.commands.run import audit_setup, refusal
    from gatekeep.core import guard, inputs
    from gatekeep.errors import PolicyError
    from gatekeep.exitcodes import policy_error
    from gatekeep.runtime.allowed import log
    from gatekeep.runtime.locations import Locations

    locations = Locations.from_env(env)
    cwd = Path(call.cwd)
    request = inputs.Request(call.command, None)
    try:
        policies = inputs.run_policies(locations, cwd, request, env)
        redact = audit_setup(policies, locations)
    except PolicyError as error:
        return agent.blocked(
            policy_error(error) + "gatekeep: not run (the operator must fix the policy)\n", [])
    valid, _ = saved_approvals(locations, time.time(), StringIO())
    ctx = inputs.context(env, cwd, locations, tuple(valid))
    parsed = inputs.parse_request(request)
    now = datetime.fromtimestamp(time.time()).astimezone()
    decision = guard.judge(policies, parsed, ctx, now, str(locations.state_dir))
    fields = audit.with_why(audit.fields(decision, cwd=call.cwd, mode=f"hook:{agent.name}",
                                         redact=redact), call.why, redact)
    rules = sorted({r for s in decision.deciding for r in s.rules})
    audit_log = str(locations.audit_log)
    record = audit.new_record(env, call.session)
    if decision.decision == "allow":
        rewritten = _rewritten(agent, call)
        logged = log(audit_log, audit.line(fields, record=record), StringIO(), required=True)
        if not logged or rewritten is not None:  # not run here, or its own `gatekeep run` counts it
            guard.count(str(locations.state_dir), decision, policies, now, undo=True)
        if not logged:
            return agent.blocked(UNLOGGED, rules)
        _remember(request, decision, env, locations, policies, ctx, redact)
        return agent.allowed(f"gatekeep: allowed: {', '.join(rules)}", rules, rewritten)
    if decision.decision == "deny":
        log(audit_log, audit.line(fields, record=record), StringIO())
        return agent.blocked(refusal(decision), rules)
    if guard.observed(policies):  # observe mode: what would be asked runs, logged so
        if not log(audit_log, audit.line(fields, operator={"answer": "observe", "choice": "once"},
                                         record=record), StringIO(), required=True):
            return agent.blocked(UNLOGGED, rules)
        guard.count(str(locations.state_dir), decision, policies, now)
        return agent.allowed(f"gatekeep: observe mode: enforce mode would ask "
                             f"({', '.join(rules)})", rules)
    via = policies[0].prompt_via or "agent"  # the operator's policy says where to ask
    if via == "agent":
        return _ask_agent(agent, call, decision, fields, rules, audit_log)
    return _operator(agent, call, decision, parsed, policies, env, locations, via, fields,
                     rules, remaining, now)


def _ask_agent(agent: Agent, call: Call, decision: Decision, fields: str, rules: list[str],
               audit_log: str) -> Reply:
    """Leave the question to the agent's own prompt where one reliably asks a person; else
    block, telling the model that the operator must approve."""
    from io import StringIO

    from gatekeep.commands.run import refusal
    from gatekeep.runtime.allowed import log

    asks = agent.asks and (agent.name != "claude-code"
                           or call.permission_mode in CLAUDE_ASKING_MODES)
    log(audit_log, audit.line(fields, operator={
        "answer": "agent", "choice": "ask" if asks else "deny"},
        record=audit.new_record(os.environ, call.session)), StringIO())
    explanation = refusal(decision).removesuffix("gatekeep: not run\n")
    if asks:
        return agent.asked(explanation + "gatekeep: the operator decides\n", rules)
    if agent.name == "json":  # its callers read "ask" and route it themselves
        return agent.asked(explanation + NEEDS_OPERATOR, rules)
    return agent.blocked(explanation + NEEDS_OPERATOR, rules)


def _remember(request: Request, decision: Decision, env: Mapping[str, str],
              locations: Locations, policies: list[Policy], ctx: Context,
              redact: Callable[[str], str]) -> None:
    """Store an allow decision for reuse, as ``run`` does (with ``run``'s audit fields)."""
    from pathlib import Path

    from gatekeep.commands.run import _remember as store
    from gatekeep.commands.run import storable

    resolver = storable(decision, ctx.resolver)
    if resolver is None:
        return
    fields = audit.fields(decision, cwd=ctx.cwd, mode="run", redact=redact)
    store(request, env, Path(ctx.cwd), locations, policies, resolver, fields)


def _operator(agent: Agent, call: Call, decision: Decision, parsed: ParsedCommand,
              policies: list[Policy], env: Mapping[str, str], locations: Locations, via: str,
              fields: str, rules: list[str], remaining: float, now: datetime) -> Reply:
    """Ask on the terminal (``tty``) or through ``gatekeep approvals watch`` (``queue``)."""
    from io import StringIO
    from pathlib import Path

    from gatekeep.approval.terminal import Answer
    from gatekeep.commands.run import _save_approvals, operator_record, refusal
    from gatekeep.runtime.allowed import log

    asked = time.monotonic()
    timeout = min(min(p.prompt_timeout for p in policies), remaining - PROMPT_MARGIN)
    if timeout < 1:
        answer = Answer("deny", "timeout")
    elif via == "queue":
        from gatekeep.approval.pending import wait_for_answer

        answer = wait_for_answer(decision, parsed, policies, call.cwd, env, locations, timeout,
                                 call.why)
    else:
        from gatekeep.approval.ask import ask_operator

        capped = [p._replace(prompt_timeout=timeout) for p in policies]
        answer = ask_operator(decision, parsed, capped, call.cwd, env, locations, why=call.why)
    record = operator_record(answer, time.monotonic() - asked)
    logged = log(str(locations.audit_log), audit.line(
        fields, operator=record, record=audit.new_record(env, call.session)), StringIO(),
        required=answer.runs)
    if not answer.runs:
        return agent.blocked(refusal(decision, answer), rules)
    if not logged:
        return agent.blocked(UNLOGGED, rules)
    if answer.choice == "always":
        _save_approvals(decision, Path(call.cwd), locations, StringIO())
    from gatekeep.core.guard import count

    count(str(locations.state_dir), decision, policies, now)  # the agent runs it now
    return agent.allowed("gatekeep: approved by the operator", rules)
