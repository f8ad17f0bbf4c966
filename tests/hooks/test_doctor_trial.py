"""doctor's trial box, started before the policy is loaded: it answers only for the bwrap it
ran, reports a box that does not end as ``subprocess.run`` would, and is killed when unused."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gatekeep.commands.doctor import TRIAL_TIMEOUT, _Trial, _trial_argv
from gatekeep.sandbox import seccomp


def fake_bwrap(directory: Path, name: str, body: str) -> str:
    """A root-owned script in a directory only its owner writes: trusted as bwrap is."""
    directory.mkdir(mode=0o755, exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_the_early_trial_answers_for_the_bwrap_it_ran_and_no_other(tmp_path: Path) -> None:
    early = fake_bwrap(tmp_path / "bin", "early", "echo \"early: $*\" >&2; exit 3")
    named = fake_bwrap(tmp_path / "bin", "named", "echo named >&2; exit 4")
    with _Trial.start((early,)) as trial:
        assert trial.program == early
        ran = trial.outcome(early)
        other = trial.outcome(named)
    assert (ran.returncode, ran.stderr) == (3, f"early: {' '.join(ran.args[1:])}\n")
    assert ran.args[:1] + [a for a in ran.args if not a.isdigit()][1:] == [
        a for a in _trial_argv(early, 9) if a != "9"]
    assert (other.returncode, other.stderr) == (4, "named\n")


def test_no_trial_starts_where_no_bwrap_is_trusted(tmp_path: Path) -> None:
    with _Trial.start((str(tmp_path / "missing"), "bwrap")) as trial:
        assert (trial.program, trial.process) == (None, None)
        named = fake_bwrap(tmp_path / "bin", "named", "exit 0")
        assert trial.outcome(named).returncode == 0  # started when asked, as the only one


def test_a_trial_not_asked_for_is_killed_and_reaped(tmp_path: Path) -> None:
    slow = fake_bwrap(tmp_path / "bin", "slow", "exec sleep 60")
    with _Trial.start((slow,)) as trial:
        process = trial.process
    assert process is not None
    assert process.returncode == -signal.SIGKILL
    assert process.stdout is not None and process.stdout.closed


def test_a_trial_past_its_time_fails_as_subprocess_run_reports_it(tmp_path: Path) -> None:
    slow = fake_bwrap(tmp_path / "bin", "slow", "exec sleep 60")
    with _Trial.start((slow,)) as trial:
        trial.deadline = time.monotonic()  # its time is up
        with pytest.raises(subprocess.TimeoutExpired) as caught:
            trial.outcome(slow)
        assert trial.process is not None
        assert str(caught.value) == str(subprocess.TimeoutExpired(trial.process.args,
                                                                  TRIAL_TIMEOUT))
        assert trial.process.returncode == -signal.SIGKILL


@pytest.mark.skipif(not seccomp.supported(), reason="no filter for this machine")
def test_the_trial_box_loads_the_filter_the_real_boxes_load(tmp_path: Path) -> None:
    """bwrap gets a descriptor it reads the whole program from, as a real box's bwrap does:
    a kernel that refuses the filter fails the trial as it would fail every box."""
    probe = ("import os, sys; n = int(sys.argv[sys.argv.index('--seccomp') + 1]); "
             "sys.stderr.write(str(len(os.read(n, 1 << 16)))); sys.exit(5)")
    reads = fake_bwrap(tmp_path / "bin", "reads", f'exec {sys.executable} -c "{probe}" "$@"')
    with _Trial.start((reads,)) as trial:
        ran = trial.outcome(reads)
    assert (ran.returncode, ran.stderr.strip()) == (5, str(len(seccomp.program())))


def test_another_bwrap_asked_for_is_reaped_and_the_early_one_killed(tmp_path: Path) -> None:
    slow = fake_bwrap(tmp_path / "bin", "slow", "exec sleep 60")
    named = fake_bwrap(tmp_path / "bin", "named", "exit 4")
    with _Trial.start((slow,)) as trial:
        assert trial.outcome(named).returncode == 4
        early = trial.process
    assert early is not None and early.returncode == -signal.SIGKILL
