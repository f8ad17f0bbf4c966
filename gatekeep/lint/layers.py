"""Loosenings: where the policy's own rules decide over a stricter rule it extends, and the
inherited denies and checks its ``overrides`` lift. Said as notes: they are what an operator's
policy is for, and the operator should see every one of them."""

from __future__ import annotations

from pathlib import Path

from gatekeep.lint.model import NOTE, WARNING, Finding
from gatekeep.lint.subsume import subsumes
from gatekeep.policy.keys import LIFTABLE_CHECKS
from gatekeep.policy.model import STRICTNESS, Policy, Rule


def loosenings(policy: Policy, own: str) -> list[Finding]:
    mine = [rule for rule in policy.rules if rule.file == own]
    inherited = [rule for rule in policy.rules if rule.layer > min(
        (r.layer for r in mine), default=0)]
    findings = [finding for rule in mine for finding in _over(policy, rule, inherited)]
    findings.extend(finding for rule in mine for finding in _lifts(rule, inherited))
    return findings


def _over(policy: Policy, rule: Rule, inherited: list[Rule]) -> list[Finding]:
    """Inherited stricter rules that match some command this rule matches."""
    found = []
    for other in inherited:
        if STRICTNESS[other.decision] <= STRICTNESS[rule.decision] or other.decision == "deny":
            continue  # a deny stays (unless named: see _lifts)
        if any(subsumes(a, b, policy.knowledge) or subsumes(b, a, policy.knowledge)
               for a in rule.patterns for b in other.patterns):
            found.append(_note(rule, "loosens", (
                f"rule {rule.id!r} ({rule.decision}) decides instead of the inherited "
                f"{other.id!r} ({other.decision}, {_short(other)}) for the commands both "
                "match")))
    return found


def _lifts(rule: Rule, inherited: list[Rule]) -> list[Finding]:
    denies = {r.id: r for r in inherited if r.decision == "deny"}
    found = []
    for name in rule.overrides:
        if name in denies:
            found.append(_note(rule, "lifts", (
                f"rule {rule.id!r} lifts the inherited deny {name!r} "
                f"({_short(denies[name])}) where it matches")))
        elif name in LIFTABLE_CHECKS:
            found.append(_note(rule, "lifts", f"rule {rule.id!r} lifts the check {name!r} "
                               "where it matches"))
        else:
            found.append(Finding(WARNING, "unknown-override", rule.file, rule.line, None, (
                f"rule {rule.id!r}: overrides names {name!r}, which is neither an inherited "
                f"deny rule nor one of the checks {', '.join(LIFTABLE_CHECKS)}; it lifts "
                "nothing")))
    return found


def _note(rule: Rule, code: str, message: str) -> Finding:
    return Finding(NOTE, code, rule.file, rule.line, None, message)


def _short(rule: Rule) -> str:
    return f"{Path(rule.file).name}:{rule.line}"
