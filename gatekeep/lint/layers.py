"""Loosenings: where the policy's own rules decide over a stricter rule it extends, and the
inherited denies and checks its ``overrides`` lift. Said as notes: they are what an operator's
policy is for, and the operator should see every one of them."""

from __future__ import annotations

from pathlib import Path

from gatekeep.lint.model import NOTE, WARNING, Finding
from gatekeep.lint.subsume import subsumes
from gatekeep.policy.keys import LIFTABLE_CHECKS
from gatekeep.policy.model import STRICTNESS, Pattern, Policy, Rule
from gatekeep.shell.knowledge import Knowledge


def loosenings(policy: Policy, own: str) -> list[Finding]:
    mine = [rule for rule in policy.rules if rule.file == own]
    inherited = [rule for rule in policy.rules if rule.layer > min(
        (r.layer for r in mine), default=0)]
    names = _Names(policy.knowledge)
    findings = [finding for rule in mine for finding in _over(policy, rule, inherited, names)]
    findings.extend(finding for rule in mine for finding in _lifts(rule, inherited))
    return findings


def _over(policy: Policy, rule: Rule, inherited: list[Rule], names: _Names) -> list[Finding]:
    """Inherited stricter rules that match some command this rule matches."""
    found = []
    for other in inherited:
        if STRICTNESS[other.decision] <= STRICTNESS[rule.decision] or other.decision == "deny":
            continue  # a deny stays (unless named: see _lifts)
        if any(subsumes(a, b, policy.knowledge) or subsumes(b, a, policy.knowledge)
               for a in rule.patterns for b in other.patterns if names.may_meet(a, b)):
            found.append(_note(rule, "loosens", (
                f"rule {rule.id!r} ({rule.decision}) decides instead of the inherited "
                f"{other.id!r} ({other.decision}, {_short(other)}) for the commands both "
                "match")))
    return found


class _Names(dict[Pattern, frozenset[str] | None]):
    """Each pattern's program as the engine may look it up: its name and its canonical
    name (``python3`` is ``python``); None for a glob.

    One pattern covers another only if the program of one is the other's or its canonical
    name (``subsumes``), so two patterns whose names share none never do: a set
    comparison, instead of comparing every inherited pattern with every own one.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        super().__init__()
        self.knowledge = knowledge

    def __missing__(self, pattern: Pattern) -> frozenset[str] | None:
        program = pattern.program
        found = self[pattern] = frozenset({program.text, self.knowledge.spec(program.text).name}) \
            if program.literal else None
        return found

    def may_meet(self, one: Pattern, other: Pattern) -> bool:
        mine, theirs = self[one], self[other]
        return mine is None or theirs is None or not mine.isdisjoint(theirs)


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
