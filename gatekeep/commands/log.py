"""``gatekeep log``: read the audit log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from gatekeep.exitcodes import ExitStatus
from gatekeep.runtime.audit import read
from gatekeep.runtime.locations import Locations
from gatekeep.text import visible
from gatekeep.ui.decision import MARKS


def log(*, limit: int, decision: str | None, as_json: bool, env: Mapping[str, str],
        locations: Locations, stdout: TextIO, stderr: TextIO) -> int:
    """Print the newest ``limit`` entries (oldest first), optionally only one decision.

    A line that is not an entry is skipped with a warning on ``stderr``."""
    path = locations.audit_log
    try:
        entries = read(str(path), stderr.write)
    except OSError as error:
        stderr.write(f"gatekeep: cannot read the audit log {visible(str(path))}: "
                     f"{visible(str(error))}\n")
        return ExitStatus.USAGE
    if decision is not None:
        entries = [e for e in entries if e.get("decision") == decision]
    entries = entries[-limit:] if limit > 0 else entries
    if as_json:
        for entry in entries:
            stdout.write(json.dumps(entry, ensure_ascii=True, sort_keys=True) + "\n")
        return ExitStatus.ALLOW
    if not entries:
        stderr.write(f"gatekeep: no entries in {visible(str(path))}\n")
        return ExitStatus.ALLOW
    from rich.text import Text

    from gatekeep.ui.console import make_console

    out = make_console(stdout, color=not env.get("NO_COLOR"))
    for entry in entries:
        out.print(_line(entry, Text), soft_wrap=True, markup=False, highlight=False)
    return ExitStatus.ALLOW


def _line(entry: dict[str, Any], text_type: Any) -> Any:
    """One entry that ``audit.read`` accepted: its fields have the types it checked."""
    kind = entry["decision"]
    style = MARKS.get(kind, ("?", ""))[1]
    line = text_type()
    line.append(f"{visible(str(entry.get('time') or ''))[:19]}  ", style="dim")
    line.append(f"{kind:<5}", style=style)
    ran = entry.get("exit_code")
    line.append(f"  exit {ran:<3}" if ran is not None else "  not run ", style="dim")
    line.append(f"  {visible(entry['command'])}")
    rules = visible(", ".join(entry.get("rules") or []))
    if rules:
        line.append(f"  [{rules}]", style="dim")
    return line
