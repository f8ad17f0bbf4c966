"""Start-up of `gatekeep run -- true` (allow path) as a ratio to a bare `python -c pass`.

Budget (DESIGN.md section 6): at most 3x. Prints medians and the ratio; asserts nothing.
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


def median_seconds(argv: list[str], env: dict[str, str]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    gatekeep = str(Path(sys.executable).parent / "gatekeep")
    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "XDG_STATE_HOME": state, "XDG_CONFIG_HOME": state}
        subprocess.run([gatekeep, "run", "--", "true"], env=env, check=True)  # warm the cache
        bare = median_seconds([sys.executable, "-c", "pass"], env)
        allow = median_seconds([gatekeep, "run", "--", "true"], env)
        string = median_seconds([gatekeep, "run", "-c", "ls >/dev/null && git --version"], env)
    print(f"python -c pass                 {bare * 1000:7.1f} ms")
    print(f"gatekeep run -- true           {allow * 1000:7.1f} ms  ratio {allow / bare:4.2f}x "
          "(budget 3x)")
    print(f"gatekeep run -c 'ls && git..'  {string * 1000:7.1f} ms  ratio {string / bare:4.2f}x")


if __name__ == "__main__":
    main()
