"""A tool in the project's virtualenv runs as tree code, and only while the virtualenv is one:
a decision stored for it is not reused once its ``pyvenv.cfg`` is gone."""

from __future__ import annotations

import os


def venv_tool(sandbox) -> dict[str, str]:
    bin_dir = sandbox.work / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (sandbox.work / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    tool = bin_dir / "pytest"
    tool.write_text("#!/bin/sh\necho ran >> marker\n")
    tool.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}


def test_a_virtualenv_tool_runs_and_stops_when_the_venv_is_gone(sandbox):
    env = venv_tool(sandbox)
    first = sandbox.gatekeep("run", "-c", "pytest", env=env)
    assert first.returncode == 0, first.stderr
    again = sandbox.gatekeep("run", "-c", "pytest", env=env)  # the stored decision, reused
    assert again.returncode == 0, again.stderr
    assert sandbox.marker.read_text() == "ran\nran\n"
    (sandbox.work / ".venv" / "pyvenv.cfg").unlink()
    refused = sandbox.gatekeep("run", "-c", "pytest", env=env)
    assert refused.returncode == 126, refused.stderr
    assert "not the system program" in refused.stderr
    assert sandbox.marker.read_text() == "ran\nran\n"
