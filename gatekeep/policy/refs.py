"""Policy references: a file path or ``builtin:NAME`` (no YAML needed to resolve one)."""

from __future__ import annotations

import os
from pathlib import Path

from gatekeep.errors import PolicyError


def builtin_dir() -> Path:
    """Where the shipped policies are: inside the package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "policies"
    return installed if installed.is_dir() else here.parent / "policies"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml") if p.stem not in DATA_FILES)


DATA_FILES = ("programs", "redact")  # shipped beside the policies, but not policies


def builtin_path(name: str) -> Path:
    path = builtin_dir() / f"{name}.yaml"
    if name not in builtin_names():
        raise PolicyError(f"builtin:{name}", None, None, "",
                          f"no such built-in policy; available: {', '.join(builtin_names())}")
    return path


def resolve_reference(reference: str, relative_to: Path | None = None) -> Path:
    if reference.startswith("builtin:"):
        return builtin_path(reference.removeprefix("builtin:"))
    path = Path(reference).expanduser()
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    return path


def confinement(reference: str, path: Path, operator_dir: str) -> Path | None:
    """The directory whose files a policy may extend; None when it may extend any file.

    A built-in policy and the operator's own policy (in the config dir, which agents
    cannot write) may extend anything. Any other (a project policy, --policy,
    GATEKEEP_POLICY) may have been written by the agent: it extends only builtin:NAME
    and files inside the project that holds it (``.gatekeep/policy.yaml`` belongs to
    the directory above), so it cannot make gatekeep read a file elsewhere and report
    on it.
    """
    if reference.startswith("builtin:"):
        return None
    named = Path(os.path.abspath(path))
    config = Path(os.path.abspath(operator_dir))
    if named.is_relative_to(config) or named.resolve().is_relative_to(config.resolve()):
        return None
    project = named.parent.parent if named.parent.name == ".gatekeep" else named.parent
    return project.resolve()
