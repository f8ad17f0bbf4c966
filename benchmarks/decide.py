"""In-process decision speed: median per decision with 10, 1,000 and 10,000 rules.

Budgets: median at most 30 us with 1,000 rules, flat from 10 to 10,000 rules, and at least
30,000 commands per second for parse+decide in batch (replay, test) on one core. Prints the
numbers with PASS or MISS; asserts nothing. ``--profile`` prints instead where the batch's
time goes (cProfile, the 15 functions with the most time of their own), and
``--commands`` the median parse and decision of each command with 1,000 rules.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.shell.parse import parse

COMMANDS = ["git status", "ls -la src", "grep -rn TODO src", "rm -rf build",
            "python -m pytest -q", "git push -f origin main", "cat README.md | head -n 5"]


def policy_with(rules: int, directory: Path) -> Path:
    lines = ["gatekeep: 1", "extends: [builtin:default]", "rules:"]
    for index in range(rules):
        lines.append(f"  - {{id: r{index}, allow: [\"tool{index} sub{index}\"]}}")
    path = directory / f"p{rules}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def profile(context: Context) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        policy = load_policy(policy_with(1_000, Path(tmp)))
    for text in COMMANDS:  # the first decisions fill the resolver's and the caches' answers
        decide(policy, parse(text), context)
    profiler = cProfile.Profile()
    profiler.enable()
    for text in COMMANDS * 300:
        decide(policy, parse(text), context)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def breakdown(context: Context) -> None:
    """Median microseconds parsing and deciding each command, with 1,000 rules."""
    with tempfile.TemporaryDirectory() as tmp:
        policy = load_policy(policy_with(1_000, Path(tmp)))
    for text in COMMANDS:
        command = parse(text)
        parsing, deciding = [], []
        for _ in range(300):
            start = time.perf_counter()
            command = parse(text)
            middle = time.perf_counter()
            decide(policy, command, context)
            parsing.append(middle - start)
            deciding.append(time.perf_counter() - middle)
        print(f"{text:<26} parse {statistics.median(parsing) * 1e6:6.1f} us  "
              f"decide {statistics.median(deciding) * 1e6:6.1f} us")


def main() -> None:
    context = Context(cwd="/work/project", home="/home/user",
                      resolver=SystemResolver("/usr/bin:/bin"))
    if "--profile" in sys.argv[1:]:
        profile(context)
        return
    if "--commands" in sys.argv[1:]:
        breakdown(context)
        return
    parsed = [parse(c) for c in COMMANDS]
    with tempfile.TemporaryDirectory() as tmp:
        medians = {}
        for rules in (10, 1_000, 10_000):
            policy = load_policy(policy_with(rules, Path(tmp)))
            samples = []
            for _ in range(300):
                for command in parsed:
                    start = time.perf_counter()
                    decide(policy, command, context)
                    samples.append(time.perf_counter() - start)
            medians[rules] = statistics.median(samples)
            verdict = f"  {'PASS' if medians[rules] <= 30e-6 else 'MISS'} (<= 30 us)" \
                if rules == 1_000 else ""
            print(f"{rules:>6} rules: median decision {medians[rules] * 1e6:7.1f} us{verdict}")
        print(f"flatness 10,000 vs 10 rules: {medians[10_000] / medians[10]:.2f}x")
        batch = [c for c in COMMANDS * 500]
        start, cpu = time.perf_counter(), time.process_time()
        for text in batch:
            decide(policy, parse(text), context)
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        # per second of this process's CPU time (one core), so other load on the
        # machine does not count; the wall-clock rate is printed beside it
        rate = len(batch) / used
        print(f"batch parse+decide: {rate:,.0f} commands per CPU second "
              f"({len(batch) / elapsed:,.0f}/s wall)  "
              f"{'PASS' if rate >= 30_000 else 'MISS'} (>= 30,000)")


if __name__ == "__main__":
    main()
