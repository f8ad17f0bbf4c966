"""What the boundary costs: `gatekeep run -- true` boxed, as a ratio to the same run unboxed.

Target: the box adds at most 25%. Both runs reuse a stored decision (the usual case for
an agent repeating commands) and differ only in the operator policy's ``sandbox`` key.
Their samples alternate, so that other load on the machine weighs on both alike, and the
ratio is of the two medians taken side by side. Also shown: bwrap alone around /bin/true,
and the fresh (judged) runs. Asserts nothing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "40"))
BWRAP = ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
         "--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "--"]


def median_ms(argv: list[str], env: dict[str, str], cwd: str,
              forget: Path | None = None) -> float:
    subprocess.run(argv, env=env, cwd=cwd, check=True)  # warm: stores the decision
    samples = []
    for _ in range(RUNS):
        if forget is not None:  # the stored decisions: the next run judges afresh
            shutil.rmtree(forget, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(argv, env=env, cwd=cwd, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def side_by_side(argv: list[str], first: tuple[dict[str, str], str],
                 second: tuple[dict[str, str], str]) -> tuple[float, float]:
    """Medians (ms) of ``argv`` in two settings, sampled alternately (decisions stored)."""
    for env, cwd in (first, second):
        subprocess.run(argv, env=env, cwd=cwd, check=True)  # warm: stores the decision
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        for (env, cwd), into in zip((first, second), samples, strict=True):
            start = time.perf_counter()
            subprocess.run(argv, env=env, cwd=cwd, check=True)
            into.append(time.perf_counter() - start)
    return statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000


def setting(mode: str) -> tuple[dict[str, str], str, Path]:
    home = tempfile.mkdtemp(prefix="gatekeep-bench-")
    config = Path(home, "config", "gatekeep")
    config.mkdir(parents=True)
    config.joinpath("policy.yaml").write_text(
        f"gatekeep: 1\nextends: [builtin:default]\nsandbox: {mode}\n")
    work = Path(home, "work")
    work.mkdir()
    env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": str(config.parent),
           "XDG_STATE_HOME": str(Path(home, "state"))}
    return env, str(work), Path(home, "state", "gatekeep", "cache")


def main() -> None:
    gatekeep = str(Path(sys.executable).parent / "gatekeep")
    true = [gatekeep, "run", "--", "true"]
    boxed, unboxed = setting("preferred"), setting("off")
    off, box = side_by_side(true, unboxed[:2], boxed[:2])
    rows = [
        ("/bin/true", median_ms(["/bin/true"], unboxed[0], unboxed[1])),
        ("bwrap ... /bin/true", median_ms([*BWRAP, "/bin/true"], unboxed[0], unboxed[1])),
        ("run -- true (off)", off),
        ("run -- true (boxed)", box),
        ("run -- true (off, fresh)", median_ms(true, *unboxed)),
        ("run -- true (boxed, fresh)", median_ms(true, *boxed)),
    ]
    for name, ms in rows:
        print(f"{name:<30} {ms:7.1f} ms")
    ratio = rows[3][1] / rows[2][1]
    print(f"boxed / unboxed (reused decision): {ratio:.2f}x  (target: at most 1.25x)")
    print(f"boxed / unboxed (fresh decision):  {rows[5][1] / rows[4][1]:.2f}x")


if __name__ == "__main__":
    main()
