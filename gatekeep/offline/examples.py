"""Running a policy's examples (``tests:`` and case files) and measuring rule coverage.

A rule is *covered* when, in the decision of at least one example, it is among the
rules that decided some part of the command: it matched that part, and nothing
stricter did. A rule that only ever matches beside a stricter one is not covered.
Examples and coverage belong to the named file; the files it extends are tested
on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from gatekeep.core.engine import Decision
from gatekeep.core.guardrails import Counts, apply
from gatekeep.core.inputs import Request
from gatekeep.offline.batch import Batch, Places, example_cwd
from gatekeep.policy.model import Example, Policy, Rule


class Outcome(NamedTuple):
    example: Example
    decision: Decision

    @property
    def passed(self) -> bool:
        return self.decision.decision == self.example.expect


class Coverage(NamedTuple):
    rules: tuple[Rule, ...]
    covered: frozenset[str]

    @property
    def uncovered(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.id not in self.covered)

    @property
    def percent(self) -> float:
        if not self.rules:
            return 100.0
        return 100.0 * (len(self.rules) - len(self.uncovered)) / len(self.rules)


class Report(NamedTuple):
    """One policy's examples, their outcomes and its rule coverage."""

    policy: Policy
    outcomes: tuple[Outcome, ...]
    coverage: Coverage

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


def own_rules(policy: Policy) -> tuple[Rule, ...]:
    """The rules written in the named file (not in the files it extends)."""
    return tuple(rule for rule in policy.rules if rule.file == policy.files[-1])


def policy_examples(policy: Policy) -> tuple[Example, ...]:
    """The named file's ``tests:``, then its rules', in the order of the rules.

    An extended file's examples describe that file alone (test it on its own): a
    policy that tightens it may rightly change their decisions.
    """
    return policy.tests + tuple(example for rule in own_rules(policy) for example in rule.tests)


def run_examples(policy: Policy, examples: Iterable[Example], places: Places,
                 advance: Callable[[int], None]) -> Report:
    batch = Batch(policy, places)
    outcomes = []
    for example in examples:
        cwd = example_cwd(example.cwd, places)
        decision = batch.decide(Request(example.cmd, None), cwd)
        outcomes.append(Outcome(example, guarded(decision, policy, example)))
        advance(1)
    return Report(policy, tuple(outcomes), coverage(policy, outcomes))


def guarded(decision: Decision, policy: Policy, example: Example) -> Decision:
    """The decision with the policy's guardrails judged at the example's ``at``, with its
    ``count`` runs in every rate counter; an example without ``at`` leaves them out, so it
    decides the same whenever it runs."""
    if example.at is None:
        return decision
    from gatekeep.policy.guardrails import moment

    return apply(decision, policy, moment(example.at), Counts(simulated=example.counted or 0))


def coverage(policy: Policy, outcomes: Iterable[Outcome]) -> Coverage:
    """A guardrail that decided (``when:ID``, ``rate:ID``) covers its rule."""
    deciding = {rule.split(":", 1)[1] if rule.startswith(("when:", "rate:")) else rule
                for o in outcomes for s in o.decision.segments for rule in s.rules}
    rules = own_rules(policy)
    return Coverage(rules, frozenset(deciding & {rule.id for rule in rules}))
