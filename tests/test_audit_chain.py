"""The audit log's hash chain: every change to a record is caught by ``gatekeep log verify``,
a writer killed mid-write leaves a log that verifies, and a rotated log is one chain."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gatekeep.core.engine import Decision
from gatekeep.runtime import audit, journal

GATEKEEP = Path(sys.executable).parent / "gatekeep"
POLICIES = (("builtin:default", "0" * 64),)


def record(command: str, session: str = "s") -> str:
    fields = audit.fields(Decision("allow", command, (), POLICIES), cwd="/w", mode="run")
    return audit.line(fields, when=0.0, record=(os.urandom(8).hex(), session))


def write_log(path: Path, count: int, rotate: int = 0) -> None:
    for number in range(count):
        journal.append(str(path), record(f"echo {number}"), rotate)


def verify(*files: Path, partial: bool = False, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    """``gatekeep log verify FILES``; with ``env`` and no files, the log of that environment
    and its rotated files."""
    args = [str(GATEKEEP), "log", "verify", *map(str, files), *(["--partial"] if partial else [])]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False,
                          env=env)


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    write_log(log, 5)

    result = verify(log)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("gatekeep: audit log verified: 5 records in 1 file(s); ")
    first = json.loads(lines_of(log)[0])
    assert first["prev"] == journal.GENESIS
    assert json.loads(lines_of(log)[1])["prev"] == journal.digest(lines_of(log)[0])


def _edit(lines: list[bytes]) -> list[bytes]:
    lines[2] = lines[2].replace(b"echo 2", b"echo X")
    return lines


def _delete(lines: list[bytes]) -> list[bytes]:
    return lines[:2] + lines[3:]


def _reorder(lines: list[bytes]) -> list[bytes]:
    return lines[:2] + [lines[3], lines[2]] + lines[4:]


def _delete_first(lines: list[bytes]) -> list[bytes]:
    return lines[1:]


@pytest.mark.parametrize(("change", "named"), [
    (_edit, "audit.jsonl:4: does not follow {log}:3: {log}:3 was edited, or the record after it "
            "was deleted"),
    (_delete, "audit.jsonl:3: does not follow {log}:2: {log}:2 was edited, or the record after "
              "it was deleted"),
    (_reorder, "audit.jsonl:3: follows {log}:4, which comes later: records were reordered"),
    (_delete_first, "audit.jsonl:1: chains to a record before these files: older records were "
                    "removed (give every file of the log, oldest first, or --partial)"),
], ids=["edited", "deleted", "reordered", "head-deleted"])
def test_each_change_is_caught_with_the_record_named(tmp_path: Path, change, named) -> None:
    log = tmp_path / "audit.jsonl"
    write_log(log, 6)
    log.write_bytes(b"".join(change(lines_of(log))))

    result = verify(log)

    assert result.returncode == 1, result.stdout + result.stderr
    good = result.stdout.split(" good records: ")[0].rsplit(" ", 1)[1]
    assert result.stdout == (f"gatekeep: audit log broken after {good} good records: {log.parent}/"
                             + named.format(log=log) + "\n")


def test_a_torn_tail_verifies_and_the_next_writer_marks_it_without_dropping_it(
        tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    write_log(log, 3)
    whole = log.read_bytes()
    torn = lines_of(log)[-1][:37]  # the last record cut short, as by a crash mid-write
    log.write_bytes(whole[:-len(lines_of(log)[-1])] + torn)

    before = verify(log)
    assert before.returncode == 0, before.stdout
    assert "audit.jsonl:3: a partial record at the end" in before.stderr

    journal.append(str(log), record("echo after"))

    lines = lines_of(log)
    assert lines[2] == torn + b"\n"  # kept, only ended
    repair = json.loads(lines[3])
    assert repair["kind"] == "repair"
    assert repair["torn"] == {"length": len(torn), "sha256": journal.digest(torn)}
    assert repair["prev"] == journal.digest(lines[1])
    after = verify(log)
    assert after.returncode == 0, after.stdout
    assert "4 records" in after.stdout  # two whole ones, the repair, the new one
    assert "audit.jsonl:3: a partial record, marked by the repair record after it" in after.stderr
    commands = [e["command"] for e in audit.read(str(log), lambda _: None)]
    assert commands == ["echo 0", "echo 1", "echo after"]


def test_a_rotated_log_is_one_chain(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    write_log(log, 30, rotate=2000)
    files = sorted(tmp_path.glob("audit*.jsonl"), key=lambda p: -int(p.name.split(".")[1])
                   if p.name.count(".") == 2 else 0)
    assert len(files) > 3
    assert files[-1] == log

    result = verify(*files)
    alone = verify(log)
    partial = verify(log, partial=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"30 records in {len(files)} file(s)" in result.stdout
    assert alone.returncode == 1
    assert partial.returncode == 0, partial.stdout


def test_verify_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = verify(tmp_path / "none.jsonl")
    assert result.returncode == 2
    assert result.stderr.startswith("gatekeep: cannot read the audit log: ")


# -- real processes ---------------------------------------------------------------------------

def scratch_env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"), "GATEKEEP_SESSION": "load"}


def concurrent_runs(tmp_path: Path, workers: int, each: int) -> None:
    (tmp_path / "home").mkdir()
    env = scratch_env(tmp_path)
    loop = f'for i in $(seq {each}); do "$0" run -- true || exit 1; done'
    running = [subprocess.Popen(["bash", "-c", loop, str(GATEKEEP)], env=env, cwd=_work(tmp_path))
               for _ in range(workers)]
    assert [process.wait(timeout=600) for process in running] == [0] * workers
    log = tmp_path / "state" / "gatekeep" / "audit.jsonl"
    entries = audit.read(str(log), pytest.fail)
    assert len(entries) == workers * each
    assert all(entry.get("exit_code") == 0 for entry in entries)  # every end paired
    assert len({entry["id"] for entry in entries}) == workers * each
    result = verify(log)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{2 * workers * each} records" in result.stdout


def test_concurrent_writers_lose_nothing_and_keep_the_chain(tmp_path: Path) -> None:
    concurrent_runs(tmp_path, 8, 20)


@pytest.mark.slow
def test_32_writers_of_100_runs_each(tmp_path: Path) -> None:
    concurrent_runs(tmp_path, 32, 100)


BIG = 64 << 20  # bytes of one record: its write takes long enough to be killed inside
BIG_WRITER = f"""
import sys
from gatekeep.runtime import journal
journal.append(sys.argv[1], '{{"command": "' + "x" * {BIG} + '", "kind": "decision"}}\\n')
"""


def kill_inside_the_write(log: Path, chance: random.Random) -> None:
    """Start a writer of a large record; SIGKILL it once a random part of it is written."""
    base = log.stat().st_size
    writer = subprocess.Popen([sys.executable, "-c", BIG_WRITER, str(log)])
    target = base + chance.randint(1, BIG * 3 // 4)
    try:
        while log.stat().st_size < target and writer.poll() is None:
            time.sleep(0.0005)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)


def test_writers_killed_mid_write_leave_a_log_that_verifies(tmp_path: Path) -> None:
    """SIGKILL inside the write of a record (which leaves a torn tail) and at random moments
    of real ``gatekeep run`` processes: the log verifies each time, and the next writer
    marks the torn tail."""
    (tmp_path / "home").mkdir()
    env = scratch_env(tmp_path)
    log = tmp_path / "state" / "gatekeep" / "audit.jsonl"
    chance = random.Random(14)
    subprocess.run([GATEKEEP, "run", "--", "true"], env=env, cwd=_work(tmp_path), check=True)
    for round_ in range(4):
        kill_inside_the_write(log, chance)
        assert verify(env=env).returncode == 0, (round_, verify(env=env).stdout)
        runner = subprocess.Popen([GATEKEEP, "run", "--", "true"], env=env, cwd=_work(tmp_path),
                                  stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.0, 0.3))
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=30)
        assert verify(env=env).returncode == 0, (round_, verify(env=env).stdout)
        subprocess.run([GATEKEEP, "run", "--", "true"], env=env, cwd=_work(tmp_path), check=True)
        assert verify(env=env).returncode == 0, (round_, verify(env=env).stdout)
    files = [log, *log.parent.glob("audit.*.jsonl")]  # past 64 MiB, the log was rotated
    records = [json.loads(line) for file in files for line in lines_of(file)
               if line.startswith(b'{"kind": "')]
    assert sum(r["kind"] == "repair" for r in records) >= 1  # torn tails happened, were marked
    finished = [e for file in files for e in audit.read(str(file), lambda _: None)
                if e.get("exit_code") == 0]
    assert len(finished) >= 5  # the first run and one after each round, at least


def _work(tmp_path: Path) -> Path:
    """The commands' working tree: a project beside the home, not a parent of it (a tree
    that holds the home is asked about, never run unattended)."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return work
