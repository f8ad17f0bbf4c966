"""``gatekeep replay``: which logged decisions a new policy would change, as a diff."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gatekeep.errors import PolicyError, UsageError
from gatekeep.exitcodes import ExitStatus, policy_error
from gatekeep.offline.batch import Batch, Places
from gatekeep.offline.replay import Change, Replay, group, read_log, replay
from gatekeep.policy.select import load_cached
from gatekeep.runtime.locations import Locations
from gatekeep.runtime.sysfs import operator_programs
from gatekeep.text import visible
from gatekeep.ui.progress import progress


def replay_log(log: Path, policy: str, *, fail_on_loosen: bool, as_json: bool,
               env: Mapping[str, str], locations: Locations, stdout: TextIO, stderr: TextIO,
               interactive: bool) -> int:
    """Judge every command of ``log`` under ``policy`` alone, from its logged directory.

    A line of the log that is not an entry is skipped with a warning on ``stderr``."""
    skipped: list[str] = []

    def warn(message: str) -> None:
        skipped.append(message)
        stderr.write(message)

    try:
        logged = read_log(log, warn)
        loaded = load_cached(policy, locations.cache_dir,
                             operator_programs(str(locations.config_dir)))
        groups = group(logged, by_time=loaded.guarded)
    except UsageError as error:
        stderr.write(f"gatekeep: {visible(str(error))}\n")
        return ExitStatus.USAGE
    except PolicyError as error:
        stderr.write(policy_error(error))
        return ExitStatus.POLICY_ERROR
    batch = Batch(loaded, Places.from_env(env, locations))
    color = not env.get("NO_COLOR")
    with progress(stderr, len(groups), "replaying", enabled=interactive, color=color) as advance:
        result = replay(groups, batch, advance)
    if as_json:
        document = _document(result, policy, len(skipped))
        stdout.write(json.dumps(document, ensure_ascii=True, indent=2) + "\n")
    else:
        _print(result, policy, stdout, color)
    return ExitStatus.FAILED if fail_on_loosen and result.looser else ExitStatus.OK


def _print(result: Replay, policy: str, stdout: TextIO, color: bool) -> None:
    from gatekeep.ui import plain
    from gatekeep.ui.replay import change_pieces, summary

    texts = [*(change_pieces(change) for change in result.changes), summary(result, policy)]
    if plain.write(stdout, texts, color=color):
        return
    from gatekeep.ui.console import make_console

    console = make_console(stdout, color=color)
    for pieces in texts:
        console.print(plain.rich_text(pieces), end="", soft_wrap=True, markup=False,
                      highlight=False)


def _document(result: Replay, policy: str, skipped: int) -> dict[str, Any]:
    from gatekeep.runtime.audit import segment_json

    def change(c: Change) -> dict[str, Any]:
        request = c.logged.request
        return {
            "command": request.shown, "argv": list(request.argv) if request.argv else None,
            "cwd": c.logged.cwd, "line": c.logged.line, "times": c.times,
            "old": c.logged.decision, "new": c.new.decision,
            "change": "looser" if c.looser else "tighter",
            "segments": [segment_json(s) for s in c.new.segments],
        }

    return {
        "policy": policy, "total": result.total, "distinct": result.distinct,
        "unchanged": result.unchanged, "tighter": result.tighter, "looser": result.looser,
        "skipped": skipped, "kinds": result.kinds(),
        "changes": [change(c) for c in result.changes],
    }
