"""``gatekeep check``: the dry run. Prints the decision and why; runs nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from gatekeep.approval.store import saved_approvals
from gatekeep.core import guard
from gatekeep.core.engine import Decision
from gatekeep.core.guardrails import Counts
from gatekeep.core.inputs import Request, context, parse_request, run_policies
from gatekeep.errors import PolicyError
from gatekeep.exitcodes import CHECK_CODES, ExitStatus, flushed, policy_error
from gatekeep.policy.model import Policy
from gatekeep.policy.select import load_cached
from gatekeep.runtime.audit import segment_json
from gatekeep.runtime.locations import Locations
from gatekeep.runtime.sysfs import operator_programs
from gatekeep.shell.model import ParsedCommand
from gatekeep.text import visible

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from typing import TextIO


def check(request: Request, *, as_json: bool, env: Mapping[str, str], cwd: Path,
          locations: Locations, stdout: TextIO, stderr: TextIO, at: datetime | None = None,
          count: int | None = None) -> int:
    """With ``--policy``, that policy alone; else exactly the policies ``run`` would use.

    Guardrails are judged at ``at`` (default: now) with ``count`` runs in every rate
    counter (default: the counter store's, read without counting). In observe mode the
    decision shown is enforce mode's.
    """
    try:
        if request.policy is not None:
            programs = operator_programs(str(locations.config_dir))
            policies = [load_cached(request.policy, locations.cache_dir, programs)]
        else:
            policies = run_policies(locations, cwd, request, env)
    except PolicyError as error:
        stderr.write(policy_error(error))
        return ExitStatus.POLICY_ERROR
    # The run-time view applies the operator's saved approvals; a named policy stands alone.
    valid = [] if request.policy is not None else \
        saved_approvals(locations, time.time(), stderr)[0]
    parsed = parse_request(request)
    now = at or datetime.now().astimezone()
    decision = guard.judge(policies, parsed, context(env, cwd, locations, tuple(valid)), now,
                           str(locations.state_dir),
                           Counts(simulated=count) if count is not None else None,
                           reserve=False)
    observe = guard.observed(policies) and decision.decision == "ask"
    box = _boundary(decision, parsed, policies, env, cwd, locations)
    if as_json:
        document = {
            "decision": decision.decision,
            "command": decision.command,
            "segments": [{**segment_json(s), "does": s.does, "reason_from": s.reason_from}
                         for s in decision.segments],
            "policies": [{"name": n, "sha256": s} for n, s in decision.policies],
            "boundary": box,
        }
        if at is not None:
            document["at"] = now.isoformat()
        if guard.observed(policies):
            document["mode"] = "observe"
        stdout.write(json.dumps(document, ensure_ascii=True, indent=2) + "\n")
    else:
        from gatekeep.ui.decision import print_decision

        print_decision(stdout, decision, color=not env.get("NO_COLOR"))
        from gatekeep.sandbox.describe import boundary_lines

        # plain lines: paths are not wrapped, and a name from the file system is made visible
        stdout.writelines(visible(line) + "\n" for line in boundary_lines(box))
        if observe:
            stdout.write("observe mode: run would run this without asking (the decision above "
                         "is enforce mode's)\n")
    return CHECK_CODES[decision.decision]


def plain(args: list[str]) -> int | None:
    """``check [--json] [--policy P] (-c CMD | -- ARGV...)`` without typer; None for any
    other form, and for values the typer application refuses (it says why)."""
    import os
    import sys

    from gatekeep.runtime.fastpath import check_parts

    found = check_parts(args)
    if found is None:
        return None
    as_json, parts = found
    from gatekeep.validate import problem

    if any(value is not None and problem(value) is not None
           for value in (parts[2], os.environ.get("GATEKEEP_POLICY"))):
        return None
    return flushed(lambda: check(Request(*parts), as_json=as_json, env=os.environ,
                                 cwd=Path.cwd(), locations=Locations.from_env(os.environ),
                                 stdout=sys.stdout, stderr=sys.stderr))


def _boundary(decision: Decision, parsed: ParsedCommand, policies: list[Policy],
              env: Mapping[str, str], cwd: Path, locations: Locations) -> dict[str, object]:
    """The boundary ``run`` would use: an allowed command's, or an approved one's."""
    from gatekeep.sandbox import plan
    from gatekeep.sandbox.describe import boundary_json
    from gatekeep.sandbox.policy import lifted, network_parts, spec_for

    spec = spec_for(policies, decision)
    if decision.decision == "deny":
        return boundary_json(spec, None)
    if decision.decision == "ask":
        spec = lifted(spec, decision, parsed, policies)
    own = (str(locations.config_dir), str(locations.state_dir))
    document = boundary_json(spec, plan.plan(spec, plan.where(env, str(cwd), own, spec)), env)
    if document.get("network"):
        document["network_for"] = network_parts(decision)
    return document
