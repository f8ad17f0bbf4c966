"""The guardrail keys of a policy: ``when:`` (a time window), ``rate:`` and ``mode:``.

Validated here into ``Window`` and ``Rate`` values (gatekeep.policy.model); judged by
gatekeep.core.guardrails. A window that can never open or a rate of 0 loads (the
operator may mean it for a while) and ``gatekeep lint`` reports it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import yaml

from gatekeep.policy.keys import RATE_KEYS, WHEN_KEYS
from gatekeep.policy.model import Rate, Window
from gatekeep.policy.yamlsource import Located

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_HOURS = re.compile(r"^([0-2]?\d):([0-5]\d)\s*-\s*([0-2]?\d):([0-5]\d)$")
_RATE = re.compile(r"^(\d{1,9})\s*/\s*(minute|hour|day)$")


def raw(located: Located) -> str:
    """A scalar as written: YAML would read 2026-12-24 as a date, not as the text."""
    if not isinstance(located.node, yaml.ScalarNode) or not str(located.node.value).strip():
        raise located.error("expected a single non-empty value")
    return str(located.node.value).strip()


def load_when(located: Located) -> Window:
    fields = located.mapping(WHEN_KEYS)
    if not fields:
        raise located.error(f"'when' needs at least one of {', '.join(sorted(WHEN_KEYS))}")
    window = Window("")
    if "days" in fields:
        window = window._replace(days=_days(fields["days"]))
    if "hours" in fields:
        window = window._replace(hours=tuple(_hours(item) for item in fields["hours"].items()))
    if "tz" in fields:
        window = window._replace(tz=_zone(fields["tz"]))
    if "exclude" in fields:
        window = window._replace(exclude=tuple(_dates(i) for i in fields["exclude"].items()))
    return window._replace(text=describe(window))


def _days(located: Located) -> tuple[int, ...]:
    """``mon-fri``, ``[mon, wed, fri]``, ``sat-sun`` or a mix; ``[]``: no day."""
    found: list[int] = []
    for item in located.items() if not _empty_list(located) else ():
        for part in raw(item).lower().replace(" ", "").split(","):
            first, _, last = part.partition("-")
            if first not in DAY_NAMES or (last and last not in DAY_NAMES):
                raise item.error(f"expected days such as mon-fri or sat, got {part!r}")
            start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            found.extend(span)
    return tuple(sorted(set(found)))


def _empty_list(located: Located) -> bool:
    return isinstance(located.node, yaml.SequenceNode) and not located.node.value


def _hours(located: Located) -> tuple[int, int]:
    """``"09:00-18:00"`` as minutes; an end before the start runs across midnight."""
    text = raw(located)
    match = _HOURS.match(text)
    if match is None:
        raise located.error(f"expected hours such as \"09:00-18:00\", got {text!r}")
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start >= 1440 or end > 1440:
        raise located.error(f"hours run from 00:00 to 24:00, got {text!r}")
    return start, end


def _zone(located: Located) -> str:
    """An IANA zone name that this machine's zone database knows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = raw(located)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise located.error(f"unknown time zone {name!r} (an IANA name such as "
                            "Europe/Berlin or UTC)") from None
    return name


def _dates(located: Located) -> tuple[str, str]:
    """A date, or an inclusive range ``2026-12-20..2027-01-06``."""
    text = raw(located)
    first, _, last = text.partition("..")
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
    except ValueError:
        raise located.error(f"expected a date (2026-12-24) or a range "
                            f"(2026-12-20..2027-01-06), got {text!r}") from None
    if end < start:
        raise located.error(f"the range ends before it starts: {text!r}")
    return start.isoformat(), end.isoformat()


def describe(window: Window) -> str:
    """The window as the explanation names it: ``mon-fri 09:00-18:00 Europe/Berlin``."""
    parts = [_days_text(window.days)] if window.days != tuple(range(7)) else []
    if window.hours != ((0, 1440),):
        parts.append(", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in window.hours))
    parts.append(window.tz or "local time")
    text = " ".join(parts)
    if window.exclude:
        text += ", except " + ", ".join(a if a == b else f"{a}..{b}" for a, b in window.exclude)
    return text


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days_text(days: tuple[int, ...]) -> str:
    if not days:
        return "no day"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}"
                    for r in runs)


def load_rate(located: Located) -> Rate:
    """``3/hour``, or ``{limit: 3/hour, per: command, over: deny}``."""
    if isinstance(located.node, yaml.MappingNode):
        fields = located.mapping(RATE_KEYS)
        if "limit" not in fields:
            raise located.error("a rate mapping needs 'limit' (such as 3/hour)")
        rate = _limit(fields["limit"])
        if "per" in fields:
            rate = rate._replace(per=fields["per"].choice(("rule", "command")))
        if "over" in fields:
            rate = rate._replace(over=fields["over"].choice(("ask", "deny")))
        return rate
    return _limit(located)


def _limit(located: Located) -> Rate:
    text = raw(located)
    match = _RATE.match(text)
    if match is None:
        raise located.error(f"expected a rate such as 3/hour (per minute, hour or day), "
                            f"got {text!r}")
    return Rate(f"{int(match[1])}/{match[2]}", int(match[1]), _UNITS[match[2]])


def load_at(located: Located) -> str:
    """An ISO 8601 moment (``2026-12-02T03:00:00+01:00``); without an offset, local time."""
    text = raw(located)
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise located.error(f"expected an ISO 8601 time such as 2026-12-02T03:00:00+01:00, "
                            f"got {text!r}") from None
    return text


def moment(text: str) -> datetime:
    """An ``at`` value as an aware datetime (local time when it names no offset)."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.astimezone()
