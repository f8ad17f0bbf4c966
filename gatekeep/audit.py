"""The append-only audit log: one JSON line per decision."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gatekeep import __version__
from gatekeep.engine import Decision


def record(decision: Decision, *, time: str, cwd: str, mode: str,
           exit_code: int | None = None, argv: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "time": time,
        "cwd": cwd,
        "mode": mode,
        "command": decision.command,
        "decision": decision.decision,
        "segments": [segment_json(s) for s in decision.segments],
        "rules": sorted({r for s in decision.deciding for r in s.rules}),
        "policies": [{"name": name, "sha256": sha} for name, sha in decision.policies],
        "version": __version__,
    }
    if argv is not None:
        entry["argv"] = argv
    if exit_code is not None:
        entry["exit_code"] = exit_code
    return entry


def segment_json(segment: Any) -> dict[str, Any]:
    return {
        "text": segment.text,
        "decision": segment.decision,
        "rules": list(segment.rules),
        "reason": segment.reason,
        "suggest": segment.suggest,
        "via": list(segment.via),
    }


def append(path: Path, entry: dict[str, Any]) -> None:
    """Append one line with a single write, so concurrent writers never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries
