"""Helpers of the tests of a box with the network and the operator's variables and git
settings that name the agent's tree (tests/commands/test_redteam39.py to 41): a script of
the tree's that records the token it ran with, a program outside it that records its
environment, the boundary of an allowed networked command, a repository reached over ssh."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def script(path: Path, leak: Path) -> None:
    """An executable that records that it ran, with the token it was given, and fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "ran: $0 $* ${{GH_TOKEN:-}}" >> {leak}\nexit 1\n')
    path.chmod(0o755)


def networked(sandbox: Any, command: str, env: dict[str, str],
              cwd: Path | None = None) -> dict[str, Any]:
    """The boundary ``check --json`` gives ``command``, which is allowed with the network."""
    checked = sandbox.gatekeep("check", "--json", "-c", command, env=env, cwd=cwd)
    document = json.loads(checked.stdout)
    assert document["decision"] == "allow", checked.stdout
    boundary: dict[str, Any] = document["boundary"]
    assert boundary["network"] is True
    return boundary


def ssh_repository(work: Path, *settings: tuple[str, str],
                   remote: str = "git@127.0.0.1:o/r.git") -> None:
    """A repository whose origin is reached over ssh (no port: any ssh variant runs), with
    ``settings`` in its config."""
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["git", "remote", "add", "origin", remote], cwd=work, check=True)
    for key, value in settings:
        subprocess.run(["git", "config", key, value], cwd=work, check=True)


def fake_program(sandbox: Any, name: str) -> tuple[dict[str, str], Path]:
    """``name`` outside the tree, on PATH, writing its environment into the tree: what
    gatekeep judges is its name, and the box's environment is what it sees. The ``PATH``
    to run it with, and the file it writes."""
    tools = sandbox.root / "tools"
    tools.mkdir(exist_ok=True)
    seen = sandbox.work / f"{name}-env"
    (tools / name).write_text(f"#!/bin/sh\nenv > '{seen}'\n")
    (tools / name).chmod(0o755)
    return {"PATH": f"{tools}:{os.environ.get('PATH', '/usr/bin:/bin')}"}, seen


def run_quietly(sandbox: Any, command: str, token: str) -> subprocess.CompletedProcess[bytes]:
    """`gatekeep run -c command` with ``GH_TOKEN=token`` and stdin /dev/null (as an agent's
    often is: in gatekeep's process, `/dev/stdin/x` is then `/dev/null/x`)."""
    return subprocess.run([str(sandbox.GATEKEEP), "run", "-c", command],
                          stdin=subprocess.DEVNULL, capture_output=True, cwd=sandbox.work,
                          env={**sandbox.env, "GH_TOKEN": token}, timeout=120, check=False)

needs_bwrap = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"),
                                 reason="needs bubblewrap")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
