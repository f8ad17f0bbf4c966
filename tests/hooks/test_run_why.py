"""``gatekeep run --why``: the agent's stated purpose is logged, and only for that run."""

from __future__ import annotations


def test_why_is_logged_and_not_reused_by_a_stored_decision(scratch):
    scratch.operator_policy("gatekeep: 1\nrules:\n  - id: talk\n    allow: [echo]\n")
    first = scratch.run("gatekeep", "run", "--why", "say hi\tnow", "-c", "echo hi")
    assert (first.returncode, first.stdout) == (0, b"hi\n"), first
    again = scratch.run("gatekeep", "run", "-c", "echo hi")  # a stored decision's fast path
    assert again.returncode == 0
    third = scratch.run("gatekeep", "run", "--why", "once more", "-c", "echo hi")
    assert third.returncode == 0
    assert [entry.get("why") for entry in scratch.audit()] == ["say hi\tnow", None, "once more"]
