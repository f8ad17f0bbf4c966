"""Policy references: a file path or ``builtin:NAME`` (no YAML needed to resolve one)."""

from __future__ import annotations

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
