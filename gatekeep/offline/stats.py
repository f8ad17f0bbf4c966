"""What an audit log says in aggregate, and the allow rules it suggests.

Entries are what ``gatekeep.runtime.audit.read`` returns (decision records with their end
merged in). A suggestion is made for a command the operator was asked about and approved
at least ``least`` times and never refused: the narrowest rule the policy format has for it
(its exact words as a pattern), printed for the operator to paste, never applied.
"""

from __future__ import annotations

import math
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from gatekeep.text import visible

_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:=@%+,-]+")


class Stats(NamedTuple):
    per_rule: tuple[tuple[str, int], ...]
    per_day: tuple[tuple[str, dict[str, int]], ...]
    most_asked: tuple[tuple[str, int], ...]
    answers: tuple[tuple[str, int], ...]
    waited: tuple[float, ...]  # seconds each answered question took


class Suggestion(NamedTuple):
    command: str
    approved: int
    rules: tuple[str, ...]  # the rules that asked

    @property
    def rule_id(self) -> str:
        return "allow-" + re.sub(r"[^a-z0-9]+", "-", self.command.lower()).strip("-")[:60]

    def yaml(self) -> str:
        quoted = '"' + self.command.replace("\\", "\\\\").replace('"', '\\"') + '"'
        # rule ids come from policies, a project's among them: made visible, so that a
        # newline in one cannot end the comment and add lines to what the operator pastes
        asked_by = visible(", ".join(self.rules))
        return (f"  # approved {self.approved} times; asked by {asked_by}\n"
                f"  - id: {self.rule_id}\n"
                f"    allow: [{quoted}]\n"
                f"    tests:\n"
                f"      - {{cmd: {quoted}, expect: allow}}\n")


def stats(entries: Sequence[dict[str, Any]], top: int = 10) -> Stats:
    per_rule: Counter[str] = Counter(r for e in entries for r in e.get("rules") or ["(none)"])
    days: dict[str, Counter[str]] = {}
    for entry in entries:
        day = str(entry.get("time") or "unknown")[:10]
        days.setdefault(day, Counter())[entry["decision"]] += 1
    asked = Counter(e["command"] for e in entries if e["decision"] == "ask")
    operators = [e["operator"] for e in entries if isinstance(e.get("operator"), dict)]
    answers = Counter(str(o.get("choice", "?")) + " (" + str(o.get("answer", "?")) + ")"
                      for o in operators)
    waited = tuple(seconds for o in operators if o.get("answer") != "agent"
                   and (seconds := _seconds(o.get("waited"))) is not None)
    per_day = tuple((day, dict(counts)) for day, counts in sorted(days.items()))
    return Stats(tuple(per_rule.most_common()), per_day, tuple(asked.most_common(top)),
                 tuple(answers.most_common()), waited)


def _seconds(value: object) -> float | None:
    """A time waited as a reader can sum it: a finite number of seconds, else None (an
    integer too large for a float, or NaN, in an edited line must not stop the report)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) else None


def median(values: Iterable[float]) -> float:
    """The middle value, or the mean of the two middle ones (0.0 for none): as
    ``statistics.median``, whose import (``fractions``, ``decimal``) costs ~3 ms."""
    found = sorted(values)
    middle = len(found) // 2
    if not found:
        return 0.0
    return found[middle] if len(found) % 2 else (found[middle - 1] + found[middle]) / 2


def suggestions(entries: Sequence[dict[str, Any]], least: int = 3) -> list[Suggestion]:
    """Commands asked and approved ``least`` times or more and never refused, as rules."""
    approved: Counter[str] = Counter()
    refused: set[str] = set()
    rules: dict[str, set[str]] = {}
    for entry in entries:
        operator = entry.get("operator")
        if entry["decision"] != "ask" or not isinstance(operator, dict) \
                or operator.get("answer") == "agent":
            continue
        command = entry["command"]
        if operator.get("choice") in ("run", "always"):
            approved[command] += 1
            rules.setdefault(command, set()).update(entry.get("rules") or ())
        else:
            refused.add(command)
    return [Suggestion(command, count, tuple(sorted(rules[command])))
            for command, count in approved.most_common()
            if count >= least and command not in refused and simple(command)]


def simple(command: str) -> bool:
    """One simple command of plain words: a pattern of its words matches just it (and
    longer forms of it), with nothing a shell would expand or join."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return bool(words) and shlex.join(words) == command \
        and all(_PLAIN_WORD.fullmatch(word) for word in words)
