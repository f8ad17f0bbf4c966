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
from gatekeep.errors import PolicyError
from gatekeep.locations import Locations
from gatekeep.policy.model import Policy
from gatekeep.policy.refs import resolve_reference
from gatekeep.validate import problem


class PolicySource(NamedTuple):
    reference: str
    role: str  # operator | --policy | GATEKEEP_POLICY | project


def run_sources(locations: Locations, cwd: Path, explicit: str | None,
                env_policy: str | None) -> list[PolicySource]:
    found = sysfs.policy_sources(str(locations.config_dir), str(cwd), explicit, env_policy)
    for reference, role in found:  # a name that cannot be a path: say where it came from
        reason = problem(reference)
        if reason is not None:
            raise PolicyError(role, None, None, "", f"the policy name {reason}")
    return [PolicySource(reference, role) for reference, role in found]


def load_cached(reference: str, cache_dir: Path | None, programs: str | None = None) -> Policy:
    """Load a policy, reusing the compiled form while none of its files changed.

    ``programs`` is the operator's program knowledge file, extending the shipped one.
    """
    path = resolve_reference(reference)
    entry = None
    if cache_dir is not None:
        name = f"{__version__}\0{path.resolve()}\0{programs or ''}"
        entry = cache_dir / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.pickle"
        policy = _read(entry)
        if policy is not None:
            return policy
    from gatekeep.policy.load import load_knowledge_default, load_policy

    knowledge = load_knowledge_default(Path(programs) if programs else None)
    policy = load_policy(reference, knowledge)
    if entry is not None:
        _write(entry, policy)
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


def _read(entry: Path) -> Policy | None:
    try:
        with entry.open("rb") as handle:
            stamps, policy = pickle.load(handle)  # noqa: S301 - see the import note
        if stamps != _stamp([*policy.files, *policy.knowledge.files]):
            return None
    except Exception:
        return None
    return policy if isinstance(policy, Policy) else None


def _write(entry: Path, policy: Policy) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump((_stamp([*policy.files, *policy.knowledge.files]), policy), handle)
        temporary.replace(entry)
    except OSError:
        return
