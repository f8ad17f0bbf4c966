"""`python -m gatekeep` in the agent's project: its modules are never gatekeep's.

`python -m` puts the working directory first on sys.path. A hook, `gatekeep run` and
`gatekeep check` work in the agent's project, where the agent may have written `re.py`:
imported in place of the standard library's, it ran in gatekeep's own process, outside
the box, with the operator's environment (red team 56).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHADOWS = ("re", "json", "enum", "typing", "shlex", "hashlib", "yaml", "tree_sitter")
PAYLOAD = {"tool_name": "Bash", "tool_input": {"command": "ls"},
           "hook_event_name": "PreToolUse"}


def _project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    work = tmp_path / "work"
    work.mkdir()
    for name in SHADOWS:
        (work / f"{name}.py").write_text(
            f"open({str(tmp_path / 'imported')!r}, 'a').write({name!r} + '\\n')\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "HOME": str(tmp_path / "home"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return work, env


@pytest.mark.parametrize("args", [["check", "-c", "ls"], ["run", "--", "true"], ["version"],
                                  ["check", "--json", "-c", "ls"], ["hook", "claude-code"]])
def test_no_module_of_the_project_is_imported(tmp_path: Path, args: list[str]) -> None:
    work, env = _project(tmp_path)
    payload = json.dumps({**PAYLOAD, "cwd": str(work)}) if args[0] == "hook" else ""
    done = subprocess.run([sys.executable, "-m", "gatekeep", *args], input=payload,
                          capture_output=True, text=True, env=env, cwd=work, timeout=120,
                          check=False)
    assert not (tmp_path / "imported").exists(), (tmp_path / "imported").read_text()
    assert done.returncode == 0, done.stdout + done.stderr
    if args[0] == "hook":
        assert '"permissionDecision": "allow"' in done.stdout


def test_an_interpreter_started_elsewhere_keeps_its_path(tmp_path: Path) -> None:
    """Only `-m gatekeep` drops the entry: a program that imports gatekeep keeps its own."""
    work, env = _project(tmp_path)
    done = subprocess.run([sys.executable, "-c", "import sys, gatekeep; print(sys.path[0])"],
                          capture_output=True, text=True, env=env, cwd=work, timeout=60,
                          check=True)
    assert done.stdout.strip() == ""
