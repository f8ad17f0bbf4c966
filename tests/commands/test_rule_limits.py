"""A rule's ``limits:`` on what it allows, enforced on a real run without the box.

Unboxed, the command runs in its own process group: past its time limit the group and
every process it started get SIGTERM, then SIGKILL; the audit record says a limit
stopped it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
from pathlib import Path
from typing import Any

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import

POLICY = """gatekeep: 1
extends: [builtin:default]
sandbox: off
limits: {timeout: 600}
rules:
  - id: quick-make
    allow: [make]
    limits: {timeout: 1}
"""


def _running(mark: str) -> list[int]:
    """Processes whose command line holds ``mark``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if mark.encode() in cmdline and state != b"Z":
            found.append(int(entry))
    return found


def test_a_tree_that_ignores_sigterm_is_stopped_by_the_rules_timeout(sandbox: Sandbox) -> None:
    mark = f"60.{os.getpid() % 10000:04d}{secrets.randbelow(10**6):06d}"
    sandbox.write_operator_policy(POLICY)
    (sandbox.work / "Makefile").write_text(
        "SHELL := /bin/bash\nall:\n"
        f"\ttrap '' TERM; (trap '' TERM; sleep {mark}1) & setsid sleep {mark}2 & "
        f"sleep {mark}3\n")
    try:
        ran = sandbox.gatekeep("run", "-c", "make")

        assert ran.returncode == 124, ran.stderr
        assert ran.stderr.endswith("gatekeep: stopped: the command ran past its time limit "
                                   "of 1 seconds (limits: timeout in the policy)\n"), ran.stderr
        sandbox.wait_for(lambda: not _running(mark))
        entry = sandbox.audit()[-1]
        assert (entry["decision"], entry["exit_code"], entry["stopped"]) == \
            ("allow", 124, "timeout")
    finally:
        for pid in _running(mark):
            os.kill(pid, signal.SIGKILL)


def test_the_rules_limits_apply_to_what_it_allows_only(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(POLICY)
    (sandbox.work / "Makefile").write_text("all:\n\t@echo built\n")

    def timeout(command: str) -> object:
        checked = sandbox.gatekeep("check", "--json", "-c", command)
        return json.loads(checked.stdout)["boundary"]["limits"]["timeout"]

    assert timeout("make") == 1
    assert timeout("ls") == 600
    assert timeout("ls && make") == 1  # the tightest part


def test_a_run_within_its_limits_has_no_stopped_field(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(POLICY)
    (sandbox.work / "Makefile").write_text("all:\n\t@echo built\n")

    ran = sandbox.gatekeep("run", "-c", "make")

    assert (ran.returncode, ran.stdout) == (0, "built\n"), ran.stderr
    entry = sandbox.audit()[-1]
    assert entry["exit_code"] == 0 and "stopped" not in entry
