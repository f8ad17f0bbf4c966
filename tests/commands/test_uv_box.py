"""uv in the box: `uv run` takes a lock in uv's cache even when it downloads nothing, so a
box that does not download for uv writes its own copy of that cache (kept apart), never the
shared one; a box that downloads for uv (`uv sync --frozen` with the network) writes the
shared one. Real uv (CI installs it) and real bubblewrap."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = [
    pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap"),
    pytest.mark.skipif(shutil.which("uv") is None, reason="needs uv (CI installs it)"),
]

PYPROJECT = ('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'
             'dependencies = []\n')


def _project(sandbox: Sandbox) -> Path:
    work: Path = sandbox.work
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / "pyproject.toml").write_text(PYPROJECT)
    env = {**os.environ, "HOME": str(sandbox.home), "UV_OFFLINE": "1"}
    for args in (["uv", "lock", "-q"], ["uv", "sync", "-q"]):
        done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    return work


def _entries(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")} if path.exists() else set()


def test_uv_run_works_offline_and_leaves_the_shared_cache_as_it_was(apart: Sandbox) -> None:
    _project(apart)
    shared = apart.home / ".cache" / "uv"
    before = _entries(shared)
    (apart.work / "answer.py").write_text("print(41 + 1)\n")  # `python -c` would be asked
    run = apart.gatekeep("run", "-c", "uv run python answer.py", timeout=120)
    assert (run.returncode, run.stdout) == (0, "42\n"), run.stderr
    assert _entries(shared) == before
    check = json.loads(apart.gatekeep("check", "--json", "-c", "uv run pytest").stdout)
    assert str(shared) in check["boundary"]["separate"]


def test_a_box_that_downloads_for_uv_writes_the_shared_cache(apart: Sandbox) -> None:
    work = _project(apart)
    shutil.rmtree(work / ".venv")  # uv would run its interpreter: offline then
    check = json.loads(apart.gatekeep("check", "--json", "-c", "uv sync --frozen").stdout)
    boundary = check["boundary"]
    shared = str(apart.home / ".cache" / "uv")
    assert boundary["network"] is True
    assert shared in boundary["writable"] and shared not in boundary["separate"]
