"""Loading guardrails: ``when``, ``rate``, ``mode`` and the ``at``/``count`` of examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Rate, Window


def rule(guard: str, decision: str = "allow") -> str:
    return f"gatekeep: 1\nrules:\n  - id: r\n    {decision}: [ls]\n    {guard}\n"


def load_error(path: Path) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(path, operator_dir=str(path.parent / "config"))
    return str(caught.value)


def test_a_window_in_every_form(write_policy):
    path = write_policy("p.yaml", rule(
        'when: {days: [mon, "wed-thu", sat], hours: ["22:00-06:00", "12:00-13:00"], '
        'tz: America/New_York, exclude: [2026-12-24, "2026-12-28..2027-01-02"]}'))

    loaded = load_policy(path).rules[0].when

    assert loaded == Window(
        "mon,wed-thu,sat 22:00-06:00, 12:00-13:00 America/New_York, except 2026-12-24, "
        "2026-12-28..2027-01-02", (0, 2, 3, 5), ((1320, 360), (720, 780)), "America/New_York",
        (("2026-12-24", "2026-12-24"), ("2026-12-28", "2027-01-02")))


def test_days_wrap_around_the_week_and_hours_may_end_at_midnight(write_policy):
    path = write_policy("p.yaml", rule('when: {days: fri-mon, hours: "18:00-24:00"}'))

    loaded = load_policy(path).rules[0].when

    assert loaded is not None
    assert (loaded.days, loaded.hours) == ((0, 4, 5, 6), ((1080, 1440),))


@pytest.mark.parametrize(("rate", "expected"), [
    ("3/hour", Rate("3/hour", 3, 3600)),
    ("'10 / minute'", Rate("10/minute", 10, 60)),
    ("{limit: 1/day, per: command, over: deny}", Rate("1/day", 1, 86400, "command", "deny")),
])
def test_rates(write_policy, rate, expected):
    path = write_policy("p.yaml", rule(f"rate: {rate}"))

    assert load_policy(path).rules[0].rate == expected


@pytest.mark.parametrize(("guard", "message"), [
    ("when: {tz: Mars/Olympus}", "5:16: rules[0].when.tz: unknown time zone 'Mars/Olympus' "
     "(an IANA name such as Europe/Berlin or UTC)"),
    ('when: {hours: "9-17"}', "5:19: rules[0].when.hours: expected hours such as "
     "\"09:00-18:00\", got '9-17'"),
    ('when: {hours: "09:00-25:00"}', "5:19: rules[0].when.hours: hours run from 00:00 to "
     "24:00, got '09:00-25:00'"),
    ("when: {days: weekdays}", "5:18: rules[0].when.days: expected days such as mon-fri or "
     "sat, got 'weekdays'"),
    ("when: {exclude: 2026-12-31..2026-12-01}", "5:21: rules[0].when.exclude: the range ends "
     "before it starts: '2026-12-31..2026-12-01'"),
    ("when: {}", "5:11: rules[0].when: 'when' needs at least one of days, exclude, hours, tz"),
    ("when: {dayz: mon}", "5:12: rules[0].when.dayz: unknown key 'dayz' (did you mean "
     "'days'?); expected one of: days, exclude, hours, tz"),
    ("rate: 3/week", "5:11: rules[0].rate: expected a rate such as 3/hour (per minute, hour "
     "or day), got '3/week'"),
    ("rate: {per: command}", "5:11: rules[0].rate: a rate mapping needs 'limit' (such as "
     "3/hour)"),
])
def test_guardrail_errors_name_the_place(write_policy, guard, message):
    path = write_policy("p.yaml", rule(guard))

    assert load_error(path) == f"{path}:{message}"


def test_a_guardrail_only_guards_an_allow(write_policy):
    path = write_policy("p.yaml", rule("rate: 3/hour", decision="deny"))

    assert load_error(path) == (f"{path}:5:11: rules[0].rate: 'rate' guards an allow; rule "
                                "'r' says deny")


def test_mode_is_for_the_operator_policy_only(write_policy, tmp_path):
    text = "gatekeep: 1\nmode: observe\n"
    project = write_policy("project/p.yaml", text)
    operator = write_policy("config/policy.yaml", text)

    assert load_error(project) == (
        f"{project}:2:7: mode: 'mode' is for the operator's own policy only: a project policy, "
        "--policy or GATEKEEP_POLICY may only tighten")
    assert load_policy(operator, operator_dir=str(tmp_path / "config")).mode == "observe"
    assert load_policy("builtin:default").mode == "enforce"


def test_a_policy_window_is_inherited_and_replaced_by_the_extending_file(write_policy, tmp_path):
    write_policy("base.yaml", 'gatekeep: 1\nwhen: {hours: "09:00-18:00"}\n')
    child = write_policy("child.yaml", "gatekeep: 1\nextends: base.yaml\n")
    override = write_policy("over.yaml", "gatekeep: 1\nextends: base.yaml\nwhen: {days: sat}\n")

    inherited = load_policy(child).when
    replaced = load_policy(override).when
    assert inherited is not None and inherited.hours == ((540, 1080),)
    assert replaced is not None and replaced.days == (5,)


def test_examples_take_at_and_count(write_policy):
    path = write_policy("p.yaml", "gatekeep: 1\ntests:\n  - {cmd: ls, expect: allow, "
                        "at: 2026-12-02T03:00:00+01:00, count: 2}\n")
    bad_at = write_policy("b.yaml", "gatekeep: 1\ntests:\n  - {cmd: ls, expect: allow, "
                          "at: tomorrow}\n")
    count_alone = write_policy("c.yaml", "gatekeep: 1\ntests:\n  - {cmd: ls, expect: allow, "
                               "count: 2}\n")

    example = load_policy(path).tests[0]
    assert (example.at, example.counted) == ("2026-12-02T03:00:00+01:00", 2)
    assert load_error(bad_at) == (f"{bad_at}:3:34: tests[0].at: expected an ISO 8601 time "
                                  "such as 2026-12-02T03:00:00+01:00, got 'tomorrow'")
    assert load_error(count_alone) == (f"{count_alone}:3:37: tests[0].count: 'count' needs "
                                       "'at': guardrails are judged at a moment")


def test_a_guarded_policy_survives_the_compiled_policy_cache(write_policy, tmp_path):
    from gatekeep.policy.plain import decode_policy, encode

    path = write_policy("p.yaml", rule('when: {days: mon-fri, tz: UTC}\n    rate: 3/hour')
                        .replace("rules:", 'when: {hours: "09:00-18:00"}\nrules:'))
    policy = load_policy(path)

    assert decode_policy(encode(policy)) == policy
