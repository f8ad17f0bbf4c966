"""Re-deciding logged commands under another policy: which decisions would change.

An audit log line holds the command (or argv), the working directory and the decision
gatekeep took. Each distinct command is decided once; the changes are counted per kind
(``allow -> deny``) and classed as tighter or looser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from gatekeep.core.engine import Decision
from gatekeep.core.guardrails import apply
from gatekeep.core.inputs import Request
from gatekeep.errors import UsageError
from gatekeep.offline.batch import Batch
from gatekeep.policy.model import STRICTNESS, Policy
from gatekeep.runtime import audit


class Logged(NamedTuple):
    """One audit log line, as much of it as a replay needs."""

    request: Request
    cwd: str
    decision: str
    line: int
    at: str | None = None  # when it was logged (ISO 8601): time windows are judged then

    @property
    def key(self) -> tuple[object, ...]:
        return self.request.command, self.request.argv, self.cwd, self.decision


class Change(NamedTuple):
    logged: Logged  # the first line with this command, directory and old decision
    new: Decision
    times: int

    @property
    def looser(self) -> bool:
        return STRICTNESS[self.new.decision] < STRICTNESS[self.logged.decision]

    @property
    def kind(self) -> str:
        return f"{self.logged.decision} -> {self.new.decision}"


class Replay(NamedTuple):
    total: int
    distinct: int
    changes: tuple[Change, ...]

    @property
    def looser(self) -> int:
        return sum(c.times for c in self.changes if c.looser)

    @property
    def tighter(self) -> int:
        return sum(c.times for c in self.changes if not c.looser)

    @property
    def unchanged(self) -> int:
        return self.total - self.looser - self.tighter

    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.kind] = counts.get(change.kind, 0) + change.times
        return dict(sorted(counts.items(), key=lambda item: _kind_order(item[0])))


def _kind_order(kind: str) -> tuple[int, str]:
    old, new = kind.split(" -> ")
    return STRICTNESS[new] - STRICTNESS[old], kind


def read_log(path: Path, warn: Callable[[str], object]) -> list[Logged]:
    """Every entry of an audit log; ``warn`` gets a warning for each line that is not one."""
    try:
        entries = audit.numbered(str(path), warn)
    except OSError as error:
        raise UsageError(f"cannot read the audit log {path}: {error}") from None
    return [_logged(number, entry) for number, entry in entries]


def _logged(number: int, entry: dict[str, Any]) -> Logged:
    """An entry ``audit.numbered`` accepted: command, cwd and decision are there."""
    argv = entry.get("argv")
    request = Request(None, tuple(argv)) if argv is not None else Request(entry["command"], None)
    at = entry.get("time")
    return Logged(request, entry["cwd"], entry["decision"], number,
                  at if isinstance(at, str) else None)


Groups = dict[tuple[object, ...], tuple[Logged, int]]


def group(logged: Iterable[Logged], by_time: bool = False) -> Groups:
    """Lines with the same command, directory and old decision: the first one and a count
    (``by_time``: and the same logged time, for a policy with time windows)."""
    groups: Groups = {}
    for entry in logged:
        key = (*entry.key, entry.at) if by_time else entry.key
        found = groups.get(key)
        groups[key] = (entry, 1) if found is None else (found[0], found[1] + 1)
    return groups


def at_logged_time(decision: Decision, policy: Policy, entry: Logged) -> Decision:
    """The policy's time windows judged at the entry's logged time (rates are not: the
    counts of that moment are not in the log). An unreadable time leaves them out."""
    if entry.at is None or not policy.guarded:
        return decision
    from gatekeep.policy.guardrails import moment

    try:
        when = moment(entry.at)
    except ValueError:
        return decision
    return apply(decision, policy, when)


def replay(groups: Groups, batch: Batch, advance: Callable[[int], None]) -> Replay:
    """Decide each group's command under ``batch``'s policy; collect what changed."""
    changes = []
    for entry, count in groups.values():
        decision = at_logged_time(batch.decide(entry.request, entry.cwd), batch.policy, entry)
        if decision.decision != entry.decision:
            changes.append(Change(entry, decision, count))
        advance(1)
    total = sum(count for _, count in groups.values())
    return Replay(total, len(groups), tuple(changes))
