"""`gatekeep mcp` once it runs: the time of each tool call, as a ratio to `python -c pass`.

`benchmarks/startup.py` times the server's start (the `mcp` library's import, paid once per
agent session). What an agent waits for on every command is a tool call: this starts the
server with the `mcp` SDK's own stdio client and times `run_command` and `check_command`
calls one by one, with the median of `python -c pass` taken between them, and prints the
ratio of the medians against the budget of the command each call stands for (`run` with a
reused decision 3x, `check` 4x). Asserts nothing. Needs the `mcp` package (`.[test]`).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
GATEKEEP = str(Path(sys.executable).parent / "gatekeep")
BARE = [sys.executable, "-c", "pass"]
CALLS = [  # (name, tool, arguments, budget)
    ("run_command true (reused)", "run_command", {"command": "true"}, 3.0),
    ("run_command 'ls && git status' (reused)", "run_command",
     {"command": "ls && git status"}, 3.0),
    ("check_command 'ls && git status'", "check_command", {"command": "ls && git status"}, 4.0),
]


def bare() -> float:
    start = time.perf_counter()
    subprocess.run(BARE, check=False)
    return time.perf_counter() - start


async def measure(env: dict[str, str], cwd: str) -> tuple[float, list[tuple[list[float],
                                                                             list[float]]]]:
    params = StdioServerParameters(command=GATEKEEP, args=["mcp"], env=env, cwd=cwd)
    start = time.perf_counter()
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        started = time.perf_counter() - start
        found = []
        for _, tool, arguments, _ in CALLS:
            await session.call_tool(tool, arguments)  # the first call stores the decision
            timed, baseline = [], []
            for _ in range(RUNS):
                begin = time.perf_counter()
                result = await session.call_tool(tool, arguments)
                timed.append(time.perf_counter() - begin)
                baseline.append(bare())
                answer = result.structured_content or {}
                if result.is_error or (tool == "run_command" and not answer.get("ran")):
                    raise SystemExit(f"{tool} {arguments} did not run: {result.content}")
            found.append((timed, baseline))
    return started, found


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": f"{tmp}/config",
               "XDG_STATE_HOME": f"{tmp}/state", "XDG_CACHE_HOME": f"{tmp}/cache"}
        env.pop("GATEKEEP_RESIDENT", None)
        started, found = anyio.run(measure, env, str(work))
    print(f"server start (initialize answered): {started * 1e3:.0f} ms, once per session")
    print(f"{'tool call':42} {'median':>8} {'bare':>8} {'ratio':>7}  budget")
    for (name, _, _, budget), (timed, baseline) in zip(CALLS, found, strict=True):
        call, base = statistics.median(timed), statistics.median(baseline)
        ratio = call / base
        verdict = "PASS" if ratio <= budget else "MISS"
        print(f"{name:42} {call * 1e3:6.1f} ms {base * 1e3:5.1f} ms {ratio:6.2f}x  "
              f"{verdict} (<= {budget:g}x)")


if __name__ == "__main__":
    main()
