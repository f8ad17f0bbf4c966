"""``gatekeep run``: judge a command, then run it only if every part is allowed."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from gatekeep import audit, decisions
from gatekeep.commands.run_allowed import log, run_allowed
from gatekeep.engine import Decision
from gatekeep.errors import PolicyError
from gatekeep.exitcodes import ExitStatus
from gatekeep.locations import Locations
from gatekeep.paths import SystemResolver
from gatekeep.policy.model import Policy
from gatekeep.session import Request, context, judge, parse_request, run_policies
from gatekeep.sysfs import policy_sources
from gatekeep.text import visible


def run(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations,
        stderr: TextIO) -> int:
    """Judge ``request``; run it when allowed; return the exit status for gatekeep."""
    try:
        policies = run_policies(locations, cwd, request, env)
    except PolicyError as error:
        stderr.write(f"gatekeep: policy error: {visible(str(error))}\n"
                     "gatekeep: nothing was run\n")
        return ExitStatus.POLICY_ERROR
    ctx = context(env, cwd, locations)
    decision = judge(policies, parse_request(request), ctx)
    argv = list(request.argv) if request.argv is not None else None
    fields = audit.fields(decision, cwd=str(cwd), mode="run", argv=argv)
    if decision.decision != "allow":
        stderr.write(refusal(decision))
        log(str(locations.audit_log), audit.line(fields), stderr)
        return ExitStatus.REFUSED
    if isinstance(ctx.resolver, SystemResolver) and not ctx.resolver.expanded:
        _remember(request, env, cwd, locations, policies, ctx.resolver, fields)
    return run_allowed(request.command, request.argv, env, str(locations.audit_log), fields,
                       stderr)


def _remember(request: Request, env: Mapping[str, str], cwd: Path, locations: Locations,
              policies: list[Policy], resolver: SystemResolver, fields: str) -> None:
    sources = policy_sources(str(locations.config_dir), str(cwd), request.policy,
                             env.get("GATEKEEP_POLICY"))
    key = decisions.key(
        command=request.command, argv=request.argv, cwd=str(cwd), home=env.get("HOME", "/"),
        path=resolver.path, tmpdir=env.get("TMPDIR", ""),
        dirs=(str(locations.config_dir), str(locations.state_dir)), sources=sources)
    files = [file for policy in policies for file in (*policy.files, *policy.knowledge.files)]
    decisions.store(str(locations.state_dir), key, files, resolver.answers, fields)


def refusal(decision: Decision) -> str:
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
    if decision.decision == "ask":
        lines.append("gatekeep: not run: this command needs the operator's approval, and "
                     "gatekeep does not prompt yet; run a narrower command, or ask the operator")
    else:
        lines.append("gatekeep: not run")
    return "\n".join(lines) + "\n"


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
