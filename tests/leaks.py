"""Helpers of the tests that a secret variable does not leak from a boxed run: the command
run and checked with ``$GITHUB_TOKEN`` set, npm told to give up at once on a registry it
cannot reach (a box without the network) and to ask nothing else of it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

QUICK_NPM = {"npm_config_fetch_retries": "0", "npm_config_fetch_timeout": "5000",
             "npm_config_update_notifier": "false", "npm_config_audit": "false",
             "npm_config_fund": "false"}


def run(sandbox: Any, command: str, cwd: Path, token: str) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = sandbox.gatekeep(
        "run", "-c", command, cwd=cwd, env={"GITHUB_TOKEN": token, **QUICK_NPM}, timeout=120)
    return result


def check(sandbox: Any, command: str, cwd: Path, token: str) -> str:
    """``gatekeep check``'s output and errors, as one text."""
    result = sandbox.gatekeep("check", "-c", command, cwd=cwd, env={"GITHUB_TOKEN": token})
    return f"{result.stdout}{result.stderr}"


def git(*args: str | Path) -> None:
    """git as the test's set-up, with none of this machine's settings."""
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", *map(str, args)],
                   check=True, capture_output=True,
                   env={**os.environ, "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1"})


def tracked(work: Path, upstream: Path) -> None:
    """``work``, a repository with a commit, tracking ``upstream``'s master (made bare)."""
    git("init", "-q", "--bare", upstream)
    git("init", "-q", work)
    git("-C", work, "commit", "-q", "--allow-empty", "-m", "init")
    git("-C", work, "remote", "add", "origin", upstream)
    git("-C", work, "push", "-q", "origin", "HEAD:refs/heads/master")
    git("-C", work, "branch", "-q", "--set-upstream-to=origin/master")
