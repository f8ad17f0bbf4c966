"""The refs of the tree's repositories when a box was planned, read as git reads them, for
the clean-up after the run (``movedrefs``).

Only the standard library: the fast path plans its boxes with this.
"""

from __future__ import annotations

import os

from gatekeep.sandbox.gitdirs import Unreadable, regular
from gatekeep.sandbox.records import NamedTuple

# The refs git keeps beside refs/ in a git dir, and in each of its worktrees' dirs
PSEUDO = ("HEAD", "ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD",
          "REBASE_HEAD", "AUTO_MERGE", "BISECT_HEAD")
MOST_REFS = 10_000  # loose and packed refs read when a box is planned
PACKED_LIMIT = 32 << 20  # bytes of packed-refs read when a box is planned
_DEPTH = 5  # symbolic refs followed, as git follows them
HEX = frozenset("0123456789abcdef")
NOT_A_FILE = "(not a file)"


class Refs(NamedTuple):
    """A repository's refs when its box was planned, and what the clean-up compares."""

    git: str                        # its common git dir (real path)
    places: tuple[str, ...]         # its protected paths, relative to its work tree
    staged: tuple[tuple[str, ...], ...]  # the index's entries at them (gitindex.marks)
    refs: tuple[tuple[str, str], ...] | None  # (name, value); None: too many to read


def refs(git: str) -> tuple[tuple[str, str], ...] | None:
    """Each ref of ``git`` as git reads it (a loose one over a packed one): its name and its
    value (an object id, or ``ref: NAME``), and the pseudo refs of the git dir and of each of
    its worktrees (``worktrees/X/HEAD``). None past ``MOST_REFS`` refs or ``PACKED_LIMIT``
    bytes of ``packed-refs``. Links and what is not a file are read as ``NOT_A_FILE``."""
    found: dict[str, str] = {}
    try:
        packed = regular(os.path.join(git, "packed-refs"), PACKED_LIMIT, follow=False)
    except Unreadable:
        return None
    for line in (packed or b"").splitlines():
        words = line.split(b" ")
        if len(words) == 2 and line[:1] not in (b"#", b"^"):
            found[os.fsdecode(words[1])] = os.fsdecode(words[0])
    if len(found) > MOST_REFS:
        return None
    pending = [os.path.join(git, "refs")]
    while pending:
        try:
            with os.scandir(pending.pop()) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif len(found) >= MOST_REFS:
                return None
            else:
                found[os.path.relpath(entry.path, git)] = _value(entry.path)
    for directory, prefix in [(git, ""), *_worktrees(git)]:
        for name in PSEUDO:
            path = os.path.join(directory, name)
            if os.path.lexists(path):
                found[prefix + name] = _value(path)
    return tuple(sorted(found.items()))


def _worktrees(git: str) -> list[tuple[str, str]]:
    try:
        with os.scandir(os.path.join(git, "worktrees")) as entries:
            return [(e.path, f"worktrees/{e.name}/") for e in entries
                    if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _value(path: str) -> str:
    """A ref file's first line (FETCH_HEAD's first line names what it holds)."""
    data = regular(path, 4096, follow=False) if _small(path) else None
    if data is None:
        return NOT_A_FILE
    return os.fsdecode(data.split(b"\n", 1)[0].rstrip(b"\r"))


def _small(path: str) -> bool:
    try:
        return os.lstat(path).st_size <= 4096
    except OSError:
        return False


def resolved(values: dict[str, str], name: str) -> str | None:
    """The object ``name`` names, as git reads it: ``ref:`` and the name after it (up to
    ``_DEPTH`` of them), or an object id first on the line; None for anything else (a ref
    to nothing, a link, text git would not read as a ref)."""
    value = values.get(name)
    for _ in range(_DEPTH + 1):
        if value is None:
            return None
        if value.startswith("ref:"):
            value = values.get(value[4:].strip())
            continue
        word = value.split(None, 1)[0] if value.strip() else ""
        return word if len(word) in (40, 64) and set(word) <= HEX else None
    return None
