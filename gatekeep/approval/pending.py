"""Approval requests for headless agents: a queue in the state dir, answered elsewhere.

With ``prompt.no_tty: queue``, a ``gatekeep run`` without a terminal stores its
request (the same explanation the prompt shows) in an SQLite database and waits.
The operator runs ``gatekeep approvals watch`` in a terminal of their own and
answers; the waiting run proceeds or is refused as soon as the answer is stored,
or is refused when its timeout passes.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import NamedTuple

from gatekeep.approval.terminal import Answer
from gatekeep.core.engine import Decision
from gatekeep.policy.model import Policy
from gatekeep.runtime.locations import Locations
from gatekeep.shell.model import ParsedCommand

POLL = 0.1
RENDER_WIDTH = 100
_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    deadline REAL NOT NULL,
    cwd TEXT NOT NULL,
    command TEXT NOT NULL,
    view TEXT NOT NULL,
    details TEXT NOT NULL,
    offer TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    how TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT ''
)
"""


class Queued(NamedTuple):
    """A command waiting in the queue for the operator's answer, with what they are shown."""

    id: str
    deadline: float
    command: str
    view: str
    details: str
    offer: str


def database(locations: Locations) -> Path:
    return locations.state_dir / "queue.sqlite"


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with closing(sqlite3.connect(path, timeout=10, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA secure_delete=ON")  # a removed request's text is zeroed
        connection.execute(_SCHEMA)
        yield connection


def wait_for_answer(decision: Decision, parsed: ParsedCommand, policies: list[Policy], cwd: str,
                    env: Mapping[str, str], locations: Locations, timeout: float,
                    why: str | None = None) -> Answer:
    """Queue the request and wait for the operator's answer, or the deadline."""
    from gatekeep.approval.view import approval_offer, explanation_text, stated_purpose
    from gatekeep.shell.analyze import analyze
    from gatekeep.text import visible

    invocations = analyze(parsed, policies[0].knowledge).invocations
    view, details = explanation_text(decision, invocations, policies, cwd, env, RENDER_WIDTH)
    view = stated_purpose(why) + view
    offer = approval_offer(decision, cwd)
    # the scope is the agent's working tree, a command the agent's words: either may hold
    # control characters, shown made visible as the terminal prompt shows them
    offer_text = f"Cannot save an approval: {visible(offer)}" if isinstance(offer, str) else \
        "Will save, for " + visible(offer[0].scope) + ":\n" + "\n".join(
            f"  allow {visible(a.shown())}" for a in offer)
    request_id = secrets.token_hex(6)
    now = time.time()
    with connect(database(locations)) as connection:
        # The queue holds the command as the agent sent it, secrets and all (the operator
        # must see it): a request leaves it once answered, and one whose waiter died leaves
        # it at its deadline, so the audit log stays the only lasting record, redacted.
        connection.execute("DELETE FROM requests WHERE deadline < ?", (now,))
        connection.execute(
            "INSERT INTO requests (id, created, deadline, cwd, command, view, details, offer)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, now, now + timeout, cwd, decision.command, view, details,
             offer_text if isinstance(offer, list) else "!" + offer_text))
        try:
            return _awaited(connection, request_id, now + timeout)
        finally:
            connection.execute("DELETE FROM requests WHERE id = ?", (request_id,))


def _awaited(connection: sqlite3.Connection, request_id: str, deadline: float) -> Answer:
    """The operator's answer to the request, or a timeout at its deadline."""
    while time.time() < deadline:
        row = connection.execute("SELECT status, how, message FROM requests WHERE id = ?",
                                 (request_id,)).fetchone()
        if row is not None and row[0] != "pending":
            return _answer(row)
        time.sleep(POLL)
    connection.execute("UPDATE requests SET status = 'deny', how = 'timeout' "
                       "WHERE id = ? AND status = 'pending'", (request_id,))
    row = connection.execute("SELECT status, how, message FROM requests WHERE id = ?",
                             (request_id,)).fetchone()
    if row is not None and row[0] != "deny":  # answered just before the deadline
        return _answer(row)
    return Answer("deny", "timeout")


_CHOICES = ("run", "always", "deny")


def _answer(row: tuple[object, ...]) -> Answer:
    """A stored answer; anything but a well-formed run or always is a deny."""
    choice, how, message = row
    if choice not in _CHOICES or not isinstance(how, str) or not isinstance(message, str):
        return Answer("deny", "unreadable")
    return Answer(str(choice), f"queue:{how}", message)


def pending(connection: sqlite3.Connection, now: float) -> list[Queued]:
    rows = connection.execute(
        "SELECT id, deadline, command, view, details, offer FROM requests "
        "WHERE status = 'pending' AND deadline > ? ORDER BY created", (now,)).fetchall()
    # a malformed row is never shown: its run waits out its deadline and is refused
    return [Queued(*row) for row in rows if _well_formed(row)]


def _well_formed(row: tuple[object, ...]) -> bool:
    from gatekeep.validate import problem

    request_id, deadline, *texts = row
    if problem(request_id) is not None or isinstance(deadline, bool) \
            or not isinstance(deadline, (int, float)):
        return False
    return all(isinstance(text, str) and "\0" not in text for text in texts)


def answer(connection: sqlite3.Connection, request_id: str, choice: str, how: str,
           message: str) -> bool:
    """Store an answer; False when the request was already answered or timed out."""
    cursor = connection.execute(
        "UPDATE requests SET status = ?, how = ?, message = ? WHERE id = ? AND status = 'pending'",
        (choice, how, message, request_id))
    return cursor.rowcount == 1
