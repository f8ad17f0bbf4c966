"""Helpers of the end-to-end tests of the box and git: a recipe planted in a Makefile, run
boxed with ``gatekeep run -c make``, then the operator's git outside the box."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

Sandbox = Any
# What a boxed recipe plants: each makes a later git outside the box touch WORK/PWNED.
HOOK = "printf '\\#!/bin/sh\\ntouch $(CURDIR)/PWNED\\n' > {0}/pre-commit; chmod +x {0}/pre-commit"
EVIL = "git -C {0} config core.fsmonitor 'touch $(CURDIR)/PWNED; false'"
NEW_REPO = ("git init -q {0} && git -C {0} -c user.name=t -c user.email=t@e "
            "commit -q --allow-empty -m x")


def git(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *map(str, args)], cwd=cwd, check=True, capture_output=True,
                          timeout=60)


def plant(sandbox: Sandbox, *recipe: str) -> None:
    lines = ["SHELL := /bin/bash", "all:", *(f"\t{line}" for line in recipe)]
    (sandbox.work / "Makefile").write_text("\n".join(lines) + "\n")


def repo(where: Path) -> None:
    git("init", "-q", ".", cwd=where)
    (where / "a.txt").write_text("a\n")
    git("add", "a.txt", cwd=where)
    git("commit", "-qm", "first", cwd=where)


def boxed_run(sandbox: Sandbox) -> Any:
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    return boxed


def status(sandbox: Sandbox, *before: list[str]) -> bool:
    """The operator's git commands (``before``), then ``git status``, outside the box:
    whether the planted ``touch WORK/PWNED`` ran."""
    for args in [*before, ["status"]]:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=sandbox.work, capture_output=True, check=False, timeout=60)
    return (sandbox.work / "PWNED").exists()


def filter_reaching(repository: Path, address: Path, run: Callable[[], object]) -> list[bytes]:
    """A clean filter in ``repository`` (changed since its commit) that connects to the Unix
    socket ``address`` and sends a word; what a listener there received while ``run``
    ran (nothing, when no filter could reach it)."""
    got: list[bytes] = []
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(address))
    server.listen(1)
    server.settimeout(15)

    def accept() -> None:
        try:
            conn, _ = server.accept()
            got.append(conn.recv(100))
        except OSError:
            pass
    thread = threading.Thread(target=accept)
    thread.start()
    (repository / "f.py").write_text(
        "import socket,sys\ntry:\n s=socket.socket(socket.AF_UNIX)\n"
        f" s.connect({str(address)!r}); s.send(b'REACHED')\n"
        "except OSError: pass\nsys.stdout.write(sys.stdin.read())\n")
    (repository / ".gitattributes").write_text("* filter=x\n")
    git("config", "filter.x.clean", f"{sys.executable} {repository / 'f.py'}", cwd=repository)
    (repository / "a.txt").write_text("changed\n")
    try:
        run()
    finally:
        server.close()
        thread.join(20)
    return got


FORGE = """set -e
agent=$(printf '{"hooks": "agent"}\\n' | git hash-object -w --stdin)
export GIT_INDEX_FILE=$(mktemp)
git read-tree "${BASE:-HEAD}"
git update-index --cacheinfo "100644,$agent,.claude/settings.json"
tree=$(git write-tree)
rm -f "$GIT_INDEX_FILE"
unset GIT_INDEX_FILE
GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \\
GIT_COMMITTER_EMAIL=t@example.org git commit-tree "$tree" -p "${BASE:-HEAD}" -m more
"""


def forging(repo: Path, then: str) -> None:
    """A script (``make``) that builds an honest commit on HEAD (or $BASE) whose
    .claude/settings.json is the agent's, then runs ``then`` with its id as $c."""
    (repo / "forge.sh").write_text(FORGE)
    (repo / "Makefile").write_text(f"all:\n\tc=$$(sh forge.sh) && {then}\n")
