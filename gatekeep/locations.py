"""Where gatekeep keeps its files: operator policy, audit log, cache (XDG via platformdirs)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

PROJECT_POLICY_NAMES = (".gatekeep.yaml", ".gatekeep/policy.yaml")


class Locations(NamedTuple):
    config_dir: Path
    state_dir: Path

    @classmethod
    def from_platform(cls) -> Locations:
        """The operator's directories (honours XDG_CONFIG_HOME and XDG_STATE_HOME)."""
        import platformdirs

        return cls(
            Path(platformdirs.user_config_dir("gatekeep", appauthor=False)),
            Path(platformdirs.user_state_dir("gatekeep", appauthor=False)),
        )

    @property
    def operator_policy(self) -> Path:
        return self.config_dir / "policy.yaml"

    @property
    def audit_log(self) -> Path:
        return self.state_dir / "audit.jsonl"

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"


def find_project_policy(cwd: Path) -> Path | None:
    """The nearest project policy in ``cwd`` or a parent directory."""
    for directory in (cwd, *cwd.parents):
        for name in PROJECT_POLICY_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None
