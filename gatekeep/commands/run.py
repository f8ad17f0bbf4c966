"""``gatekeep run``: judge a command, then run it only if every part is allowed."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from gatekeep import audit, decisions
from gatekeep.commands.run_allowed import judged_program, log, pinned, run_allowed
from gatekeep.engine import Decision
from gatekeep.errors import PolicyError
from gatekeep.exitcodes import ExitStatus
from gatekeep.locations import Locations
from gatekeep.paths import SystemResolver
from gatekeep.policy.model import Policy
from gatekeep.prompt import Answer, Terminal
from gatekeep.session import Request, context, judge, parse_request, run_policies, saved_approvals
from gatekeep.sysfs import policy_sources
from gatekeep.text import visible


def run(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations,
        stderr: TextIO, terminal: Terminal | None = None) -> int:
    """Judge ``request``; run it when allowed or approved; return gatekeep's exit status."""
    try:
        policies = run_policies(locations, cwd, request, env)
    except PolicyError as error:
        stderr.write(f"gatekeep: policy error: {visible(str(error))}\n"
                     "gatekeep: nothing was run\n")
        return ExitStatus.POLICY_ERROR
    valid, expired = saved_approvals(locations, time.time(), stderr)
    ctx = context(env, cwd, locations, tuple(valid))
    parsed = parse_request(request)
    decision = judge(policies, parsed, ctx)
    argv = list(request.argv) if request.argv is not None else None
    program = judged_program(request.argv, ctx.resolver.which)
    command = request.command
    if command is not None and isinstance(ctx.resolver, SystemResolver):
        command = pinned(command, ctx.resolver.answers)
    fields = audit.fields(decision, cwd=str(cwd), mode="run", argv=argv)
    audit_log = str(locations.audit_log)
    if decision.decision == "deny":
        stderr.write(refusal(decision))
        log(audit_log, audit.line(fields), stderr)
        return ExitStatus.REFUSED
    if decision.decision == "ask":
        from gatekeep import operator  # the prompt's modules load only when one is needed

        operator.warn_expired(decision, expired, str(cwd), stderr)
        answer = operator.ask_operator(decision, parsed, policies, str(cwd), env, locations,
                                       terminal)
        record = {"answer": answer.how, "choice": answer.choice}
        if answer.message:
            record["message"] = answer.message
        if not answer.runs:
            stderr.write(refusal(decision, answer))
            log(audit_log, audit.line(fields, operator=record), stderr)
            return ExitStatus.REFUSED
        if answer.choice == "always":
            _save_approvals(decision, cwd, locations, stderr)
        return run_allowed(command, request.argv, program, env, audit_log, fields, stderr, record)
    approved = any(r.startswith("approval:") for s in decision.segments for r in s.rules)
    if not approved and isinstance(ctx.resolver, SystemResolver) and not ctx.resolver.expanded:
        _remember(request, env, cwd, locations, policies, ctx.resolver, fields)
    return run_allowed(command, request.argv, program, env, audit_log, fields, stderr)


def _save_approvals(decision: Decision, cwd: Path, locations: Locations,
                    stderr: TextIO) -> None:
    from gatekeep import approvals, operator

    offer = operator.approval_offer(decision, str(cwd))
    if isinstance(offer, str):
        return
    try:
        for approval in offer:
            approvals.add(str(locations.config_dir), approval)
    except (OSError, ValueError, KeyError) as error:
        stderr.write(f"gatekeep: warning: could not save the approval: {error}\n")


def _remember(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations,
              policies: list[Policy], resolver: SystemResolver, fields: str) -> None:
    """Store an allow decision, only when every policy's compiled-from content is known."""
    from gatekeep.policy.select import vouched

    found = [vouched(policy) for policy in policies]
    if not found or any(v is None for v in found):
        return
    sources = policy_sources(str(locations.config_dir), str(cwd), request.policy,
                             env.get("GATEKEEP_POLICY"))
    key = decisions.key(
        command=request.command, argv=request.argv, cwd=str(cwd), home=env.get("HOME", "/"),
        path=resolver.path, tmpdir=env.get("TMPDIR", ""),
        dirs=(str(locations.config_dir), str(locations.state_dir)), sources=sources)
    inputs = tuple(dict.fromkeys(pair for v in found if v is not None for pair in v.inputs))
    codes = {v.code for v in found if v is not None}
    if len(codes) == 1:
        decisions.store(str(locations.state_dir), key, inputs, codes.pop(), resolver.answers,
                        fields)


def refusal(decision: Decision, answer: Answer | None = None) -> str:
    """The lines an agent reads on stderr when gatekeep refuses a command."""
    lines = []
    for segment in decision.deciding:
        rules = ", ".join(segment.rules)
        reason = visible(segment.reason or "no reason given")
        part = visible(segment.text)
        if decision.decision == "deny":
            lines.append(f"gatekeep: denied: {rules}: {reason}")
        else:
            lines.append(f"gatekeep: needs approval: {rules}: {reason}")
        lines.append(f"gatekeep:   in: {part}")
        if segment.suggest:
            lines.append(f"gatekeep:   instead: {visible(segment.suggest)}")
    if answer is not None:
        why = _NOT_APPROVED.get(answer.how, "the operator denied it")
        lines.append(f"gatekeep: not run: {why}")
        if answer.message:
            lines.append(f"gatekeep: the operator says: {visible(answer.message)}")
    else:
        lines.append("gatekeep: not run")
    return "\n".join(lines) + "\n"


_NOT_APPROVED = {
    "n": "the operator denied it",
    "enter": "the operator denied it",
    "timeout": "the operator did not answer in time",
    "eof": "the operator's terminal closed",
    "interrupt": "the operator interrupted the prompt",
    "unreadable": "the operator's answer could not be read",
    "no-tty": "it needs the operator's approval and there is no terminal to ask on",
}


def main(request: Request) -> int:
    """Entry point after the fast path missed: build I/O from the process and run."""
    try:
        return run(request, os.environ, Path.cwd(), Locations.from_env(os.environ), sys.stderr)
    except KeyboardInterrupt:
        sys.stderr.write("gatekeep: interrupted; nothing was run\n")
        return ExitStatus.INTERRUPTED
    except Exception as error:
        sys.stderr.write(f"gatekeep: internal error: {type(error).__name__}: "
                         f"{visible(str(error))}\ngatekeep: nothing was run\n")
        return ExitStatus.INTERNAL_ERROR
