"""Reusing allow decisions: ``gatekeep run`` is on the path of every agent command.

``decide`` is pure: the same policy files, command, context and file-system
answers give the same decision. An allow decision is stored with the stamps of
every file it depended on (policies, program knowledge, gatekeep's own code) and
every file-system answer the engine asked for (which program a name runs, where
a path really points). It is reused only when all of them still hold; anything
else (a changed file, a new symlink, a glob in the command) decides afresh.

Only ``os`` and ``marshal`` are imported, so a reused decision costs a few stats.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence

from gatekeep import __version__, sysfs

FORMAT = 1
MAX_ENTRIES = 512
Answer = tuple[str, str, "str | None"]


def key(*, command: str | None, argv: Sequence[str] | None, cwd: str, home: str, path: str,
        tmpdir: str, dirs: tuple[str, str], sources: list[tuple[str, str]]) -> str:
    """Everything outside the files that the decision depends on, as one string."""
    programs = sysfs.operator_programs(dirs[0]) or ""
    parts = [f"{FORMAT}", __version__, cwd, home, path, tmpdir, *dirs, programs]
    parts.extend(f"{role}={reference}" for reference, role in sources)
    parts.append("c" if command is not None else "a")
    parts.extend([command] if command is not None else list(argv or ()))
    return "\0".join(parts)


def _file(state_dir: str) -> str:
    return os.path.join(state_dir, "cache", "decisions.marshal")


def _load(state_dir: str) -> dict[str, tuple[object, ...]]:
    try:
        with open(_file(state_dir), "rb") as handle:
            table = marshal.load(handle)  # noqa: S302 - our own file, in a protected dir; runs nothing
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return table if isinstance(table, dict) else {}


def lookup(state_dir: str, cache_key: str, path: str) -> str | None:
    """The stored audit fields of a still-valid allow decision, or None."""
    entry = _load(state_dir).get(cache_key)
    if not isinstance(entry, tuple) or len(entry) != 3:
        return None
    stamps, answers, audit_fields = entry
    try:
        if [tuple(s) for s in stamps] != sysfs.stamps(s[0] for s in stamps):  # type: ignore[attr-defined]
            return None
    except (OSError, TypeError, IndexError):
        return None
    for kind, argument, answer in answers:  # type: ignore[attr-defined]
        now = sysfs.which(argument, path) if kind == "which" else os.path.realpath(argument)
        if now != answer:
            return None
    return audit_fields if isinstance(audit_fields, str) else None


def store(state_dir: str, cache_key: str, files: Sequence[str], answers: Sequence[Answer],
          audit_fields: str) -> None:
    """Remember an allow decision; failing to write the cache changes nothing else."""
    try:
        entry = (sysfs.stamps([*dict.fromkeys([*files, *sysfs.code_files()])]),
                 list(dict.fromkeys(answers)), audit_fields)
        table = _load(state_dir)
        table.pop(cache_key, None)
        table[cache_key] = entry
        while len(table) > MAX_ENTRIES:
            table.pop(next(iter(table)))
        target = _file(state_dir)
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        temporary = f"{target}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            marshal.dump(table, handle)
        os.replace(temporary, target)
    except (OSError, ValueError):
        return
