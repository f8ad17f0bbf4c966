"""``gatekeep run``: judge a command, then run it only if every part is allowed."""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from gatekeep.approval.store import saved_approvals
from gatekeep.approval.terminal import Answer, Terminal
from gatekeep.core import guard
from gatekeep.core.approvals import Approval
from gatekeep.core.engine import Decision, Verdict
from gatekeep.core.guard import judge
from gatekeep.core.inputs import Request, context, parse_request, run_policies
from gatekeep.core.paths import Context, Resolver, SystemResolver
from gatekeep.errors import PolicyError
from gatekeep.exitcodes import ExitStatus, policy_error
from gatekeep.policy.model import Policy
from gatekeep.runtime import audit, decision_cache, sysfs
from gatekeep.runtime.allowed import judged_program, log, pinned, run_allowed
from gatekeep.runtime.locations import Locations
from gatekeep.runtime.sysfs import policy_sources
from gatekeep.sandbox import plan as sandbox_plan
from gatekeep.sandbox.plan import Plan, with_spec
from gatekeep.sandbox.policy import lifted, spec_for
from gatekeep.sandbox.records import NamedTuple
from gatekeep.sandbox.spec import Spec
from gatekeep.shell.model import ParsedCommand
from gatekeep.text import visible

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from typing import TextIO


def run(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations,
        stderr: TextIO, terminal: Terminal | None = None, why: str | None = None,
        clock: Callable[[], float] = time.time) -> int:
    """Judge ``request``; run it when allowed or approved; return gatekeep's exit status.

    ``why`` is the purpose the agent stated: shown to the operator and logged. ``clock``
    gives the moment guardrails are judged at (and runs are counted at).
    """
    try:
        policies = run_policies(locations, cwd, request, env)
        redact = audit_setup(policies, locations)
    except PolicyError as error:
        stderr.write(policy_error(error) + "gatekeep: nothing was run\n")
        return ExitStatus.POLICY_ERROR
    valid, expired = saved_approvals(locations, time.time(), stderr)
    ctx, parsed, now, decision = _judged(request, env, cwd, locations, policies, valid, clock)
    argv = list(request.argv) if request.argv is not None else None
    program = judged_program(request.argv, ctx.resolver.which)
    command = request.command
    if command is not None and isinstance(ctx.resolver, SystemResolver):
        command = pinned(command, ctx.resolver.answers)
    plain = audit.fields(decision, cwd=str(cwd), mode="run", argv=argv, redact=redact)
    fields = audit.with_why(plain, why, redact)
    audit_log = str(locations.audit_log)
    if decision.decision == "deny":
        stderr.write(refusal(decision))
        log(audit_log, audit.line(fields, record=audit.new_record(env)), stderr)
        return ExitStatus.REFUSED
    job = _Job(request, parsed, policies, env, cwd, locations, stderr, terminal, program,
               command, why, now)
    if decision.decision == "ask" and guard.observed(policies):
        return job.observed_run(decision, fields)
    if decision.decision == "ask":
        from gatekeep.approval import ask  # the prompt's modules load only when one is needed

        ask.warn_expired(decision, expired, str(cwd), stderr)
        return job.approved_run(decision, fields)
    spec = spec_for(policies, decision)
    plan = job.plan(spec)
    if plan.ask is not None:  # with a box (one that cannot hide everything): run in it
        return job.approved_run(boundary_ask(decision, plan.ask, boxed=plan.box is not None),
                                fields, unboxed=plan.box is None, counted=True)
    fields = with_spec(fields, spec)
    resolver = storable(decision, ctx.resolver)
    if resolver is not None:
        _remember(request, env, cwd, locations, policies, resolver, with_spec(plain, spec))
    status = run_allowed(command, request.argv, program, env, audit_log, fields, stderr,
                         plan=plan)
    if status is None:
        reason = "gatekeep's boundary failed to start (see bwrap's message above)"
        return job.approved_run(boundary_ask(decision, reason), fields, unboxed=True,
                                counted=True)
    return status


def _judged(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations,
            policies: list[Policy], approvals: list[Approval], clock: Callable[[], float],
            reserve: bool = True) -> tuple[Context, ParsedCommand, datetime, Decision]:
    ctx = context(env, cwd, locations, tuple(approvals))
    parsed = parse_request(request)
    now = datetime.fromtimestamp(clock()).astimezone()
    return ctx, parsed, now, judge(policies, parsed, ctx, now, str(locations.state_dir),
                                   reserve=reserve)


def prepare(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations) -> bool:
    """Judge as ``run`` would and store the allow decision it would store, running nothing
    and writing nothing to the terminal (``gatekeep resident``); True when one was stored.
    Whatever ``run`` would say or ask first (a warning, a question, a refusal) is left to it:
    False, and the caller's own ``run`` does all of it."""
    try:
        policies = run_policies(locations, cwd, request, env)
        redact = audit_setup(policies, locations)
    except PolicyError:
        return False
    said = io.StringIO()
    valid, _ = saved_approvals(locations, time.time(), said)
    if said.getvalue():
        return False
    ctx, _, _, decision = _judged(request, env, cwd, locations, policies, valid, time.time,
                                  reserve=False)
    resolver = storable(decision, ctx.resolver)
    if decision.decision != "allow" or resolver is None:
        return False
    spec = spec_for(policies, decision)
    own = (str(locations.config_dir), str(locations.state_dir))
    if sandbox_plan.plan(spec, sandbox_plan.where(env, str(cwd), own, spec),
                         create=True).ask is not None:
        return False
    argv = list(request.argv) if request.argv is not None else None
    fields = audit.fields(decision, cwd=str(cwd), mode="run", argv=argv, redact=redact)
    return _remember(request, env, cwd, locations, policies, resolver, with_spec(fields, spec))


def storable(decision: Decision, resolver: Resolver) -> SystemResolver | None:
    """The resolver a stored decision is re-checked with, when the decision may be stored at
    all: not one an approval allowed, not one judged with words that were expanded."""
    approved = any(r.startswith("approval:") for s in decision.segments for r in s.rules)
    if approved or not isinstance(resolver, SystemResolver) or resolver.expanded:
        return None
    return resolver


class _Job(NamedTuple):
    """One request's run: what asking the operator and running after an approval need."""

    request: Request
    parsed: ParsedCommand
    policies: list[Policy]
    env: Mapping[str, str]
    cwd: Path
    locations: Locations
    stderr: TextIO
    terminal: Terminal | None
    program: str | None
    command: str | None  # the shell string as it runs: program names pinned
    why: str | None
    now: datetime | None = None  # the moment guardrails were judged at

    def count_run(self, decision: Decision, undo: bool = False) -> None:
        """Count a run that starts without the allow that counted it (rate guardrails), or
        take back the count of an allowed run that did not start after all (``undo``)."""
        if self.now is None:
            return
        error = guard.count(str(self.locations.state_dir), decision, self.policies, self.now,
                            undo)
        if error is not None:
            self.stderr.write(f"gatekeep: warning: the run counter was not updated: {error}\n")

    def observed_run(self, decision: Decision, fields: str) -> int:
        """Observe mode: what enforce mode would ask runs unasked, said and logged so."""
        rules = ", ".join(sorted({r for s in decision.deciding for r in s.rules}))
        self.stderr.write(f"gatekeep: observe mode: enforce mode would ask ({rules}); "
                          "running it\n")
        self.count_run(decision)
        record = {"answer": "observe", "choice": "once"}
        status = run_allowed(self.command, self.request.argv, self.program, self.env,
                             str(self.locations.audit_log), fields, self.stderr, record,
                             self.lifted_plan(decision))
        if status is None:
            self.count_run(decision, undo=True)
            self.stderr.write("gatekeep: not run: gatekeep's boundary failed to start\n")
            return ExitStatus.REFUSED
        return status

    def lifted_plan(self, decision: Decision) -> Plan:
        """The boundary of an approved run: the box with what the operator lifted."""
        spec = spec_for(self.policies, decision)
        plan = self.plan(lifted(spec, decision, self.parsed, self.policies))
        if plan.ask is not None and plan.box is None:  # the approval stands in for the box
            plan = sandbox_plan.Plan(None, None, spec.limits, warning=(
                f"gatekeep: warning: running without a boundary: {plan.ask}\n"))
        return plan

    def plan(self, spec: Spec) -> Plan:
        own = (str(self.locations.config_dir), str(self.locations.state_dir))
        return sandbox_plan.plan(spec, sandbox_plan.where(self.env, str(self.cwd), own, spec),
                                 create=True)

    def approved_run(self, decision: Decision, fields: str, unboxed: bool = False,
                     counted: bool = False) -> int:
        """Ask the operator; run what they approve in the boundary they lifted, or, when the
        question was the boundary itself (``unboxed``), without one."""
        from gatekeep.approval import ask

        asked = time.monotonic()
        answer = ask.ask_operator(decision, self.parsed, self.policies, str(self.cwd),
                                       self.env, self.locations, self.terminal, self.why)
        record = operator_record(answer, time.monotonic() - asked)
        audit_log = str(self.locations.audit_log)
        if not answer.runs:
            if counted:
                self.count_run(decision, undo=True)
            self.stderr.write(refusal(decision, answer))
            log(audit_log, audit.line(fields, operator=record,
                                      record=audit.new_record(self.env)), self.stderr)
            return ExitStatus.REFUSED
        if answer.choice == "always":
            _save_approvals(decision, self.cwd, self.locations, self.stderr)
        if not counted:
            self.count_run(decision)
        spec = spec_for(self.policies, decision)
        plan = sandbox_plan.Plan(None, None, spec.limits) if unboxed else \
            self.lifted_plan(decision)
        status = run_allowed(self.command, self.request.argv, self.program, self.env,
                             audit_log, fields, self.stderr, record, plan)
        if status is None:
            self.count_run(decision, undo=True)
            self.stderr.write("gatekeep: not run: gatekeep's boundary failed to start, and an "
                              "approval covers a run inside it only\n")
            return ExitStatus.REFUSED
        return status


def operator_record(answer: Answer, waited: float) -> dict[str, object]:
    """The operator's answer as the audit log keeps it, with the seconds it took."""
    record: dict[str, object] = {"answer": answer.how, "choice": answer.choice,
                                 "waited": round(waited, 3)}
    if answer.message:
        record["message"] = answer.message
    return record


def audit_setup(policies: list[Policy], locations: Locations) -> Callable[[str], str]:
    """The redactor for this run's records; the operator's sinks and rotation kept for every
    writer (the fast path reads no policy). PolicyError when a pattern file is broken."""
    from gatekeep.policy.redact import file_patterns, for_policies
    from gatekeep.runtime import redaction, sinks

    files = file_patterns(str(locations.config_dir), str(locations.state_dir))
    redact = for_policies(policies, files, str(locations.state_dir))
    try:  # not contextlib.suppress: importing contextlib costs every run
        sinks.save(str(locations.state_dir), policies[0].audit_sinks)
        redaction.save(str(locations.state_dir), files)  # for the fast path's reuses
    except OSError:  # the record's own write reports it, and nothing runs
        pass
    return redact


def boundary_ask(decision: Decision, reason: str, boxed: bool = False) -> Decision:
    """An allowed command that cannot run in its box (``boxed``: in its whole box): every
    part needs the operator."""
    how = "in the box as it is" if boxed else "without the box"
    verdict = Verdict("sandbox", "ask", reason,
                      f"approve this run {how}, or fix the set-up "
                      "(gatekeep check shows the boundary)")
    segments = tuple(s._replace(decision="ask", verdicts=(*s.verdicts, verdict),
                                shape=f"a run {how} is approved once at a time")
                     for s in decision.segments)
    return decision._replace(decision="ask", segments=segments)


def _save_approvals(decision: Decision, cwd: Path, locations: Locations,
                    stderr: TextIO) -> None:
    from gatekeep.approval import store, view

    offer = view.approval_offer(decision, str(cwd))
    if isinstance(offer, str):
        return
    try:
        for approval in offer:
            store.add(str(locations.config_dir), approval)
    except (OSError, ValueError, KeyError) as error:
        stderr.write(f"gatekeep: warning: could not save the approval: {error}\n")


def _remember(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations,
              policies: list[Policy], resolver: SystemResolver, fields: str) -> bool:
    """Store an allow decision, only when every policy's compiled-from content is known
    (True: stored, as far as a cache write that may fail says).

    Never under a policy with guardrails: a stored allow is replayed without the clock
    or the counters, so the window or the limit would not be judged again. Nor under a
    policy with redaction patterns of its own: a reuse redacts the agent's purpose with
    the pattern files alone, and would write what only the policy's patterns hide.
    """
    from gatekeep.policy.select import vouched

    if any(policy.guarded or policy.audit_redact for policy in policies):
        return False

    found = [vouched(policy) for policy in policies]
    if not found or any(v is None for v in found):
        return False
    sources = policy_sources(str(locations.config_dir), str(cwd), request.policy,
                             env.get("GATEKEEP_POLICY"))
    key = decision_cache.key(
        command=request.command, argv=request.argv, cwd=str(cwd), home=env.get("HOME", "/"),
        path=resolver.path, tmpdir=env.get("TMPDIR", ""),
        dirs=(str(locations.config_dir), str(locations.state_dir)), sources=sources)
    inputs = tuple(dict.fromkeys(pair for v in found if v is not None for pair in v.inputs))
    redactions = decision_cache.operator_redactions(str(locations.config_dir))
    digest = sysfs.content_digest(redactions)
    if digest is not None:
        inputs += ((redactions, digest),)
    codes = {v.code for v in found if v is not None}
    if len(codes) != 1:
        return False
    decision_cache.store(str(locations.state_dir), key, inputs, codes.pop(), resolver.answers,
                         fields)
    return True


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
        if segment.does and not segment.derived:
            lines.append(f"gatekeep:   does: {visible(segment.does)}")
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


def main(request: Request, why: str | None = None) -> int:
    """Entry point after the fast path missed: build I/O from the process and run."""
    try:
        return run(request, os.environ, Path.cwd(), Locations.from_env(os.environ), sys.stderr,
                   why=why)
    except KeyboardInterrupt:
        sys.stderr.write("gatekeep: interrupted; nothing was run\n")
        return ExitStatus.INTERRUPTED
    except Exception as error:
        sys.stderr.write(f"gatekeep: internal error: {type(error).__name__}: "
                         f"{visible(str(error))}\ngatekeep: nothing was run\n")
        return ExitStatus.INTERNAL_ERROR
