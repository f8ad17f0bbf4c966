"""Saved approvals: "always" answers, kept in the operator's config dir.

An approval is the narrowest useful rule: one invocation exactly as the operator
saw it (the program's resolved path, its words, its assignments and redirections,
the wrapper that ran it), valid while every directory it may run in lies inside
one working tree, until it expires. It cancels only the asks the operator saw
when approving it (the policy's rule or default, and hazards of its own words);
protected paths, writes outside the tree and any new reason still decide, and it
never overrides a deny. The file lives beside the operator's
policy, where gatekeep denies writes by agents; every read-modify-write of it
holds a lock, so a concurrent "always" cannot bring back a revoked approval.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

FILE_NAME = "approvals.json"
FORMAT = 2
DEFAULT_DAYS = 7
# Never saved on their own: they run whatever follows them.
TOO_BROAD = frozenset({
    "bash", "sh", "zsh", "dash", "ksh", "fish", "python", "python3", "node", "perl", "ruby",
    "php", "lua", "env", "sudo", "doas", "xargs", "eval", "exec", "command", "builtin",
    "nohup", "time", "timeout", "nice", "setsid", "su", "ssh", "parallel", "busybox",
})


class Shape(NamedTuple):
    """What an approval must match word for word: one invocation as written."""

    argv: tuple[str, ...]
    program: str  # the resolved path of the program that runs
    assignments: tuple[str, ...] = ()
    redirects: tuple[str, ...] = ()  # a here-document with its lines
    wrapper: str | None = None  # the whole command that runs it (find's roots, a script)
    files: tuple[str, ...] = ()  # path=fingerprint of each file the words name, as approved


class Approval(NamedTuple):
    id: str
    shape: Shape | None  # None: saved by an older gatekeep; it matches nothing
    scope: str
    created: float
    expires: float
    command: str
    argv: tuple[str, ...] = ()
    lifts: tuple[str, ...] = ()  # the rules whose asks the operator saw and approved

    def covers(self, shape: Shape, asked: Collection[str], cwds: Sequence[str | None]) -> bool:
        """Whether this approval allows exactly ``shape``, asked only for what the operator
        saw, run from every directory in ``cwds``."""
        return self.shape is not None and shape == self.shape \
            and all(rule in self.lifts for rule in asked) \
            and all(cwd is not None and _inside(cwd, self.scope) for cwd in cwds)

    def expired(self, now: float) -> bool:
        return now >= self.expires

    def shown(self) -> str:
        import shlex

        if self.shape is None:
            return f"{shlex.join(self.argv)} (saved by an older gatekeep: matches nothing)"
        shown = " ".join([*self.shape.assignments, shlex.join(self.argv),
                          *(r.split("\n", 1)[0] for r in self.shape.redirects)])
        return shown if self.shape.wrapper is None else f"{shown} (run by: {self.shape.wrapper})"


def _inside(path: str, scope: str) -> bool:
    return path == scope or path.startswith(scope.rstrip("/") + "/")


def new(shape: Shape, lifts: Collection[str], scope: str, command: str, now: float,
        days: float = DEFAULT_DAYS) -> Approval:
    import secrets

    return Approval(secrets.token_hex(4), shape, scope, now, now + days * 86400, command,
                    shape.argv, tuple(sorted(lifts)))


def refusal(argv: Sequence[str]) -> str | None:
    """Why ``argv`` cannot be saved as an approval, or None when it can."""
    if not argv:
        return "nothing to save"
    program = argv[0].rsplit("/", 1)[-1]
    if program in TOO_BROAD and len(argv) == 1:
        return f"{program} alone would approve anything it runs"
    return None


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


@contextmanager
def locked(config_dir: str) -> Iterator[None]:
    """Hold the approvals lock: one read-modify-write at a time, across processes."""
    import fcntl

    os.makedirs(config_dir, mode=0o700, exist_ok=True)
    descriptor = os.open(os.path.join(config_dir, f".{FILE_NAME}.lock"),
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


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


def split(approvals: Sequence[Approval], now: float) -> tuple[list[Approval], list[Approval]]:
    """``(valid, expired)``."""
    valid = [a for a in approvals if not a.expired(now)]
    return valid, [a for a in approvals if a.expired(now)]
