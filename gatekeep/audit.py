"""The append-only audit log: one JSON line per decision.

A line is the decision's fields (written once, as JSON) plus the time and, when
the command ran, its exit code; composing it needs no JSON library, so an
allowed command that reuses a stored decision logs as cheaply as it runs.
"""

from __future__ import annotations

import os
import time

from gatekeep import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from gatekeep.engine import Decision, SegmentDecision


def fields(decision: Decision, *, cwd: str, mode: str, argv: list[str] | None = None) -> str:
    """The decision's part of an audit line: a JSON object without its closing brace."""
    import json

    entry: dict[str, Any] = {
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
    return json.dumps(entry, ensure_ascii=False, sort_keys=True)[:-1]


def line(decision_fields: str, exit_code: int | None = None, when: float | None = None,
         operator: dict[str, str] | None = None) -> str:
    """A whole audit line: the decision's fields, the UTC time, the exit code if it ran, and
    the operator's answer when one was asked for."""
    moment = time.time() if when is None else when
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))
    text = f'{decision_fields}, "time": "{stamp}.{int(moment * 1000) % 1000:03d}+00:00"'
    if exit_code is not None:
        text += f', "exit_code": {int(exit_code)}'
    if operator is not None:
        import json

        text += f', "operator": {json.dumps(operator, ensure_ascii=False, sort_keys=True)}'
    return text + "}\n"


def segment_json(segment: SegmentDecision) -> dict[str, Any]:
    return {
        "text": segment.text,
        "decision": segment.decision,
        "rules": list(segment.rules),
        "reason": segment.reason,
        "suggest": segment.suggest,
        "via": list(segment.via),
    }


def append(path: str, text: str) -> None:
    """Append one line with a single write, so concurrent writers never interleave."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, text.encode("utf-8", "surrogateescape"))
    finally:
        os.close(descriptor)


def read(path: str) -> list[dict[str, Any]]:
    import json

    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(text) for text in handle if text.strip()]


def with_why(decision_fields: str, why: str | None) -> str:
    """``decision_fields`` with the purpose the agent stated for the command, if any."""
    if not why:
        return decision_fields
    import json

    return f"{decision_fields}, \"why\": {json.dumps(why, ensure_ascii=False)}"
