"""Where gatekeep keeps its files: operator policy, audit log, caches."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gatekeep.runtime import sysfs
from gatekeep.sandbox.records import NamedTuple


class Locations(NamedTuple):
    config_dir: Path
    state_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Locations:
        """``$XDG_CONFIG_HOME/gatekeep`` and ``$XDG_STATE_HOME/gatekeep`` (or their defaults)."""
        config, state = sysfs.user_dirs(env)
        return cls(Path(config), Path(state))

    @property
    def operator_policy(self) -> Path:
        return self.config_dir / "policy.yaml"

    @property
    def audit_log(self) -> Path:
        return self.state_dir / "audit.jsonl"

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"
