"""Guardrails where commands run: rate counters shared by real processes, never replayed from
the decision cache, a broken counter store failing closed, observe mode, and the stories."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import datetime
from pathlib import Path

from gatekeep.commands.run import run
from gatekeep.core import guard
from gatekeep.core.guardrails import rate_keys
from gatekeep.core.inputs import Request, context, parse_request
from gatekeep.policy.load import load_policy
from gatekeep.runtime.locations import Locations

RATE_POLICY = """\
gatekeep: 1
sandbox: off
rules:
  - id: restarts
    allow: ["echo restart"]
    rate: {limit}
"""
REFUSED = 126


def rate_policy(sandbox, limit: str) -> None:
    sandbox.write_operator_policy(RATE_POLICY.format(limit=limit))


def ran(sandbox) -> int:
    runs = sandbox.work / "runs.txt"
    return len(runs.read_text().splitlines()) if runs.exists() else 0


# -- shared counters -----------------------------------------------------------------------

def test_sixteen_concurrent_runs_never_run_more_than_the_limit(sandbox):
    rate_policy(sandbox, "3/hour")
    processes = [sandbox.spawn("run", "-c", "echo restart >> runs.txt") for _ in range(16)]
    codes = [p.wait(timeout=sandbox.TIMEOUT * 4) for p in processes]
    for process in processes:
        process.communicate()

    assert sorted(codes) == [0] * 3 + [REFUSED] * 13
    assert ran(sandbox) == 3
    entries = sandbox.audit()
    assert sum(1 for e in entries if e.get("exit_code") == 0) == 3
    refused = [e for e in entries if e["decision"] == "ask"]
    assert len(refused) == 13
    assert all(e["rules"] == ["rate:restarts"] for e in refused)


def test_the_counters_survive_restarts_and_live_in_private_state(sandbox):
    rate_policy(sandbox, "1/day")

    first = sandbox.gatekeep("run", "-c", "echo restart >> runs.txt")
    second = sandbox.gatekeep("run", "-c", "echo restart >> runs.txt")

    assert (first.returncode, second.returncode) == (0, REFUSED)
    assert second.stderr.startswith("gatekeep: needs approval: rate:restarts: 1 runs in the "
                                     "last day, limit 1/day (rule 'restarts')")
    store = sandbox.state_home / "gatekeep" / "counters.sqlite"
    assert store.stat().st_mode & 0o777 == 0o600
    assert store.parent.stat().st_mode & 0o777 == 0o700


def test_a_rate_limited_allow_is_never_replayed_from_the_decision_cache(sandbox):
    """The fast path reuses stored allows without the counters: such an allow is not stored."""
    rate_policy(sandbox, "2/day")
    results = [sandbox.gatekeep("run", "-c", "echo restart >> runs.txt") for _ in range(4)]

    assert [r.returncode for r in results] == [0, 0, REFUSED, REFUSED]
    assert ran(sandbox) == 2


def test_a_time_window_is_never_replayed_from_the_decision_cache(sandbox):
    """Open now (every day, all day, but for a date long past): still judged on every run."""
    sandbox.write_operator_policy(
        "gatekeep: 1\nsandbox: off\nrules:\n  - id: r\n    allow: [\"echo restart\"]\n"
        "    when: {exclude: 2001-01-01}\n")
    for _ in range(2):
        assert sandbox.gatekeep("run", "-c", "echo restart >> runs.txt").returncode == 0
    stored = list((sandbox.state_home / "gatekeep" / "cache").glob("d-*"))  # stored decisions

    assert stored == []


def test_a_corrupt_counter_store_fails_closed(sandbox):
    rate_policy(sandbox, "3/hour")
    store = sandbox.state_home / "gatekeep" / "counters.sqlite"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"this is not a database, and never was one" * 100)
    store.chmod(0o600)

    result = sandbox.gatekeep("run", "-c", "echo restart >> runs.txt")

    assert result.returncode == REFUSED
    assert result.stderr.startswith(
        "gatekeep: needs approval: rate:restarts: rule 'restarts' has a rate limit (3/hour) and "
        "the run counter cannot be read: DatabaseError: file is not a database\n")
    assert ran(sandbox) == 0


def test_a_counter_store_that_is_a_symlink_fails_closed(sandbox, tmp_path):
    rate_policy(sandbox, "3/hour")
    store = sandbox.state_home / "gatekeep" / "counters.sqlite"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.symlink_to(tmp_path / "elsewhere.sqlite")

    result = sandbox.gatekeep("run", "-c", "echo restart >> runs.txt")

    assert result.returncode == REFUSED
    assert "the run counter cannot be read" in result.stderr
    assert not (tmp_path / "elsewhere.sqlite").exists()


# -- the story: restarts every 11 minutes, with an injected clock -----------------------------

class Answers:
    """A terminal on which the operator answers every question with ``answer``."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.shown: list[str] = []

    def show(self, text: str) -> None:
        self.shown.append(text)

    def readline(self, timeout: float) -> str | None:
        return self.answer


def test_restarts_every_eleven_minutes_the_fourth_within_the_hour_is_asked(sandbox, monkeypatch,
                                                                           capfd):
    rate_policy(sandbox, "3/hour")
    monkeypatch.chdir(sandbox.work)
    start = datetime.fromisoformat("2026-12-02T03:00:00+01:00").timestamp()
    codes, errors = [], []
    for index in range(7):
        stderr = io.StringIO()
        codes.append(run(Request("echo restart >> runs.txt", None), sandbox.env, sandbox.work,
                         Locations.from_env(sandbox.env), stderr, terminal=Answers("n"),
                         clock=lambda index=index: start + index * 11 * 60))
        errors.append(stderr.getvalue())

    # 0, 11 and 22 minutes run; 33, 44 and 55 find three runs in the last hour; at 66 the
    # first run is more than an hour old
    assert codes == [0, 0, 0, REFUSED, REFUSED, REFUSED, 0]
    assert ran(sandbox) == 4
    assert errors[3].startswith("gatekeep: needs approval: rate:restarts: 3 runs in the last "
                                "hour, limit 3/hour (rule 'restarts'); the next run is within "
                                "the limit at ")


def test_an_approved_run_past_the_limit_is_counted(sandbox, monkeypatch, capfd):
    rate_policy(sandbox, "1/hour")
    monkeypatch.chdir(sandbox.work)
    locations = Locations.from_env(sandbox.env)

    def once(answer: str, minute: int) -> int:
        return run(Request("echo restart >> runs.txt", None), sandbox.env, sandbox.work,
                   locations, io.StringIO(), terminal=Answers(answer),
                   clock=lambda: 1_800_000_000.0 + minute * 60)

    assert [once("y", 0), once("y", 10), once("n", 61), once("n", 71)] == \
        [0, 0, REFUSED, 0]  # at 61 the approved run at 10 still counts; at 71 neither does
    assert ran(sandbox) == 3


def test_production_restarts_story(tmp_path):
    """Under policies/production.yaml, restarts every 11 minutes: the first three in the hour
    run without a question (the policy's own allow decides over the default's ask), the
    fourth and later are asked with the rate limit named."""
    policy = load_policy("builtin:production", operator_dir=str(tmp_path / "config"))
    ctx = context({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, tmp_path,
                  Locations.from_env({"HOME": str(tmp_path)}))
    parsed = parse_request(Request("systemctl restart app", None))
    start = datetime.fromisoformat("2026-12-02T10:00:00+01:00").timestamp()
    seen = []
    for index in range(6):
        now = datetime.fromtimestamp(start + index * 11 * 60).astimezone()
        decision = guard.judge([policy], parsed, ctx, now, str(tmp_path / "state"))
        seen.append((decision.decision, decision.segments[0].rules))
        if decision.decision == "ask":  # the operator approves the restart: it runs, counted
            assert guard.count(str(tmp_path / "state"), decision, [policy], now) is None

    assert seen[:3] == [("allow", ("restarts",))] * 3
    assert [d for d, _ in seen[3:]] == ["ask"] * 3
    assert all("rate:restarts" in rules for _, rules in seen[3:])


# -- the story: CSS rewritten at 3 AM ----------------------------------------------------------

def test_a_deploy_at_three_in_the_morning_is_asked_with_when_it_opens(sandbox):
    result = sandbox.gatekeep("check", "--policy", "builtin:production", "--json",
                              "--at", "2026-12-02T03:00:00+01:00", "-c", "make deploy")

    assert result.returncode == 3, result.stderr
    segment = json.loads(result.stdout)["segments"][0]
    assert segment["rules"] == ["when:deploys"]
    assert segment["reason"] == ("outside the time window of rule 'deploys' (mon-fri "
                                 "09:00-18:00 Europe/Berlin, except 2026-12-21..2027-01-04); "
                                 "it opens next Wed 2026-12-02 09:00 CET")


def test_check_at_office_hours_and_count(sandbox):
    office = sandbox.gatekeep("check", "--policy", "builtin:production",
                              "--at", "2026-12-02T10:00:00+01:00", "-c", "make deploy")
    counted = sandbox.gatekeep("check", "--policy", "builtin:production", "--json", "--count",
                               "3", "-c", "systemctl restart app")
    bad = sandbox.gatekeep("check", "--at", "yesterday", "-c", "ls")

    assert office.returncode == 0, office.stdout
    assert json.loads(counted.stdout)["segments"][0]["rules"] == ["rate:restarts"]
    assert bad.returncode == 2
    assert "--at takes an ISO 8601 time" in bad.stderr


def test_the_shipped_production_examples_pass(sandbox):
    result = sandbox.gatekeep("test", "builtin:production")

    assert result.returncode == 0, result.stdout
    assert result.stdout == ("builtin:production: 19 of 19 examples passed; rule coverage 6/6 "
                             "(100.0%)\n")


# -- observe mode --------------------------------------------------------------------------

OBSERVE = """\
gatekeep: 1
mode: observe
sandbox: off
rules:
  - id: touching
    ask: [touch]
  - id: removing
    deny: [rm]
"""


def test_observe_mode_runs_what_would_be_asked_and_logs_it(sandbox):
    sandbox.write_operator_policy(OBSERVE)

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 0, result.stderr
    assert sandbox.marker.exists()
    assert result.stderr == "gatekeep: observe mode: enforce mode would ask (touching); " \
        "running it\n"
    entry = sandbox.audit()[-1]
    assert (entry["decision"], entry["operator"], entry["exit_code"]) == \
        ("ask", {"answer": "observe", "choice": "once"}, 0)


def test_observe_mode_still_blocks_a_deny(sandbox):
    sandbox.write_operator_policy(OBSERVE)
    sandbox.marker.touch()

    result = sandbox.gatekeep("run", "-c", "rm marker")

    assert result.returncode == REFUSED
    assert sandbox.marker.exists()


def test_check_in_observe_mode_shows_what_enforce_mode_would_do(sandbox):
    sandbox.write_operator_policy(OBSERVE)

    result = sandbox.gatekeep("check", "-c", "touch marker")

    assert result.returncode == 3
    assert result.stdout.endswith("observe mode: run would run this without asking (the "
                                  "decision above is enforce mode's)\n")


def test_a_project_policy_cannot_turn_on_observe_mode(sandbox):
    project = sandbox.work / ".gatekeep" / "policy.yaml"
    project.parent.mkdir()
    project.write_text("gatekeep: 1\nmode: observe\n")

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5
    assert result.stderr.startswith(
        f"gatekeep: policy error: {project}:2:7: mode: 'mode' is for the operator's own policy "
        "only: a project policy, --policy or GATEKEEP_POLICY may only tighten\n")
    assert not sandbox.marker.exists()


# -- replay and lint -------------------------------------------------------------------------

def test_replay_judges_time_windows_at_the_logged_times(sandbox):
    def entry(stamp: str) -> str:
        return json.dumps({"cwd": str(sandbox.work), "mode": "run", "command": "make deploy",
                           "decision": "allow", "time": stamp})

    log = sandbox.write("audit.jsonl", "\n".join([
        entry("2026-12-02T10:00:00.000+00:00"), entry("2026-12-02T02:00:00.000+00:00"),
        entry("2026-12-03T09:30:00.000+00:00")]) + "\n")

    result = sandbox.gatekeep("replay", str(log), "--policy", "builtin:production", "--json")

    document = json.loads(result.stdout)
    assert (document["total"], document["tighter"]) == (3, 1), result.stdout
    assert document["changes"][0]["line"] == 2


def test_lint_flags_guardrails_that_can_never_be_met(sandbox):
    policy = sandbox.write("never.yaml", """\
gatekeep: 1
rules:
  - id: no-days
    allow: [ls]
    when: {days: []}
  - id: empty-hours
    allow: [cat]
    when: {hours: "09:00-09:00"}
  - id: frozen
    allow: [head]
    when: {exclude: "2000-01-01..2199-12-31"}
  - id: zero
    allow: [tail]
    rate: 0/hour
""")

    result = sandbox.gatekeep("lint", str(policy))

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{policy}:3: error: rule 'no-days': 'when' (no day local time) never opens: it " \
        "names no day; every allow it guards is asked [guardrail-never-met]" in lines
    assert any(line.startswith(f"{policy}:6: error: rule 'empty-hours'") and
               "every range of hours is empty" in line for line in lines)
    assert any(line.startswith(f"{policy}:6: warning: rule 'empty-hours'") and
               "[empty-hours]" in line for line in lines)
    assert any(line.startswith(f"{policy}:9: error: rule 'frozen'") and
               "its excluded dates cover it" in line for line in lines)
    assert f"{policy}:12: error: rule 'zero': rate 0/hour allows no run: every run is asked " \
        "[guardrail-never-met]" in lines


def test_every_gatekeep_run_path_sees_the_same_store(sandbox):
    """``gatekeep-sh -c`` (the agent's shell) counts in the same counters as ``run``."""
    rate_policy(sandbox, "1/day")
    shell = sandbox.GATEKEEP.parent / "gatekeep-sh"

    first = sandbox.gatekeep("run", "-c", "echo restart >> runs.txt")
    second = subprocess.run([str(shell), "-c", "echo restart >> runs.txt"], env=sandbox.env,
                            cwd=sandbox.work, capture_output=True, text=True, check=False,
                            timeout=sandbox.TIMEOUT, start_new_session=True)

    assert (first.returncode, second.returncode) == (0, REFUSED)
    assert ran(sandbox) == 1
    assert Path(sandbox.state_home / "gatekeep" / "counters.sqlite").exists()


def test_a_counted_run_that_does_not_start_is_taken_back(tmp_path):
    """An allow is counted as it is given; when the run then cannot start (its box failed,
    the operator refused the boundary), the count is taken back."""
    from gatekeep.runtime.counters import history, transaction

    policy = load_policy("builtin:production", operator_dir=str(tmp_path / "config"))
    ctx = context({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, tmp_path,
                  Locations.from_env({"HOME": str(tmp_path)}))
    decision = guard.judge([policy], parse_request(Request("systemctl restart app", None)), ctx,
                           datetime.now().astimezone(), str(tmp_path / "judged"))
    now = datetime.fromisoformat("2026-12-02T10:00:00+01:00")
    state = str(tmp_path / "state")
    keys = rate_keys(decision, [policy])

    assert guard.count(state, decision, [policy], now) is None
    assert guard.count(state, decision, [policy], now) is None
    assert guard.count(state, decision, [policy], now, undo=True) is None
    with transaction(state) as db:
        assert history(db, keys) == {keys[0]: (now.timestamp(),)}


def test_a_failing_example_says_the_moment_it_was_judged_at(sandbox):
    policy = sandbox.write("p.yaml", """\
gatekeep: 1
rules:
  - id: deploys
    allow: ["make deploy"]
    when: {hours: "09:00-18:00", tz: UTC}
    tests:
      - {cmd: "make deploy", expect: allow, at: "2026-12-02T03:00:00+00:00"}
      - {cmd: "make deploy", expect: allow, at: "2026-12-02T10:00:00+00:00", count: 2.5}
""")
    result = sandbox.gatekeep("test", str(policy))

    assert result.returncode == 5
    assert result.stderr.endswith("tests[1].count: expected a whole number of runs, got 2.5\n")
    fixed = policy.read_text().replace(", count: 2.5", "")
    policy.write_text(fixed)

    result = sandbox.gatekeep("test", str(policy))

    assert result.returncode == 1
    assert result.stdout.startswith(f"FAIL {policy}:7  deploys  (at 2026-12-02T03:00:00+00:00)\n")
    assert "when:deploys: outside the time window of rule 'deploys' (09:00-18:00 UTC); it opens " \
        "next Wed 2026-12-02 09:00 UTC\n" in result.stdout
