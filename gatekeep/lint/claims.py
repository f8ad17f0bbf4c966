"""Reasons that say more than the effects: a rule's own words checked against its examples.

A rule's ``reason:`` is shown only for parts no effect describes (elsewhere the effects
say what the part does). Where it is shown, what it claims must hold: a reason that says
the part reaches the network, deletes, deploys, installs or changes running services is
checked, on every example of the policy where it is the reason shown, against the effects
gatekeep knows of that part. A claim no known effect backs is reported, so that a reason
cannot say what the knowledge does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from gatekeep.core.engine import SegmentDecision
from gatekeep.lint.model import WARNING, Finding
from gatekeep.offline.examples import Outcome
from gatekeep.policy.model import Policy


class Claim(NamedTuple):
    name: str  # what the reason says, as the finding names it
    words: re.Pattern[str]
    backed_by: frozenset[str]  # any one of these effects makes it true


CLAIMS = (
    Claim("reaches the network", re.compile(
        r"\b(reach(es)? the network|downloads?|uploads?|connects? to|remote commands?)\b"),
        frozenset({"network"})),
    Claim("deletes", re.compile(r"\b(delet\w*|destroy\w*|discard\w*|wipe\w*|eras\w+)\b"),
          frozenset({"writes-tree", "writes-elsewhere", "discards"})),
    Claim("deploys", re.compile(
        r"\b(deploys?|publish\w*|changes (deployments|infrastructure|deployed))\b"),
        frozenset({"deploys"})),
    Claim("installs", re.compile(r"\binstall(s|ing)?\b"), frozenset({"installs"})),
    Claim("changes running services", re.compile(
        r"\b(changes|starts|stops|signals|kills)\b[^;]*\b(services|processes)\b"),
        frozenset({"changes-services"})),
)


def claims(reason: str) -> tuple[Claim, ...]:
    """The claims a reason makes (``changes nothing`` after a semicolon claims nothing)."""
    return tuple(c for c in CLAIMS if c.words.search(reason.lower()))


def unbacked(segment: SegmentDecision) -> tuple[str, tuple[Claim, ...]] | None:
    """The rule whose own reason is shown for this part, and the claims of that reason no
    known effect of the part backs; None when the reason shown is not a rule's own."""
    if segment.reason_from != "rule":
        return None
    verdict = next(v for v in segment.deciding if v.reason)
    effects = set(segment.described[1]) if segment.described is not None else set()
    found = tuple(c for c in claims(verdict.reason or "") if not c.backed_by & effects)
    return (verdict.rule, found) if found else None


def claim_findings(policy: Policy, outcomes: Iterable[Outcome]) -> list[Finding]:
    """One finding per rule of the named file whose reason says, for a part one of its
    examples decides, what no effect of that part backs."""
    own = {rule.id: rule for rule in policy.rules if rule.file == policy.files[-1]}
    found: dict[str, Finding] = {}
    for outcome in outcomes:
        for segment in outcome.decision.segments:
            result = unbacked(segment)
            if result is None or result[0] not in own or result[0] in found:
                continue
            rule = own[result[0]]
            said = ", ".join(c.name for c in result[1])
            found[rule.id] = Finding(WARNING, "reason-claim", rule.file, rule.line, None, (
                f"rule {rule.id!r}: its reason says the part {said}, but for "
                f"{segment.text!r} (in the example {outcome.example.cmd!r}) no effect "
                "program knowledge gives says so; describe the program in programs.yaml "
                "(effects:) or say only what holds"))
    return list(found.values())
