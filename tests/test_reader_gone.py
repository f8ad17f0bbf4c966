"""A reader that went away (``gatekeep check ... | head -c0``): the commands dispatched
before typer end as the typer application's do, quietly with exit 1, never exit 70."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("args", [["check", "-c", "ls"], ["check", "--json", "--", "ls"],
                                  ["doctor"], ["schema"]], ids=" ".join)
def test_a_reader_gone_is_exit_1_and_no_message(args: list[str], tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "GATEKEEP_RESIDENT": "0"}
    read_end, write_end = os.pipe()
    os.close(read_end)  # gone before anything is written
    try:
        result = subprocess.run([sys.executable, "-m", "gatekeep", *args], stdout=write_end,
                                stderr=subprocess.PIPE, env=env, cwd=tmp_path, timeout=60,
                                check=False)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, b"")
