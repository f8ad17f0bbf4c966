"""Start-up of gatekeep's commands as a ratio to a bare `python -c pass` (same venv).

Budgets: `run` with a fresh decision at most 3x, with a reused one lower still; `check`
4x; a hook call that reuses a decision 3x (a fresh one as close as it gets); any other
command 8x. Prints medians, ratios and PASS or MISS for each budget; asserts nothing.
Arguments, if any, choose the cases whose names contain one of them (`startup.py log lint`).

"reused" runs a command whose allow decision is stored (the usual case for an agent that
repeats commands); "fresh" removes the stored decisions before every run, so the command
is parsed and judged (the compiled policy is still cached). The machine may be busy: each
command's samples alternate with samples of `python -c pass`, and the ratio is of the two
medians taken side by side. gatekeep's modules are compiled to bytecode first, as an
installed package is (with PYTHONDONTWRITEBYTECODE set, they would be compiled on every run).
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gatekeep
from gatekeep.runtime import resident

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
GATEKEEP = str(Path(sys.executable).parent / "gatekeep")
BARE = [sys.executable, "-c", "pass"]


class Case:
    """One command to time: argv, what it reads on stdin, and its decisions to forget."""

    def __init__(self, name: str, budget: float, argv: list[str], stdin: bytes = b"",
                 forget: Path | None = None) -> None:
        self.name, self.budget, self.argv, self.stdin, self.forget = (
            name, budget, argv, stdin, forget)

    def _replace_name(self, name: str) -> Case:
        return Case(name, self.budget, self.argv, self.stdin, self.forget)


def once(argv: list[str], env: dict[str, str], stdin: bytes = b"",
         forget: Path | None = None) -> float:
    for stored in forget.glob("d-*") if forget is not None else ():
        stored.unlink()  # the stored decisions; compiled policies (p-*) stay
    start = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(case: Case, env: dict[str, str]) -> tuple[float, float]:
    """Medians of the case and of `python -c pass`, sampled alternately."""
    bare, timed = [], []
    for _ in range(RUNS):
        bare.append(once(BARE, env))
        timed.append(once(case.argv, env, case.stdin, case.forget))
    return statistics.median(timed), statistics.median(bare)


def hook_payload(command: str, cwd: str) -> bytes:
    return json.dumps({"session_id": "s1", "transcript_path": "/nonexistent/t.jsonl",
                       "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "permission_mode": "default", "tool_use_id": "t1",
                       "tool_input": {"command": command, "description": "look"}}).encode()


def cases(state: Path) -> list[Case]:
    stored = state / "gatekeep" / "cache"
    string = [GATEKEEP, "run", "-c", "ls >/dev/null && git status >/dev/null"]
    hook = [GATEKEEP, "hook", "claude-code"]
    payload = hook_payload("ls -la && git status", os.getcwd())
    return [
        Case("run -- true (reused)", 3, [GATEKEEP, "run", "--", "true"]),
        Case("run -c 'ls && git' (reused)", 3, string),
        Case("run -- true (fresh)", 3, [GATEKEEP, "run", "--", "true"], forget=stored),
        Case("run -c 'ls && git' (fresh)", 3, string, forget=stored),
        Case("hook claude-code (reused)", 3, hook, payload),
        Case("hook claude-code (fresh)", 3, hook, payload, forget=stored),
        Case("check -- true", 4, [GATEKEEP, "check", "--", "true"]),
        Case("check --json -c 'ls && git'", 4,
             [GATEKEEP, "check", "--json", "-c", "ls && git status"]),
        Case("version", 8, [GATEKEEP, "version"]),
        Case("--help", 8, [GATEKEEP, "--help"]),
        *others(state),
    ]


def others(state: Path) -> list[Case]:
    """Every other command, each in a form that does its usual work (budget 8x)."""
    audit = str(state / "gatekeep" / "audit.jsonl")
    return [Case(" ".join(argv).replace(audit, "AUDIT"), 8, [GATEKEEP, *argv]) for argv in (
        ["log", "--help"], ["log", "-n", "1"], ["log", "verify"], ["log", "stats"],
        ["approvals", "list"], ["approvals", "revoke", "none"], ["doctor"],
        ["install", "claude-code"], ["uninstall", "claude-code"], ["schema"],
        ["completions", "bash"],
        ["lint", "builtin:default"], ["test", "builtin:default"],
        ["replay", audit, "--policy", "builtin:default"],
        ["mcp"])]  # the server, its input closed: starts, reads the end, stops


def warm(env: dict[str, str]) -> None:
    """Compiled policy and stored decisions in place, as after an agent's first commands."""
    compileall.compile_dir(os.path.dirname(gatekeep.__file__), quiet=1)
    for argv, stdin in ([[GATEKEEP, "run", "--", "true"], b""],
                        [[GATEKEEP, "run", "-c", "ls >/dev/null && git status >/dev/null"], b""],
                        [[GATEKEEP, "hook", "claude-code"],
                         hook_payload("ls -la && git status", os.getcwd())]):
        subprocess.run(argv, env=env, input=stdin, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    chosen = sys.argv[1:]
    with tempfile.TemporaryDirectory() as state:
        # HOME too: `install` and `uninstall` edit an agent's settings under it
        env = {**os.environ, "XDG_STATE_HOME": state, "XDG_CONFIG_HOME": state, "HOME": state}
        warm(env)
        print(f"{'command':<30} {'median':>9} {'bare':>8}  {'ratio':>6}  budget")
        for case in cases(Path(state)):
            report(case, env, chosen)
        subprocess.run([GATEKEEP, "resident"], env=env, check=True, stdout=subprocess.DEVNULL)
        try:  # the same fresh decisions, answered by a resident judge
            for case in served(Path(state)):
                report(case, env, chosen)
        finally:
            subprocess.run([GATEKEEP, "resident", "--stop"], env=env, check=False,
                           stdout=subprocess.DEVNULL)


def served(state: Path) -> list[Case]:
    """Fresh decisions with `gatekeep resident` running (started before, stopped after)."""
    stored = state / "gatekeep" / "cache"
    payload = hook_payload("ls -la && git status", os.getcwd())
    return [
        Case("run -- true (fresh) [resident]", 3, [GATEKEEP, "run", "--", "true"],
             forget=stored),
        Case("run -c 'ls && git' (fresh) [resident]", 3,
             [GATEKEEP, "run", "-c", "ls >/dev/null && git status >/dev/null"], forget=stored),
        Case("hook claude-code (fresh) [resident]", 3, [GATEKEEP, "hook", "claude-code"],
             payload, forget=stored),
        Case("check -- true [resident]", 4, [GATEKEEP, "check", "--", "true"]),
        Case("check --json -c 'ls && git' [resident]", 4,
             [GATEKEEP, "check", "--json", "-c", "ls && git status"]),
        *(case._replace_name(f"{case.name} [resident]") for case in others(state)
          if resident.servable(case.argv[1:])),
    ]


def report(case: Case, env: dict[str, str], chosen: list[str]) -> None:
    if chosen and not any(word in case.name for word in chosen):
        return
    seconds, bare = measure(case, env)
    ratio = seconds / bare
    verdict = "PASS" if ratio <= case.budget else "MISS"
    print(f"{case.name:<30} {seconds * 1000:6.1f} ms {bare * 1000:5.1f} ms  "
          f"{ratio:5.2f}x  {verdict} (<= {case.budget:g}x)")


if __name__ == "__main__":
    main()
