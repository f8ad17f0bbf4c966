"""The rate counters: the times of past runs, shared by every gatekeep process.

An SQLite file in the state directory (0600 in a 0700 directory, like the rest of the
state), one row per counted run. ``gatekeep.core.guard.judge`` reads the counts, applies
the guardrails and, when the command is allowed, counts the run, all in one write
transaction (``transaction``): two processes can never both take the last run a limit
leaves. A store that cannot be opened or read fails closed: every rate-limited allow
becomes ask.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

NAME = "counters.sqlite"
KEEP = 2 * 86400  # seconds a run is remembered: past the longest window (a day)
WAIT = 60.0  # seconds to wait for another process's transaction


class CounterError(Exception):
    """The counter store cannot be used."""


@contextmanager
def transaction(state_dir: str) -> Iterator[sqlite3.Connection]:
    """The store, locked for writing until the block ends (committed unless it raises)."""
    db = sqlite3.connect(_path(state_dir), timeout=WAIT, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE IF NOT EXISTS runs (key TEXT NOT NULL, at REAL NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS runs_by_key ON runs (key, at)")
        yield db
        db.execute("COMMIT")
    finally:
        db.close()  # without a COMMIT, whatever the block did is rolled back


def _path(state_dir: str) -> str:
    """The store's file, created 0600 in a 0700 directory; never through a symlink."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    directory = os.lstat(state_dir)
    if not stat.S_ISDIR(directory.st_mode) or directory.st_uid != os.getuid():
        raise CounterError(f"{state_dir} is not a directory of this user")
    if directory.st_mode & 0o077:
        os.chmod(state_dir, 0o700)  # the state is this user's alone, whoever made the dir
    path = os.path.join(state_dir, NAME)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise CounterError(f"{path} is not a regular file of this user")
        if info.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def history(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, tuple[float, ...]]:
    """The times of the runs counted under each key (a value that is not a time fails)."""
    found: dict[str, tuple[float, ...]] = {}
    for key in dict.fromkeys(keys):
        rows = db.execute("SELECT at FROM runs WHERE key = ?", (key,)).fetchall()
        if not all(isinstance(row[0], (int, float)) for row in rows):
            raise CounterError("the counter store holds a value that is not a time")
        found[key] = tuple(float(row[0]) for row in rows)
    return found


def remove(db: sqlite3.Connection, keys: Iterable[str], at: float) -> None:
    """Take back one run counted at ``at`` under each key (it did not start after all)."""
    for key in keys:
        db.execute("DELETE FROM runs WHERE rowid IN (SELECT rowid FROM runs WHERE key = ? "
                   "AND at = ? LIMIT 1)", (key, at))


def add(db: sqlite3.Connection, keys: Iterable[str], at: float) -> None:
    db.execute("DELETE FROM runs WHERE at < ?", (at - KEEP,))
    db.executemany("INSERT INTO runs (key, at) VALUES (?, ?)", [(key, at) for key in keys])
