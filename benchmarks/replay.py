"""``gatekeep replay`` speed on generated 10,000-line audit logs.

Two logs: one where agents repeat themselves (a few hundred distinct commands, as real
logs do) and one where every line is a different command. Prints lines per second for
the whole command (process start-up, loading, reading, deciding, printing), with PASS or
MISS against the batch budget: at least 30,000 commands per second on one core.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gatekeep.offline.examples import policy_examples
from gatekeep.policy.load import load_policy

LINES = 10_000
GATEKEEP = Path(sys.executable).parent / "gatekeep"


def commands() -> list[str]:
    examples = [e.cmd for e in policy_examples(load_policy("builtin:default"))]
    return examples + [
        "git status", "git diff --stat", "ls -la src", "pytest -q tests/unit", "npm test",
        "rg -n TODO src", "cat README.md", "git log --oneline -n 20", "make test", "git add -A",
        "python -m pytest -x", "cargo test", "go test ./...", "grep -rn foo .",
        "find . -name '*.py'",
    ]


def write_log(path: Path, distinct: bool) -> None:
    pool = commands()
    chosen = random.Random(7)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(LINES):
            command = chosen.choice(pool)
            if distinct:
                command = f"{command} arg{index}"
            elif chosen.random() < 0.2:
                command = f"{command} file{chosen.randrange(300)}"
            entry = {"command": command, "cwd": "/home/me/project", "decision": "allow"}
            handle.write(json.dumps(entry) + "\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, distinct in (("repeated", False), ("distinct", True)):
            log = Path(tmp) / f"{name}.jsonl"
            write_log(log, distinct)
            start = time.perf_counter()
            subprocess.run([str(GATEKEEP), "replay", str(log), "--policy", "builtin:default"],
                           check=True, capture_output=True)
            seconds = time.perf_counter() - start
            rate = LINES / seconds
            print(f"replay {name:<8} {LINES} lines in {seconds:.2f} s: {rate:,.0f} lines/s  "
                  f"{'PASS' if rate >= 30_000 else 'MISS'} (>= 30,000)")


if __name__ == "__main__":
    main()
