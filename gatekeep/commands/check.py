"""``gatekeep check``: the dry run. Prints the decision and why; runs nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from gatekeep.audit import segment_json
from gatekeep.errors import PolicyError
from gatekeep.exitcodes import CHECK_CODES, ExitStatus
from gatekeep.locations import Locations
from gatekeep.policy.select import load_cached
from gatekeep.session import Request, context, judge, parse_request, run_policies, saved_approvals
from gatekeep.sysfs import operator_programs
from gatekeep.text import visible


def check(request: Request, *, as_json: bool, env: Mapping[str, str], cwd: Path,
          locations: Locations, stdout: TextIO, stderr: TextIO) -> int:
    """With ``--policy``, that policy alone; else exactly the policies ``run`` would use."""
    try:
        if request.policy is not None:
            programs = operator_programs(str(locations.config_dir))
            policies = [load_cached(request.policy, None, programs)]
        else:
            policies = run_policies(locations, cwd, request, env)
    except PolicyError as error:
        stderr.write(f"gatekeep: policy error: {visible(str(error))}\n")
        return ExitStatus.POLICY_ERROR
    # The run-time view applies the operator's saved approvals; a named policy stands alone.
    valid = [] if request.policy is not None else \
        saved_approvals(locations, time.time(), stderr)[0]
    decision = judge(policies, parse_request(request), context(env, cwd, locations, tuple(valid)))
    if as_json:
        document = {
            "decision": decision.decision,
            "command": decision.command,
            "segments": [segment_json(s) for s in decision.segments],
            "policies": [{"name": n, "sha256": s} for n, s in decision.policies],
        }
        stdout.write(json.dumps(document, ensure_ascii=True, indent=2) + "\n")
    else:
        from rich.console import Console

        from gatekeep.render import print_decision

        # NO_COLOR: no escapes at all (rich alone would still send bold and dim).
        console = Console(file=stdout, color_system=None) if env.get("NO_COLOR") \
            else Console(file=stdout)
        print_decision(console, decision)
    return CHECK_CODES[decision.decision]
