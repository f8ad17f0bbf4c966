"""Which policies judge a command, loaded through a cache of compiled policies.

The operator's policy (``$XDG_CONFIG_HOME/gatekeep/policy.yaml`` or the built-in
default) is the authority. ``--policy``, ``GATEKEEP_POLICY`` and a project policy
are added beside it for ``run``: the strictest decision wins, so they can only
tighten.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import NamedTuple

from gatekeep import __version__, sysfs
from gatekeep.locations import Locations
from gatekeep.policy.model import Policy
from gatekeep.policy.refs import builtin_dir, resolve_reference


class PolicySource(NamedTuple):
    reference: str
    role: str  # operator | --policy | GATEKEEP_POLICY | project


def run_sources(locations: Locations, cwd: Path, explicit: str | None,
                env_policy: str | None) -> list[PolicySource]:
    found = sysfs.policy_sources(str(locations.config_dir), str(cwd), explicit, env_policy)
    return [PolicySource(reference, role) for reference, role in found]


def load_cached(reference: str, cache_dir: Path | None) -> Policy:
    """Load a policy, reusing the compiled form while none of its files changed."""
    path = resolve_reference(reference)
    knowledge_file = builtin_dir() / "programs.yaml"
    entry = None
    if cache_dir is not None:
        key = hashlib.sha256(f"{__version__}\0{path.resolve()}".encode()).hexdigest()[:32]
        entry = cache_dir / f"{key}.pickle"
        policy = _read(entry, knowledge_file)
        if policy is not None:
            return policy
    from gatekeep.policy.load import load_policy

    policy = load_policy(reference)
    if entry is not None:
        _write(entry, policy, knowledge_file)
    return policy


# The compiled form depends on these modules too: a changed class layout rebuilds the cache.
_PACKAGE = Path(__file__).resolve().parent.parent
_CODE = tuple(_PACKAGE / name for name in (
    "policy/model.py", "policy/load.py", "policy/yamlsource.py", "knowledge.py",
    "shell/analyze.py", "shell/model.py"))


def _stamp(files: list[str]) -> list[tuple[str, int, int]]:
    stamps = []
    for file in [*files, *map(str, _CODE)]:
        stat = os.stat(file)
        stamps.append((file, stat.st_mtime_ns, stat.st_size))
    return stamps


def _read(entry: Path, knowledge_file: Path) -> Policy | None:
    try:
        with entry.open("rb") as handle:
            stamps, policy = pickle.load(handle)  # noqa: S301 - see the import note
        if stamps != _stamp([*policy.files, str(knowledge_file)]):
            return None
    except Exception:
        return None
    return policy if isinstance(policy, Policy) else None


def _write(entry: Path, policy: Policy, knowledge_file: Path) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump((_stamp([*policy.files, str(knowledge_file)]), policy), handle)
        temporary.replace(entry)
    except OSError:
        return
