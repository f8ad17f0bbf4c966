"""Guardrails: time windows (``when:``) and rate limits (``rate:``) applied to a decision.

Pure, like ``decide()``: the moment and the run counts are inputs, read by the caller
(``gatekeep.runtime.counters``). An allow whose guardrail is not met becomes ask (a rate
may say deny); the verdict added names the guardrail and when it is next met. A part
already asked gets the verdict too (an approval of it is then one run at a time, and a
rate's deny still denies); a denied part is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo

from gatekeep.core.engine import Decision, SegmentDecision, Verdict
from gatekeep.policy.model import Policy, Rate, Rule, Window, strictest
from gatekeep.sandbox.records import NamedTuple

UNITS = {"minute": 60, "hour": 3600, "day": 86400}
ONCE = "a guardrail's ask is approved one run at a time"
_HORIZON = 400  # days searched for the next opening of a window


class Counts(NamedTuple):
    """Past runs per counter key (their times), or a simulated count for every key.

    ``broken`` says why the counter store could not be read: every rate then fails closed.
    """

    times: Mapping[str, tuple[float, ...]] = {}
    simulated: int | None = None
    broken: str | None = None

    def within(self, key: str, since: float) -> tuple[float, ...]:
        if self.simulated is not None:
            return (since,) * self.simulated
        return tuple(sorted(t for t in self.times.get(key, ()) if t > since))


NO_COUNTS = Counts()


# -- time windows ------------------------------------------------------------------------

def window_zone(window: Window, now: datetime) -> tzinfo:
    """The window's zone (``tz``), or the zone ``now`` is given in."""
    if window.tz:
        from zoneinfo import ZoneInfo

        return ZoneInfo(window.tz)
    return now.tzinfo or timezone.utc


def _spans(window: Window, day: date, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """The window's open spans that start on ``day`` (local), as UTC instants."""
    if day.weekday() not in window.days or _excluded(window, day):
        return []
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    spans = []
    for start, end in window.hours:
        if start == end:
            continue  # empty: lint says so
        finish = end + 1440 if end < start else end
        # wall-clock arithmetic first, then UTC: an hour of a DST change is as on the clock
        opened = _instant(midnight + timedelta(minutes=start))
        closes = _instant(_wall(day, finish, zone))
        spans.append((opened, closes))
    return spans


def _wall(day: date, minutes: int, zone: tzinfo) -> datetime:
    later = day + timedelta(days=minutes // 1440)
    minute = minutes % 1440
    return datetime(later.year, later.month, later.day, minute // 60, minute % 60, tzinfo=zone)


def _instant(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def _excluded(window: Window, day: date) -> bool:
    text = day.isoformat()
    return any(first <= text <= last for first, last in window.exclude)


def is_open(window: Window, now: datetime) -> bool:
    """Whether ``now`` (an aware datetime) falls inside the window."""
    zone = window_zone(window, now)
    local = now.astimezone(zone)
    if _excluded(window, local.date()):
        return False
    moment = _instant(now)
    return any(opened <= moment < closes
               for back in (0, 1) for opened, closes in
               _spans(window, local.date() - timedelta(days=back), zone))


def next_open(window: Window, now: datetime) -> datetime | None:
    """The next moment after ``now`` the window opens (in its zone), within about a year."""
    zone = window_zone(window, now)
    day = now.astimezone(zone).date() - timedelta(days=1)
    moment = _instant(now)
    for offset in range(_HORIZON):
        starts = sorted(opened for opened, _ in _spans(window, day + timedelta(days=offset), zone)
                        if opened > moment)
        if starts:
            return starts[0].astimezone(zone)
    return None


def _closed(rule: str, owner: str, window: Window, now: datetime) -> Verdict:
    try:
        opens = next_open(window, now)
    except (ValueError, OSError):  # a zone that vanished since the policy was loaded
        opens = None
    when = f"it opens next {opens:%a %Y-%m-%d %H:%M %Z}" if opens is not None \
        else "it does not open within a year"
    return Verdict(rule, "ask", f"outside the time window of {owner} ({window.text}); {when}",
                   "run it inside the window, or ask the operator to approve this run")


def _window_open(window: Window, now: datetime) -> bool:
    try:
        return is_open(window, now)
    except (ValueError, OSError):  # an unknown zone: the window is not known to be open
        return False


# -- rate limits ---------------------------------------------------------------------------

def rate_key(rule: Rule, segment: str) -> str:
    """The counter a run of ``rule`` counts in: the rule's, or its command's words'."""
    assert rule.rate is not None
    base = f"{rule.file}\0{rule.id}"
    return f"{base}\0{_words(segment)}" if rule.rate.per == "command" else base


def _words(text: str) -> str:
    """The command's words: ``'echo'  a`` is ``echo a`` again, not a fresh counter."""
    import shlex  # here: only a rate counted per command needs it

    try:
        return "\0".join(shlex.split(text))
    except ValueError:  # text shlex cannot split counts as itself
        return text


def rate_unit(rate: Rate) -> str:
    return next((name for name, seconds in UNITS.items() if seconds == rate.seconds),
                f"{rate.seconds} s")


def _over(rule: Rule, segment: str, now: datetime, counts: Counts) -> Verdict | None:
    rate = rule.rate
    assert rate is not None
    name = f"rate:{rule.id}"
    if counts.broken is not None:
        return Verdict(name, "ask", f"rule {rule.id!r} has a rate limit ({rate.text}) and the "
                       f"run counter cannot be read: {counts.broken}",
                       "ask the operator to approve this run, or to repair the counter store")
    since = now.timestamp() - rate.seconds
    runs = counts.within(rate_key(rule, segment), since)
    if len(runs) < rate.limit:
        return None
    unit = rate_unit(rate)
    what = "runs of this command" if rate.per == "command" else "runs"
    reason = (f"{len(runs)} {what} in the last {unit}, limit {rate.text} (rule {rule.id!r})")
    if counts.simulated is None and runs:
        frees = datetime.fromtimestamp(runs[len(runs) - rate.limit] + rate.seconds,
                                       now.tzinfo or timezone.utc)
        reason += f"; the next run is within the limit at {frees:%Y-%m-%d %H:%M:%S %Z}"
    return Verdict(name, rate.over, reason, "wait, or ask the operator to approve this run")


# -- applying them -------------------------------------------------------------------------

def rule_index(policies: Iterable[Policy]) -> dict[tuple[str, str], Rule]:
    """Guarded rules by ``(id, file:line)``: how a verdict names the rule it came from."""
    return {(rule.id, rule.source): rule for policy in policies for rule in policy.rules
            if rule.when is not None or rule.rate is not None}


def _allowing(segment: SegmentDecision, index: Mapping[tuple[str, str], Rule]) -> list[Rule]:
    found = [index.get((v.rule, v.source or "")) for v in segment.verdicts
             if v.decision == "allow"]
    return list({rule.source: rule for rule in found if rule is not None}.values())


def apply(decision: Decision, policy: Policy, now: datetime, counts: Counts = NO_COUNTS
          ) -> Decision:
    """``decision`` (made under ``policy``) with the policy's guardrails judged at ``now``."""
    if not policy.guarded:
        return decision
    index = rule_index([policy])
    segments = tuple(_segment(s, policy, index, now, counts) for s in decision.segments)
    overall = strictest(*(s.decision for s in segments))
    return decision._replace(decision=overall, segments=segments)


def _segment(segment: SegmentDecision, policy: Policy, index: Mapping[tuple[str, str], Rule],
             now: datetime, counts: Counts) -> SegmentDecision:
    if segment.decision == "deny":
        return segment
    verdicts = []
    if policy.when is not None and not _window_open(policy.when, now):
        verdicts.append(_closed("when:policy", "the policy", policy.when, now))
    for rule in _allowing(segment, index):
        if rule.when is not None and not _window_open(rule.when, now):
            verdicts.append(_closed(f"when:{rule.id}", f"rule {rule.id!r}", rule.when, now))
        over = _over(rule, segment.text, now, counts) if rule.rate is not None else None
        if over is not None:
            verdicts.append(over)
    if not verdicts:
        return segment
    return segment._replace(decision=strictest(segment.decision, *(v.decision for v in verdicts)),
                            verdicts=(*segment.verdicts, *verdicts), shape=ONCE)


def rate_keys(decision: Decision, policies: Iterable[Policy]) -> tuple[str, ...]:
    """The counters a run of ``decision`` counts in: every rate-limited rule that allowed a
    part of it."""
    index = rule_index(policies)
    keys = [rate_key(rule, segment.text) for segment in decision.segments
            for rule in _allowing(segment, index) if rule.rate is not None]
    return tuple(dict.fromkeys(keys))

