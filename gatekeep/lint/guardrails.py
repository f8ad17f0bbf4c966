"""Lint checks of guardrails: a time window that never opens, a rate that allows nothing.

Such a guardrail loads (the operator may mean it for a while), but it turns every allow
of its rule, or of the whole policy, into ask: worth saying out loud.
"""

from __future__ import annotations

from datetime import datetime

from gatekeep.core.guardrails import next_open
from gatekeep.lint.model import ERROR, WARNING, Finding
from gatekeep.policy.model import Policy, Rule, Window


def guardrail_findings(policy: Policy, own: str, now: datetime | None = None) -> list[Finding]:
    """Findings for the named file's guardrails; windows are searched from ``now``."""
    moment = now or datetime.now().astimezone()
    findings = []
    if policy.when is not None and own == policy.files[-1]:
        findings.extend(_window(policy.when, "the policy's 'when'", own, None, moment))
    for rule in policy.rules:
        if rule.file != own:
            continue
        if rule.when is not None:
            findings.extend(_window(rule.when, f"rule {rule.id!r}: 'when'", own, rule.line,
                                    moment))
        if rule.rate is not None and rule.rate.limit == 0:
            findings.append(_never(rule, f"rule {rule.id!r}: rate {rule.rate.text} allows no "
                                   "run: every run is asked"))
    return findings


def _never(rule: Rule, message: str) -> Finding:
    return Finding(ERROR, "guardrail-never-met", rule.file, rule.line, None, message)


def _window(window: Window, what: str, file: str, line: int | None,
            now: datetime) -> list[Finding]:
    found = [Finding(WARNING, "empty-hours", file, line, None,
                     f"{what}: hours {a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d} "
                     "start and end at the same time: that range is never open")
             for a, b in window.hours if a == b]
    if not window.days:
        reason = "it names no day"
    elif all(a == b for a, b in window.hours):
        reason = "every range of hours is empty"
    elif next_open(window, now) is None:
        reason = "it does not open within a year (its excluded dates cover it)"
    else:
        return found
    return [*found, Finding(ERROR, "guardrail-never-met", file, line, None,
                            f"{what} ({window.text}) never opens: {reason}; every allow it "
                            "guards is asked")]
