"""Guardrails judged purely: time windows and rate limits, with the moment and counts given."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gatekeep.core.engine import decide
from gatekeep.core.guardrails import Counts, apply, is_open, next_open, rate_keys
from gatekeep.core.paths import Context
from gatekeep.offline.batch import CachedResolver
from gatekeep.policy.guardrails import describe
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy, Window
from gatekeep.shell.parse import parse

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = Window("", days=(0, 1, 2, 3, 4), hours=((9 * 60, 18 * 60),), tz="Europe/Berlin")
NIGHTS = Window("", days=(4,), hours=((22 * 60, 6 * 60),), tz="Europe/Berlin")  # Fri night


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- windows ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("moment", "expected"), [
    ("2026-12-02T09:00:00+01:00", True),   # Wednesday, opening minute
    ("2026-12-02T17:59:59+01:00", True),
    ("2026-12-02T18:00:00+01:00", False),  # the end is not inside
    ("2026-12-02T03:00:00+01:00", False),
    ("2026-12-05T11:00:00+01:00", False),  # Saturday
    ("2026-12-02T08:30:00+00:00", True),   # 09:30 in Berlin, given in UTC
])
def test_office_hours(moment, expected):
    assert is_open(OFFICE, at(moment)) is expected


@pytest.mark.parametrize(("moment", "expected"), [
    ("2026-12-04T23:00:00+01:00", True),   # Friday 23:00
    ("2026-12-05T02:00:00+01:00", True),   # Saturday 02:00: the window Friday opened
    ("2026-12-05T06:00:00+01:00", False),
    ("2026-12-05T23:00:00+01:00", False),  # Saturday night: Saturday is not listed
    ("2026-12-04T02:00:00+01:00", False),  # Friday 02:00 belongs to Thursday's night
])
def test_a_window_across_midnight_belongs_to_the_day_it_opens(moment, expected):
    assert is_open(NIGHTS, at(moment)) is expected


def test_next_open_is_said_in_the_window_zone():
    opens = next_open(OFFICE, at("2026-12-04T19:00:00+01:00"))  # Friday evening

    assert opens is not None
    assert f"{opens:%a %Y-%m-%d %H:%M %Z}" == "Mon 2026-12-07 09:00 CET"


def test_spring_forward_window_keeps_wall_clock_hours():
    """On 2026-03-29 Berlin clocks jump from 02:00 to 03:00: 01:00-04:00 is two hours long."""
    window = Window("", hours=((60, 240),), tz="Europe/Berlin")

    assert is_open(window, at("2026-03-29T00:30:00+00:00"))  # 01:30 CET
    assert is_open(window, at("2026-03-29T01:30:00+00:00"))  # 03:30 CEST
    assert not is_open(window, at("2026-03-29T02:00:00+00:00"))  # 04:00 CEST


def test_fall_back_window_and_next_opening_across_the_change():
    """On 2026-10-25 03:00 CEST becomes 02:00 CET: 09:00 the next day is 08:00 UTC."""
    opens = next_open(OFFICE, at("2026-10-23T18:30:00+02:00"))  # Friday, after hours (CEST)

    assert opens is not None
    assert opens.isoformat() == "2026-10-26T09:00:00+01:00"
    assert opens.astimezone(timezone.utc).hour == 8
    assert is_open(OFFICE, at("2026-10-26T08:30:00+00:00"))
    assert not is_open(OFFICE, at("2026-10-26T07:30:00+00:00"))  # 08:30 CET


def test_excluded_dates_close_the_window_and_next_open_skips_them():
    freeze = OFFICE._replace(exclude=(("2026-12-21", "2027-01-04"),))

    assert not is_open(freeze, at("2026-12-22T10:00:00+01:00"))
    assert is_open(freeze, at("2026-12-18T10:00:00+01:00"))
    opens = next_open(freeze, at("2026-12-22T10:00:00+01:00"))
    assert opens is not None and opens.isoformat() == "2027-01-05T09:00:00+01:00"


def test_a_window_that_never_opens_has_no_next_opening():
    assert next_open(OFFICE._replace(days=()), at("2026-12-02T10:00:00+01:00")) is None
    assert next_open(OFFICE._replace(hours=((540, 540),)), at("2026-12-02T10:00:00+01:00")) \
        is None


def test_describe():
    window = OFFICE._replace(exclude=(("2026-12-24", "2026-12-24"), ("2026-12-28", "2027-01-02")))

    assert describe(window) == ("mon-fri 09:00-18:00 Europe/Berlin, except 2026-12-24, "
                                "2026-12-28..2027-01-02")


# -- applied to decisions ----------------------------------------------------------------------

POLICY = """\
gatekeep: 1
rules:
  - id: deploy
    allow: ["make deploy"]
    when: {days: mon-fri, hours: "09:00-18:00", tz: Europe/Berlin}
  - id: restarts
    allow: ["systemctl restart"]
    rate: 3/hour
  - id: per-command
    allow: ["echo"]
    rate: {limit: 1/minute, per: command, over: deny}
  - id: anything
    allow: [ls, "make"]
"""


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY)
    return load_policy(path, operator_dir=str(tmp_path / "config"))


def judged(policy: Policy, command: str, moment: str, counts: Counts = Counts()):
    context = Context(cwd="/w", home="/h", resolver=CachedResolver("/usr/bin:/bin", "/w"))
    return apply(decide(policy, parse(command), context), policy, at(moment), counts)


def test_outside_the_window_an_allow_becomes_ask_naming_the_window(policy):
    decision = judged(policy, "make deploy", "2026-12-02T03:00:00+01:00")

    assert decision.decision == "ask"
    segment = decision.segments[0]
    assert segment.rules == ("when:deploy",)
    assert segment.reason == ("outside the time window of rule 'deploy' (mon-fri 09:00-18:00 "
                              "Europe/Berlin); it opens next Wed 2026-12-02 09:00 CET")


def test_inside_the_window_the_allow_stands(policy):
    assert judged(policy, "make deploy", "2026-12-02T10:00:00+01:00").decision == "allow"


def test_another_allowing_rule_does_not_lift_the_window(policy):
    """``make`` alone is allowed by another rule; the deploy rule's window still applies."""
    assert judged(policy, "make deploy", "2026-12-05T10:00:00+01:00").decision == "ask"
    assert judged(policy, "make test", "2026-12-05T10:00:00+01:00").decision == "allow"


def test_past_the_rate_an_allow_becomes_ask_with_the_count(policy):
    now = at("2026-12-02T10:00:00+01:00")
    key = rate_keys(judged(policy, "systemctl restart app", "2026-12-02T10:00:00+01:00"),
                    [policy])[0]
    runs = tuple((now - timedelta(minutes=m)).timestamp() for m in (70, 50, 30, 10))
    decision = judged(policy, "systemctl restart app", "2026-12-02T10:00:00+01:00",
                      Counts({key: runs}))

    assert decision.decision == "ask"
    assert decision.segments[0].reason == (
        "3 runs in the last hour, limit 3/hour (rule 'restarts'); the next run is within the "
        "limit at 2026-12-02 10:10:00 UTC+01:00")


def test_under_the_rate_the_allow_stands(policy):
    assert judged(policy, "systemctl restart app", "2026-12-02T10:00:00+01:00",
                  Counts(simulated=2)).decision == "allow"


def test_per_command_counts_each_command_text_and_over_deny_denies(policy):
    first = rate_keys(judged(policy, "echo a", "2026-12-02T10:00:00+01:00"), [policy])
    second = rate_keys(judged(policy, "echo b", "2026-12-02T10:00:00+01:00"), [policy])
    assert first != second
    now = at("2026-12-02T10:00:00+01:00").timestamp()

    assert judged(policy, "echo a", "2026-12-02T10:00:00+01:00",
                  Counts({first[0]: (now - 5,)})).decision == "deny"
    assert judged(policy, "echo b", "2026-12-02T10:00:00+01:00",
                  Counts({first[0]: (now - 5,)})).decision == "allow"


def test_an_unreadable_counter_store_fails_closed(policy):
    decision = judged(policy, "systemctl restart app", "2026-12-02T10:00:00+01:00",
                      Counts(broken="DatabaseError: file is not a database"))

    assert decision.decision == "ask"
    assert "the run counter cannot be read" in (decision.segments[0].reason or "")


def test_a_guardrail_ask_cannot_be_saved_as_always(policy):
    decision = judged(policy, "make deploy", "2026-12-02T03:00:00+01:00")

    assert decision.segments[0].shape == "a guardrail's ask is approved one run at a time"


def test_a_policy_window_asks_every_allow(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("gatekeep: 1\nwhen: {hours: \"09:00-18:00\", tz: UTC}\n"
                    "rules:\n  - id: r\n    allow: [ls]\n")
    policy = load_policy(path, operator_dir=str(tmp_path / "config"))

    assert judged(policy, "ls", "2026-12-02T20:00:00+00:00").segments[0].rules == \
        ("when:policy",)
    assert judged(policy, "ls", "2026-12-02T10:00:00+00:00").decision == "allow"


def test_per_command_counts_a_command_however_it_is_spelled(policy):
    # quotes, backslashes and spacing change the text, not the command bash runs
    moment = "2026-12-02T10:00:00+01:00"
    first = rate_keys(judged(policy, "echo a", moment), [policy])
    now = at(moment).timestamp()
    for spelling in ("echo  a", "'echo' a", 'echo "a"', "echo \\a", "e'ch'o a"):
        assert rate_keys(judged(policy, spelling, moment), [policy]) == first, spelling
        assert judged(policy, spelling, moment,
                      Counts({first[0]: (now - 5,)})).decision == "deny", spelling
