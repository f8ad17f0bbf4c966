"""Reused allow decisions (gatekeep.runtime.decision_cache): only while all they depended on
holds."""

from __future__ import annotations

import os
import subprocess
from typing import Any

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import


def stored(sandbox: Sandbox) -> bool:
    return any((sandbox.state_home / "gatekeep" / "cache").glob("d-*"))


def test_an_allowed_command_runs_the_same_when_its_decision_is_reused(sandbox: Sandbox) -> None:
    first = sandbox.gatekeep("run", "-c", "echo one | tr a-z A-Z")
    assert stored(sandbox)
    second = sandbox.gatekeep("run", "-c", "echo one | tr a-z A-Z")
    assert (first.returncode, first.stdout) == (0, "ONE\n")
    assert (second.returncode, second.stdout, second.stderr) == (0, "ONE\n", "")
    entries = sandbox.audit()
    assert [e["exit_code"] for e in entries] == [0, 0]
    assert entries[0].keys() == entries[1].keys()
    assert entries[1]["segments"] == entries[0]["segments"]


def test_a_changed_policy_is_never_answered_from_a_stored_decision(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(sandbox.policy_yaml(("touching", "allow", ["touch"])))
    assert sandbox.gatekeep("run", "--", "touch", "marker").returncode == 0
    sandbox.marker.unlink()
    sandbox.write_operator_policy(sandbox.policy_yaml(("no-touching", "deny", ["touch"])) + "\n")
    refused = sandbox.gatekeep("run", "--", "touch", "marker")
    assert refused.returncode == 126, refused.stderr
    assert "gatekeep: denied: no-touching: touch: writes or deletes files in the working " \
        "tree (writes-tree)" in refused.stderr
    assert not sandbox.marker.exists()


def test_a_symlink_that_appears_later_is_judged_afresh(sandbox: Sandbox) -> None:
    target = sandbox.work / "notes.txt"
    assert sandbox.gatekeep("run", "-c", "echo hi > notes.txt").returncode == 0
    target.unlink()
    bashrc = sandbox.home / ".bashrc"
    bashrc.write_text("original\n")
    os.symlink(bashrc, target)
    refused = sandbox.gatekeep("run", "-c", "echo hi > notes.txt")
    assert refused.returncode == 126, refused.stderr
    assert "gatekeep: denied: protect.write" in refused.stderr
    assert bashrc.read_text() == "original\n"


def test_a_program_shadowed_later_on_path_is_judged_afresh(sandbox: Sandbox) -> None:
    shadow = sandbox.work / "bin"
    shadow.mkdir()
    # a project with its own bin on PATH: a git work tree (a directory with a bin on PATH
    # and no repository is a tool's prefix, which the box does not write)
    subprocess.run(["git", "init", "-q"], cwd=sandbox.work, check=True)
    env = {"PATH": f"{shadow}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    assert sandbox.gatekeep("run", "--", "ls", env=env).returncode == 0
    assert stored(sandbox)
    fake = shadow / "ls"
    fake.write_text("#!/bin/sh\ntouch marker\n")
    fake.chmod(0o755)
    second = sandbox.gatekeep("run", "--", "ls", env=env)
    assert second.returncode == 126, second.stderr
    assert "not the system program of that name" in second.stderr
    assert not sandbox.marker.exists()


def test_a_corrupt_decision_store_is_ignored(sandbox: Sandbox) -> None:
    assert sandbox.gatekeep("run", "-c", "echo fine").returncode == 0
    [entry] = (sandbox.state_home / "gatekeep" / "cache").glob("d-*")
    entry.write_bytes(b"\xff\x00 not an entry")
    result = sandbox.gatekeep("run", "-c", "echo fine")
    assert (result.returncode, result.stdout, result.stderr) == (0, "fine\n", "")


def test_refusals_are_never_stored(sandbox: Sandbox) -> None:
    refused = sandbox.gatekeep("run", "-c", "touch marker; rm -rf ~")
    assert refused.returncode == 126
    assert not stored(sandbox)
