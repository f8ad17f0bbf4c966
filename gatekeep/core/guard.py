"""Judging with guardrails: the clock and the run counters read here, applied purely.

``run`` and ``hook`` decide through :func:`judge`: every policy's decision, with its
guardrails applied at ``now`` (gatekeep.core.guardrails), combined. Rate counts come
from the store (gatekeep.runtime.counters), read and, for an allowed run, added to in
one locked transaction; ``check`` passes counts of its own or reads without counting.
"""

from __future__ import annotations

from datetime import datetime

from gatekeep.core.engine import Decision, combine, decide
from gatekeep.core.guardrails import NO_COUNTS, Counts, apply, rate_keys
from gatekeep.core.paths import Context
from gatekeep.policy.model import Policy
from gatekeep.shell.model import ParsedCommand


def judge(policies: list[Policy], parsed: ParsedCommand, ctx: Context, now: datetime,
          state_dir: str, counts: Counts | None = None, reserve: bool = True) -> Decision:
    """The decision ``run`` acts on: every policy's, guardrails applied at ``now``, combined.

    Without ``counts`` the store's are used; with ``reserve`` an allowed run is counted
    in the same transaction that read them.
    """
    decisions = [decide(policy, parsed, ctx) for policy in policies]
    if not any(policy.guarded for policy in policies):
        return combine(decisions)
    keys = tuple(k for d in decisions for k in rate_keys(d, policies))
    if counts is not None or not keys:
        return _guarded(decisions, policies, now, counts or NO_COUNTS)
    import sqlite3  # only when a rate is at stake: start-up stays fast

    from gatekeep.runtime.counters import CounterError, add, history, transaction

    try:
        with transaction(state_dir) as db:
            applied = _applied(decisions, policies, now, Counts(history(db, keys)))
            found = combine(applied)
            if reserve and found.decision == "allow":
                # every policy's rate-limited rules count, whichever decision combine kept
                add(db, tuple(dict.fromkeys(k for d in applied for k in rate_keys(d, policies))),
                    now.timestamp())
            return found
    except (CounterError, sqlite3.Error, OSError) as error:
        return _guarded(decisions, policies, now, Counts(broken=_describe(error)))


def _applied(decisions: list[Decision], policies: list[Policy], now: datetime,
             counts: Counts) -> list[Decision]:
    return [apply(d, p, now, counts) for d, p in zip(decisions, policies, strict=True)]


def _guarded(decisions: list[Decision], policies: list[Policy], now: datetime,
             counts: Counts) -> Decision:
    return combine(_applied(decisions, policies, now, counts))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def count(state_dir: str, decision: Decision, policies: list[Policy], now: datetime,
          undo: bool = False) -> str | None:
    """Count a run the operator approved (or observe mode let through), or with ``undo``
    take back the count of a run that did not start; the error, if any."""
    keys = rate_keys(decision, policies)
    if not keys:
        return None
    import sqlite3

    from gatekeep.runtime.counters import CounterError, add, remove, transaction

    try:
        with transaction(state_dir) as db:
            (remove if undo else add)(db, keys, now.timestamp())
    except (CounterError, sqlite3.Error, OSError) as error:
        return _describe(error)
    return None


def observed(policies: list[Policy]) -> bool:
    """Observe mode: the operator's policy (always the first) runs what would be asked."""
    return bool(policies) and policies[0].mode == "observe"
