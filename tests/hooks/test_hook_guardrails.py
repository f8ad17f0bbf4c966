"""``gatekeep hook`` and guardrails: a rate-limited allow counts, is never reused from the
decision cache, and observe mode lets an ask through, logged."""

from __future__ import annotations

import json

POLICY = """\
gatekeep: 1
rules:
  - id: restarts
    allow: ["echo restart"]
    rate: 2/day
  - id: touching
    ask: [touch]
"""


def decision_of(scratch, command: str) -> str:
    result = scratch.hook("json", {"command": command, "cwd": str(scratch.work)})
    return json.loads(result.stdout)["decision"]


def test_the_hook_counts_allowed_runs_and_never_reuses_a_rate_limited_allow(scratch):
    scratch.operator_policy(POLICY)

    decisions = [decision_of(scratch, "echo restart") for _ in range(4)]

    assert decisions == ["allow", "allow", "ask", "ask"]
    assert scratch.audit()[-1]["rules"] == ["rate:restarts"]


def test_the_hook_and_run_share_the_counters(scratch):
    scratch.operator_policy(POLICY)

    assert decision_of(scratch, "echo restart") == "allow"
    ran = scratch.run("gatekeep", "run", "-c", "echo restart")
    assert ran.returncode == 0, ran.stderr
    assert decision_of(scratch, "echo restart") == "ask"


def test_observe_mode_lets_the_hook_allow_what_would_be_asked(scratch):
    scratch.operator_policy(POLICY.replace("rules:", "mode: observe\nrules:"))

    result = scratch.hook("json", {"command": "touch x", "cwd": str(scratch.work)})

    reply = json.loads(result.stdout)
    assert (result.returncode, reply["decision"]) == (0, "allow")
    assert reply["reason"] == "gatekeep: observe mode: enforce mode would ask (touching)"
    entry = scratch.audit()[-1]
    assert (entry["decision"], entry["operator"]) == ("ask", {"answer": "observe",
                                                              "choice": "once"})
