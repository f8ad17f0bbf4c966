"""Shared helpers for the hook tests: ``gatekeep hook``, ``install`` and ``gatekeep-sh`` run
as real processes in a scratch home.

Each test gets a ``scratch``: its own HOME, XDG dirs and working directory, nothing
inherited but PATH, and no controlling terminal (a session of its own). Test modules
are imported with ``--import-mode=importlib`` and cannot import this file; they reach
what they share through the fixture.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gatekeep.runtime import audit

BIN = Path(sys.executable).parent
TIMEOUT = 60.0


@dataclass
class Scratch:
    root: Path
    BIN = BIN

    def __post_init__(self) -> None:
        for directory in (self.home, self.config_home, self.state_home, self.work):
            directory.mkdir(parents=True, exist_ok=True)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def config_home(self) -> Path:
        return self.root / "config"

    @property
    def state_home(self) -> Path:
        return self.root / "state"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def audit_log(self) -> Path:
        return self.state_home / "gatekeep" / "audit.jsonl"

    @property
    def env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home),
                "XDG_CONFIG_HOME": str(self.config_home),
                "XDG_STATE_HOME": str(self.state_home)}

    def operator_policy(self, text: str) -> Path:
        path = self.config_home / "gatekeep" / "policy.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, program: str, *args: str, input: bytes = b"",
            env: Mapping[str, str] | None = None, cwd: Path | None = None
            ) -> subprocess.CompletedProcess[bytes]:
        full = self.env
        full.update(env or {})
        return subprocess.run([str(BIN / program), *args], input=input, capture_output=True,
                              env=full, cwd=cwd or self.work, timeout=TIMEOUT, check=False,
                              start_new_session=True)

    def hook(self, agent: str, payload: Any, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.run("gatekeep", "hook", agent, input=data, **kwargs)

    def audit(self) -> list[dict[str, Any]]:
        if not self.audit_log.exists():
            return []
        # decision records with their end records' outcome merged in, as readers see them
        return audit.read(str(self.audit_log), print)


@pytest.fixture
def scratch(tmp_path: Path) -> Scratch:
    return Scratch(tmp_path)


@pytest.fixture
def unstartable_gatekeep(tmp_path: Path) -> Path:
    """The ``gatekeep`` launcher as pip installs it into an environment whose path has a
    blank: its first line names the interpreter as it is, which the kernel cannot start."""
    bin_dir = tmp_path / "my tools" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python3").symlink_to(sys.executable)
    launcher = (Path(__file__).resolve().parents[2] / "bin" / "gatekeep").read_text()
    script = bin_dir / "gatekeep"
    script.write_text(launcher.replace("#!python\n", f"#!{bin_dir / 'python3'}\n", 1))
    script.chmod(0o755)
    return script
