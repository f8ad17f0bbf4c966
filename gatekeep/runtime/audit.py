"""The append-only audit log: a record when a command is decided, another when it ends.

A decision record is the decision's fields (written once, as JSON) plus the time, the
session, a random id and the operator's answer; an end record names that id with the
exit code or signal, the duration and what stopped the command, if anything did.
Composing either needs no JSON library, so an allowed command that reuses a stored
decision logs as cheaply as it runs. ``gatekeep.runtime.journal`` chains and writes them.

Readers pair the two: an entry is a decision record with its end's fields merged in, so
older logs (one line per decision, with its exit code) read the same way.

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
    from collections.abc import Callable, Mapping
    from typing import Any

    from gatekeep.core.engine import Decision, SegmentDecision


def fields(decision: Decision, *, cwd: str, mode: str, argv: list[str] | None = None,
           redact: Callable[[str], str] | None = None) -> str:
    """The decision's part of an audit line: a JSON object without its closing brace.

    ``redact`` replaces the secrets in what the agent sent (the command, its argv, each
    part's text) before anything is written."""
    import json

    hide = redact or _same
    entry: dict[str, Any] = {
        "cwd": cwd,
        "mode": mode,
        "command": hide(decision.command),
        "decision": decision.decision,
        "segments": [_hidden(segment_json(s), hide) for s in decision.segments],
        "rules": sorted({r for s in decision.deciding for r in s.rules}),
        "policies": [{"name": name, "sha256": sha} for name, sha in decision.policies],
        "version": __version__,
    }
    if argv is not None:
        entry["argv"] = [hide(arg) for arg in argv]
    return json.dumps(entry, ensure_ascii=True, sort_keys=True)[:-1]


def _same(text: str) -> str:
    return text


def _hidden(segment: dict[str, Any], hide: Callable[[str], str]) -> dict[str, Any]:
    """A part's record with its secrets replaced: its text, and the reason and suggestion,
    which quote the paths and words of the command (``writes ~/.ssh/TOKEN, protected ...``)."""
    for key in ("text", "reason", "suggest"):
        if isinstance(segment[key], str):
            segment[key] = hide(segment[key])
    return segment


def line(decision_fields: str, when: float | None = None,
         operator: Mapping[str, object] | None = None,
         record: tuple[str, str] | None = None) -> str:
    """A decision record: the decision's fields, the UTC time, the record's ``(id,
    session)`` and the operator's answer when one was asked for."""
    text = f'{decision_fields}, "kind": "decision", "time": "{_stamp(when)}"'
    text += _identity(record)
    if operator is not None:
        import json

        text += f', "operator": {json.dumps(operator, ensure_ascii=True, sort_keys=True)}'
    return text + "}\n"


def end(record: tuple[str, str], status: int | None, duration: float,
        stopped: str | None = None, when: float | None = None) -> str:
    """An end record: how the command of the decision record ``record`` ended (``status``:
    its exit code, negative for a signal, None when it did not start)."""
    text = f'{{"kind": "end", "time": "{_stamp(when)}"{_identity(record)}'
    text += f', "duration": {duration:.3f}'
    if status is not None:
        text += f', "signal": {-int(status)}' if status < 0 else f', "exit_code": {int(status)}'
    if stopped:
        import json

        text += f', "stopped": {json.dumps(stopped, ensure_ascii=True)}'
    return text + "}\n"


def _stamp(when: float | None) -> str:
    moment = time.time() if when is None else when
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))
    return f"{stamp}.{int(moment * 1000) % 1000:03d}+00:00"


def _identity(record: tuple[str, str] | None) -> str:
    if record is None:
        return ""
    return f', "id": "{record[0]}", "session": {_string(record[1])}'


def _string(text: str) -> str:
    """``text`` as a JSON string; the usual session (``PID@TICKS``) without importing json."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    import json

    return json.dumps(text, ensure_ascii=True)


def new_record(env: Mapping[str, str], session: str | None = None) -> tuple[str, str]:
    """A fresh record id and the session it belongs to: the agent's session id when the
    caller knows it, else ``GATEKEEP_SESSION``, else the parent process and its start."""
    return os.urandom(8).hex(), session or env.get("GATEKEEP_SESSION") or _parent()


def _parent() -> str:
    """``ppid@start`` (the start in clock ticks since boot), stable for the parent's life."""
    ppid = os.getppid()
    try:
        with open(f"/proc/{ppid}/stat", "rb") as handle:
            fields = handle.read().rpartition(b")")[2].split()
        return f"{ppid}@{int(fields[19])}"
    except (OSError, IndexError, ValueError):
        return str(ppid)


def segment_json(segment: SegmentDecision) -> dict[str, Any]:
    return {
        "text": segment.text,
        "decision": segment.decision,
        "rules": list(segment.rules),
        "reason": segment.reason,
        "suggest": segment.suggest,
        "via": list(segment.via),
        **({"binding": segment.binding} if segment.binding else {}),
    }


def append(path: str, text: str) -> None:
    """Append one record, chained, under the log's lock, and send it on to the sinks the
    operator configured (see ``gatekeep.runtime.sinks``). OSError when the file cannot be
    written; a sink that fails does not stop the command (the file is the record)."""
    from gatekeep.runtime import journal, sinks

    settings = sinks.settings(os.path.dirname(path))
    written = journal.append(path, text, settings.rotate)
    sinks.send(settings, written)


def read(path: str, warn: Callable[[str], object]) -> list[dict[str, Any]]:
    """The entries of the log at ``path`` (none when it does not exist), oldest first."""
    if not os.path.exists(path):
        return []
    return [entry for _, entry in numbered(path, warn)]


def numbered(path: str, warn: Callable[[str], object]) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, entry)`` for each decision, its end record's fields merged in; every
    other non-blank line that is not a record is passed to ``warn`` as a one-line warning
    and skipped. An unreadable file raises OSError."""
    entries: list[tuple[int, dict[str, Any]]] = []
    by_id: dict[str, dict[str, Any]] = {}
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            entry = parse(raw.rstrip(b"\n"))
            if isinstance(entry, str):
                warn(skipped(path, number, entry))
            elif entry.get("kind") == "end":
                _merge_end(by_id.get(entry["id"]), entry)
            elif entry.get("kind") != "repair":
                entries.append((number, entry))
                if isinstance(entry.get("id"), str):
                    by_id[entry["id"]] = entry
    return entries


def _merge_end(decision: dict[str, Any] | None, ended: dict[str, Any]) -> None:
    """An end record's outcome on its decision (an end whose decision is not in this file,
    rotated away, is left out)."""
    if decision is None:
        return
    for key in ("exit_code", "signal", "duration", "stopped"):
        if key in ended:
            decision[key] = ended[key]
    decision["ended"] = ended.get("time")


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
    kind = entry.get("kind", "decision")
    if kind == "end":
        return _end_problem(entry)
    if kind == "repair":
        return None
    if kind != "decision":
        return "'kind' is not decision, end or repair"
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


def _end_problem(entry: dict[str, Any]) -> str | None:
    if not isinstance(entry.get("id"), str):
        return "an end record without an 'id'"
    for key, (wanted, what) in _END.items():
        if entry.get(key) is not None and not wanted(entry[key]):
            return f"'{key}' is not {what}"
    return None


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# Fields a reader uses that an entry may lack: what each must be when present.
_OPTIONAL: dict[str, tuple[Callable[[object], bool], str]] = {
    "argv": (_strings, "a list of strings"),
    "rules": (_strings, "a list of strings"),
    "time": (lambda v: isinstance(v, str), "a string"),
    "exit_code": (_integer, "an integer"),
    "session": (lambda v: isinstance(v, str), "a string"),
    "why": (lambda v: isinstance(v, str), "a string"),
}
_END: dict[str, tuple[Callable[[object], bool], str]] = {
    "exit_code": (_integer, "an integer"),
    "signal": (_integer, "an integer"),
    "duration": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "stopped": (lambda v: isinstance(v, str), "a string"),
    "time": (lambda v: isinstance(v, str), "a string"),
}


def with_why(decision_fields: str, why: str | None,
             redact: Callable[[str], str] | None = None) -> str:
    """``decision_fields`` with the purpose the agent stated for the command, if any."""
    if not why:
        return decision_fields
    import json

    stated = redact(why) if redact is not None else why
    return f"{decision_fields}, \"why\": {json.dumps(stated, ensure_ascii=True)}"
