"""Start-up of gatekeep's commands as a ratio to a bare `python -c pass` (same venv).

Budgets: `run` at most 3x (DESIGN.md section 6), `check` 4x, any other command 8x.
Prints medians, ratios and each budget; asserts nothing. "reused" runs a command whose
allow decision is stored (the usual case for an agent that repeats commands); "fresh"
removes the stored decisions before every run, so the command is parsed and judged (the
compiled policy is still cached).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def median_seconds(argv: list[str], env: dict[str, str], forget: Path | None = None) -> float:
    samples = []
    for _ in range(RUNS):
        for stored in forget.glob("d-*") if forget is not None else ():
            stored.unlink()  # the stored decisions; compiled policies (p-*) stay
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    gatekeep = str(Path(sys.executable).parent / "gatekeep")
    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "XDG_STATE_HOME": state, "XDG_CONFIG_HOME": state}
        subprocess.run([gatekeep, "run", "--", "true"], env=env, check=True)  # warm the cache
        stored = Path(state) / "gatekeep" / "cache"
        string = [gatekeep, "run", "-c", "ls >/dev/null && git status >/dev/null"]
        subprocess.run(string, env=env, check=True)
        rows = [
            ("python -c pass", 1, median_seconds([sys.executable, "-c", "pass"], env)),
            ("run -- true (reused)", 3, median_seconds([gatekeep, "run", "--", "true"], env)),
            ("run -c 'ls && git' (reused)", 3, median_seconds(string, env)),
            ("run -- true (fresh)", 3,
             median_seconds([gatekeep, "run", "--", "true"], env, stored)),
            ("run -c 'ls && git' (fresh)", 3, median_seconds(string, env, stored)),
            ("check -- true", 4, median_seconds([gatekeep, "check", "--", "true"], env)),
            ("check --json -c 'ls && git'", 4,
             median_seconds([gatekeep, "check", "--json", "-c", "ls && git status"], env)),
            ("version", 8, median_seconds([gatekeep, "version"], env)),
            ("log -n 1", 8, median_seconds([gatekeep, "log", "-n", "1"], env)),
        ]
    bare = rows[0][2]
    print(f"{rows[0][0]:<30} {bare * 1000:7.1f} ms")
    for name, budget, seconds in rows[1:]:
        ratio = seconds / bare
        verdict = "" if ratio <= budget else "  OVER"
        print(f"{name:<30} {seconds * 1000:7.1f} ms  ratio {ratio:5.2f}x  "
              f"(budget {budget}x){verdict}")


if __name__ == "__main__":
    main()
