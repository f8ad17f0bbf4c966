"""``gatekeep log``: read the audit log, filter it, follow it, verify its chain, sum it up."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, TextIO

from gatekeep.errors import UsageError
from gatekeep.exitcodes import ExitStatus
from gatekeep.runtime.audit import numbered, parse
from gatekeep.runtime.journal import rotated
from gatekeep.runtime.locations import Locations
from gatekeep.text import visible

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
FOLLOW_POLL = 0.25  # seconds between looks at the file


class Filters(NamedTuple):
    decision: str | None = None
    rule: str | None = None
    since: datetime | None = None
    grep: re.Pattern[str] | None = None
    session: str | None = None

    def keep(self, entry: dict[str, Any]) -> bool:
        return ((self.decision is None or entry["decision"] == self.decision)
                and (self.rule is None or self.rule in (entry.get("rules") or ()))
                and (self.since is None or _after(entry.get("time"), self.since))
                and (self.grep is None or bool(self.grep.search(_searched(entry))))
                and (self.session is None or entry.get("session") == self.session))


def filters(decision: str | None = None, rule: str | None = None, since: str | None = None,
            grep: str | None = None, session: str | None = None,
            now: datetime | None = None) -> Filters:
    """The options as filters; UsageError for a --since or --grep that does not parse."""
    try:
        pattern = re.compile(grep, re.IGNORECASE) if grep is not None else None
    except re.error as error:
        raise UsageError(f"--grep is not a regular expression: {error}") from None
    start = _since(since, now or datetime.now(timezone.utc)) if since is not None else None
    return Filters(decision, rule, start, pattern, session)


def _since(text: str, now: datetime) -> datetime:
    found = re.fullmatch(r"([0-9]+)([smhdw])", text.strip())
    if found:
        return now - timedelta(seconds=int(found[1]) * _UNITS[found[2]])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since takes a duration (30m, 2h, 7d) or a date or time "
                         f"(2026-01-31, 2026-01-31T09:00), not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _after(stamp: object, start: datetime) -> bool:
    try:
        moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return False
    if moment is None:
        return False
    # gatekeep writes UTC with its offset; a line without one is read as UTC, not compared
    # naive against aware (which raises)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)) >= start


def _searched(entry: dict[str, Any]) -> str:
    return "\n".join([entry["command"], str(entry.get("why") or ""), *(entry.get("argv") or [])])


def log_files(path: str) -> list[str]:
    """The files of the log at ``path``, oldest first: ``audit.N.jsonl`` ... ``audit.jsonl``."""
    count = 0
    while os.path.exists(rotated(path, count + 1)):
        count += 1
    return [rotated(path, n) for n in range(count, -1, -1) if os.path.exists(rotated(path, n))]


def entries_of(path: str, warn: Callable[[str], object]) -> list[dict[str, Any]]:
    return [entry for file in log_files(path) for _, entry in numbered(file, warn)]


def log(*, limit: int, chosen: Filters, as_json: bool, follow: bool, env: Mapping[str, str],
        locations: Locations, stdout: TextIO, stderr: TextIO,
        polls: int | None = None) -> int:
    """Print the newest ``limit`` entries that pass ``chosen`` (oldest first); ``follow``
    then prints new records as they are written (``polls``: stop after so many looks)."""
    path = str(locations.audit_log)
    try:
        entries = [e for e in entries_of(path, stderr.write) if chosen.keep(e)]
    except OSError as error:
        stderr.write(f"gatekeep: cannot read the audit log {visible(path)}: "
                     f"{visible(str(error))}\n")
        return ExitStatus.USAGE
    entries = entries[-limit:] if limit > 0 else entries
    if not entries and not follow:
        stderr.write(f"gatekeep: no entries in {visible(path)}\n")
    elif entries and not as_json:
        from gatekeep.ui.auditview import table

        table(entries, stdout, color=not env.get("NO_COLOR"))
    show = _printer(as_json, env, stdout)
    for entry in entries if as_json else ():
        show(entry)
    if follow:
        _follow(path, chosen, show, polls)
    return ExitStatus.ALLOW


def _printer(as_json: bool, env: Mapping[str, str], stdout: TextIO
             ) -> Callable[[dict[str, Any]], None]:
    """One entry at a time (what --follow prints): a JSON line, or a table row."""
    def write(entry: dict[str, Any]) -> None:
        if as_json:
            stdout.write(json.dumps(entry, ensure_ascii=True, sort_keys=True) + "\n")
        else:
            from gatekeep.ui.auditview import table

            table([entry], stdout, color=not env.get("NO_COLOR"), header=False)
        stdout.flush()
    return write


def _follow(path: str, chosen: Filters, show: Callable[[dict[str, Any]], None],
            polls: int | None) -> None:
    """New records as they come: decisions as entries, an end as its own short entry."""
    position, inode = _end_of(path)
    pending = b""
    while polls is None or polls > 0:
        polls = None if polls is None else polls - 1
        time.sleep(FOLLOW_POLL)
        now_at, now_inode = _end_of(path)
        if now_inode != inode or now_at < position:  # rotated: read the new file from its start
            position, inode, pending = 0, now_inode, b""
        data, position = _read_from(path, position)
        lines = (pending + data).split(b"\n")
        pending = lines.pop()
        for raw in lines:
            entry = parse(raw) if raw.strip() else "blank"
            if isinstance(entry, dict) and entry.get("kind") != "repair" \
                    and (entry.get("kind") == "end" or chosen.keep(entry)):
                show(entry if entry.get("kind") != "end" else _ended(entry))


def _ended(record: dict[str, Any]) -> dict[str, Any]:
    outcome = f"signal {record['signal']}" if "signal" in record else \
        f"exit {record.get('exit_code', '-')}"
    return {"decision": "end", "command": f"(ended: {outcome}, {record.get('duration', 0)} s)",
            "time": record.get("time"), "rules": [], "cwd": "", "session": record.get("session"),
            **{k: record[k] for k in ("exit_code", "signal") if k in record}}


def _end_of(path: str) -> tuple[int, int]:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return 0, 0
    return found.st_size, found.st_ino


def _read_from(path: str, position: int) -> tuple[bytes, int]:
    try:
        with open(path, "rb") as handle:
            handle.seek(position)
            data = handle.read()
    except FileNotFoundError:
        return b"", position
    return data, position + len(data)


def verify(files: Sequence[str], *, partial: bool, locations: Locations, stdout: TextIO,
           stderr: TextIO) -> int:
    """Check the hash chain of ``files`` (oldest first; default: the log and its rotated
    files). 0: valid; 1: a record is bad (named); 2: a file cannot be read."""
    from gatekeep.offline.chain import lines
    from gatekeep.offline.chain import verify as check

    chosen = list(files) or log_files(str(locations.audit_log))
    if not chosen:
        stderr.write(f"gatekeep: no audit log at {visible(str(locations.audit_log))}\n")
        return ExitStatus.USAGE
    try:
        verdict = check(lines(chosen), partial=partial)
    except OSError as error:
        stderr.write(f"gatekeep: cannot read the audit log: {visible(str(error))}\n")
        return ExitStatus.USAGE
    for note in verdict.notes:
        stderr.write(f"gatekeep: note: {visible(note)}\n")
    if verdict.problem is not None:
        stdout.write(f"gatekeep: audit log broken after {verdict.records} good records: "
                     f"{visible(verdict.problem)}\n")
        return 1
    stdout.write(f"gatekeep: audit log verified: {verdict.records} records in "
                 f"{len(chosen)} file(s); last hash {verdict.last}\n")
    return ExitStatus.ALLOW


def stats(*, least: int, env: Mapping[str, str], locations: Locations, stdout: TextIO,
          stderr: TextIO) -> int:
    """Decisions per rule and per day, the most asked commands, the operator's answers and
    time waited, and allow rules suggested by repeated approvals."""
    from gatekeep.offline.stats import stats as summed
    from gatekeep.offline.stats import suggestions
    from gatekeep.ui.auditview import report

    path = str(locations.audit_log)
    try:
        entries = entries_of(path, stderr.write)
    except OSError as error:
        stderr.write(f"gatekeep: cannot read the audit log {visible(path)}: "
                     f"{visible(str(error))}\n")
        return ExitStatus.USAGE
    if not entries:
        stderr.write(f"gatekeep: no entries in {visible(path)}\n")
        return ExitStatus.ALLOW
    report(summed(entries), suggestions(entries, least), stdout,
           color=not env.get("NO_COLOR"))
    return ExitStatus.ALLOW

