"""``gatekeep run``: judge a command, then run it only if every part is allowed."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from gatekeep import audit, execute
from gatekeep.engine import Decision
from gatekeep.errors import PolicyError
from gatekeep.exitcodes import ExitStatus
from gatekeep.locations import Locations
from gatekeep.session import Request, context, judge, parse_request, run_policies
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
    decision = judge(policies, parse_request(request), context(env, cwd, locations))
    if decision.decision != "allow":
        stderr.write(refusal(decision))
        _audit(locations, decision, cwd, None, request, stderr)
        return ExitStatus.REFUSED
    argv = execute.shell_argv(request.command) if request.command is not None \
        else list(request.argv or ())
    status = execute.run(argv, execute.scrub(env), str(cwd))
    _audit(locations, decision, cwd, status, request, stderr)
    return execute.exit_like(status)


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


def _audit(locations: Locations, decision: Decision, cwd: Path, status: int | None,
           request: Request, stderr: TextIO) -> None:
    entry = audit.record(
        decision, time=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        cwd=str(cwd), mode="run", exit_code=status,
        argv=list(request.argv) if request.argv is not None else None,
    )
    try:
        audit.append(locations.audit_log, entry)
    except OSError as error:
        stderr.write(f"gatekeep: warning: cannot write the audit log: {error}\n")


def main(request: Request) -> int:
    """Entry point for the fast path: build I/O from the process and run."""
    try:
        return run(request, os.environ, Path.cwd(), Locations.from_platform(), sys.stderr)
    except KeyboardInterrupt:
        sys.stderr.write("gatekeep: interrupted; nothing was run\n")
        return ExitStatus.INTERRUPTED
    except Exception as error:
        sys.stderr.write(f"gatekeep: internal error: {type(error).__name__}: "
                         f"{visible(str(error))}\ngatekeep: nothing was run\n")
        return ExitStatus.INTERNAL_ERROR
