"""The append-only audit log: one JSON line per decision.

A line is the decision's fields (written once, as JSON) plus the time and, when
the command ran, its exit code; composing it needs no JSON library, so an
allowed command that reuses a stored decision logs as cheaply as it runs.

Lines are ASCII: a byte of an argument that is not UTF-8 reaches Python as a lone
surrogate (U+DC80-U+DCFF), which JSON can only carry as a ``\\udcXX`` escape.
Readers skip, with a warning, any line that is not an entry: one bad line must
not hide the rest of the log.
"""

from __future__ import annotations

import os
import time

from gatekeep import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gatekeep.core.engine import Decision, SegmentDecision


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
    return json.dumps(entry, ensure_ascii=True, sort_keys=True)[:-1]


def line(decision_fields: str, exit_code: int | None = None, when: float | None = None,
         operator: dict[str, str] | None = None, stopped: str | None = None) -> str:
    """A whole audit line: the decision's fields, the UTC time, the exit code if it ran, and
    the operator's answer when one was asked for."""
    moment = time.time() if when is None else when
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))
    text = f'{decision_fields}, "time": "{stamp}.{int(moment * 1000) % 1000:03d}+00:00"'
    if exit_code is not None:
        text += f', "exit_code": {int(exit_code)}'
    if stopped is not None:  # a limit ended it: timeout, cpu, output
        text += f', "stopped": "{stopped}"'
    if operator is not None:
        import json

        text += f', "operator": {json.dumps(operator, ensure_ascii=True, sort_keys=True)}'
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
        # Fields stored by an older version may hold a lone surrogate (only ever inside a
        # JSON string): backslashreplace writes it as the JSON escape, never as a raw byte.
        os.write(descriptor, text.encode("utf-8", "backslashreplace"))
    finally:
        os.close(descriptor)


def read(path: str, warn: Callable[[str], object]) -> list[dict[str, Any]]:
    """The entries of the log at ``path`` (none when it does not exist), oldest first."""
    if not os.path.exists(path):
        return []
    return [entry for _, entry in numbered(path, warn)]


def numbered(path: str, warn: Callable[[str], object]) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, entry)`` for each entry; every other non-blank line is passed to
    ``warn`` as a one-line warning and skipped. An unreadable file raises OSError."""
    entries = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            entry = parse(raw.rstrip(b"\n"))
            if isinstance(entry, str):
                warn(skipped(path, number, entry))
            else:
                entries.append((number, entry))
    return entries


def skipped(path: str, number: int, why: str) -> str:
    from gatekeep.text import visible

    return f"gatekeep: warning: {visible(path)}:{number}: skipped: {visible(why)}\n"


def parse(raw: bytes) -> dict[str, Any] | str:
    """One line as an entry, or why it is not one."""
    import json

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
    try:
        entry = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: deeply nested brackets
        return f"not a JSON line: {error}"
    return problem(entry) or entry


def problem(entry: object) -> str | None:
    """What keeps a JSON value from being an audit entry that readers can show and replay."""
    if not isinstance(entry, dict):
        return "not a JSON object"
    if entry.get("decision") not in ("allow", "ask", "deny"):
        return "'decision' is not allow, ask or deny"
    for key in ("command", "cwd"):
        if not isinstance(entry.get(key), str):
            return f"'{key}' is missing or not a string"
    for key, (wanted, what) in _OPTIONAL.items():
        if entry.get(key) is not None and not wanted(entry[key]):
            return f"'{key}' is not {what}"
    texts = [entry["command"], entry["cwd"], *(entry.get("argv") or ())]
    if any("\x00" in text for text in texts):  # no argument or path can hold one
        return "a NUL character in the command or its directory"
    return None


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# Fields a reader uses that an entry may lack: what each must be when present.
_OPTIONAL: dict[str, tuple[Callable[[object], bool], str]] = {
    "argv": (_strings, "a list of strings"),
    "rules": (_strings, "a list of strings"),
    "time": (lambda v: isinstance(v, str), "a string"),
    "exit_code": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
}


def with_why(decision_fields: str, why: str | None) -> str:
    """``decision_fields`` with the purpose the agent stated for the command, if any."""
    if not why:
        return decision_fields
    import json

    return f"{decision_fields}, \"why\": {json.dumps(why, ensure_ascii=True)}"
