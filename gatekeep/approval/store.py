"""Saved approvals: "always" answers, kept in the operator's config dir.

What an approval is and when it applies is ``gatekeep.core.approvals``; this is
the file. It lives beside the operator's policy, where gatekeep denies writes by agents;
every read-modify-write of it holds a lock, so a concurrent "always" cannot bring back a
revoked approval.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from gatekeep.core.approvals import Approval, Shape, new, split
from gatekeep.runtime.locations import Locations

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from typing import Any, TextIO

__all__ = ["Approval", "Shape", "new", "split"]

FILE_NAME = "approvals.json"
FORMAT = 2


def path(config_dir: str) -> str:
    return os.path.join(config_dir, FILE_NAME)


def load(config_dir: str) -> list[Approval]:
    """Every saved approval; an unreadable file is an error, never an empty list."""
    file = path(config_dir)
    if not os.path.lexists(file):
        return []
    import json

    with open(file, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not isinstance(data.get("approvals"), list):
        raise ValueError("not an approvals file")
    return [_record(item) for item in data["approvals"]]


def _record(item: Any) -> Approval:
    """One stored approval, its types checked: a wrong type is an error, never a match."""
    if not isinstance(item, dict):
        raise ValueError("an approval is not an object")
    argv = _strings(item["argv"], "argv")
    shape: Shape | None = None
    lifts: tuple[str, ...] = ()
    if "program" in item:  # format 2; format 1 records matched too much and stay inert
        wrapper = item.get("wrapper")
        if wrapper is not None and not isinstance(wrapper, str):
            raise ValueError("wrapper is not a string")
        shape = Shape(argv, _string(item["program"], "program"),
                      _strings(item.get("assignments", []), "assignments"),
                      _strings(item.get("redirects", []), "redirects"), wrapper,
                      _strings(item.get("files", []), "files"))
        lifts = _strings(item["lifts"], "lifts")
    return Approval(_string(item["id"], "id"), shape, _scope(item["scope"]),
                    _number(item["created"]), _number(item["expires"]),
                    _string(item["command"], "command"), argv, lifts)


def _string(value: object, name: str) -> str:
    if not isinstance(value, str) or "\0" in value:
        raise ValueError(f"{name} is not a string")
    return value


def _strings(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{name} is not a list")
    return tuple(_string(v, name) for v in value)


def _number(value: object) -> float:
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise ValueError("a time is not a finite number")
    return float(value)


def _scope(value: object) -> str:
    """An absolute, normalized directory below the root: "" or "/" would cover everything."""
    scope = _string(value, "scope")
    if not scope.startswith("/") or os.path.normpath(scope) != scope or scope == "/":
        raise ValueError(f"scope {scope!r} is not one working tree")
    return scope


def _document(approvals: Sequence[Approval]) -> dict[str, object]:
    records: list[dict[str, object]] = []
    for a in approvals:
        record: dict[str, object] = {"id": a.id, "argv": list(a.argv), "scope": a.scope,
                                     "created": a.created, "expires": a.expires,
                                     "command": a.command}
        if a.shape is not None:
            record.update(program=a.shape.program, assignments=list(a.shape.assignments),
                          redirects=list(a.shape.redirects), wrapper=a.shape.wrapper,
                          files=list(a.shape.files),
                          lifts=list(a.lifts))
        records.append(record)
    return {"version": FORMAT, "approvals": records}


def save(config_dir: str, approvals: Sequence[Approval]) -> None:
    """Write the approvals atomically (a reader never sees half a file), 0600."""
    import json

    os.makedirs(config_dir, mode=0o700, exist_ok=True)
    file = path(config_dir)
    temporary = f"{file}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                         0o600)
    with open(descriptor, "w", encoding="utf-8") as handle:
        json.dump(_document(approvals), handle, indent=2, ensure_ascii=True)
        handle.write("\n")
    os.replace(temporary, file)


class locked:
    """Hold the approvals lock: one read-modify-write at a time, across processes.

    A class, not contextlib's decorator: importing contextlib would cost every judging
    command's start-up, and only a write of approvals needs the lock.
    """

    def __init__(self, config_dir: str) -> None:
        self._config_dir = config_dir
        self._descriptor = -1

    def __enter__(self) -> None:
        import fcntl

        os.makedirs(self._config_dir, mode=0o700, exist_ok=True)
        descriptor = os.open(os.path.join(self._config_dir, f".{FILE_NAME}.lock"),
                             os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor

    def __exit__(self, *raised: object) -> None:
        os.close(self._descriptor)


def add(config_dir: str, approval: Approval) -> None:
    with locked(config_dir):
        save(config_dir, [*load(config_dir), approval])


def revoke(config_dir: str, approval_id: str) -> bool:
    with locked(config_dir):
        approvals = load(config_dir)
        kept = [a for a in approvals if a.id != approval_id]
        if len(kept) == len(approvals):
            return False
        save(config_dir, kept)
        return True


def saved_approvals(locations: Locations, now: float,
                    stderr: TextIO) -> tuple[list[Approval], list[Approval]]:
    """``(valid, expired)`` approvals; an unreadable file counts as none, with a warning."""
    try:
        return split(load(str(locations.config_dir)), now)
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        stderr.write(f"gatekeep: warning: ignoring unreadable approvals "
                     f"{path(str(locations.config_dir))}: {error}\n")
        return [], []
