"""Saved approvals: "always" answers, kept in the operator's config dir.

An approval is the narrowest useful rule: the exact words of one part of a
command, valid inside one working tree, until it expires. It turns an *ask* for
exactly that part into an allow; it never overrides a deny. The file lives beside
the operator's policy, where gatekeep denies writes by agents.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

FILE_NAME = "approvals.json"
_MAX_TEXT = 65536  # a word or command saved from a real command line
DEFAULT_DAYS = 7
# Never saved on their own: they run whatever follows them.
TOO_BROAD = frozenset({
    "bash", "sh", "zsh", "dash", "ksh", "fish", "python", "python3", "node", "perl", "ruby",
    "php", "lua", "env", "sudo", "doas", "xargs", "eval", "exec", "command", "builtin",
    "nohup", "time", "timeout", "nice", "setsid", "su", "ssh", "parallel", "busybox",
})


class Approval(NamedTuple):
    id: str
    argv: tuple[str, ...]
    scope: str
    created: float
    expires: float
    command: str

    def covers(self, argv: Sequence[str], cwd: str) -> bool:
        """Whether this approval allows exactly ``argv`` run from ``cwd``."""
        inside = cwd == self.scope or cwd.startswith(self.scope.rstrip("/") + "/")
        return inside and tuple(argv) == self.argv

    def expired(self, now: float) -> bool:
        return now >= self.expires

    def shown(self) -> str:
        import shlex

        return shlex.join(self.argv)


def new(argv: Sequence[str], scope: str, command: str, now: float,
        days: float = DEFAULT_DAYS) -> Approval:
    import secrets

    return Approval(secrets.token_hex(4), tuple(argv), scope, now, now + days * 86400, command)


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
    return [_loaded(item) for item in data["approvals"]]


def _loaded(item: dict[str, object]) -> Approval:
    """One saved approval, every value checked (ValueError): only exact words are trusted."""
    from gatekeep.validate import checked, number

    argv = item["argv"]
    if not isinstance(argv, list) or not argv:
        raise ValueError("argv: expected a non-empty list of words")
    scope = checked(item["scope"], "scope")
    if not scope.startswith("/"):
        raise ValueError("scope: expected an absolute directory")
    words = tuple(checked(word, "argv", _MAX_TEXT) for word in argv)
    return Approval(checked(item["id"], "id"), words, scope, number(item["created"], "created"),
                    number(item["expires"], "expires"), checked(item["command"], "command",
                                                                _MAX_TEXT))


def save(config_dir: str, approvals: Sequence[Approval]) -> None:
    """Write the approvals atomically (a reader never sees half a file)."""
    import json

    os.makedirs(config_dir, mode=0o700, exist_ok=True)
    file = path(config_dir)
    temporary = f"{file}.{os.getpid()}.tmp"
    document = {"version": 1, "approvals": [a._asdict() for a in approvals]}
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(temporary, file)


def add(config_dir: str, approval: Approval) -> None:
    save(config_dir, [*load(config_dir), approval])


def revoke(config_dir: str, approval_id: str) -> bool:
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
