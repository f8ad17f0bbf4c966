"""Queued requests are data read back from disk: every value is checked.

A queued request or answer that is not well formed is never shown, and never runs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gatekeep.approval import pending as queue
from gatekeep.validate import checked, number, problem

# -- the queue -------------------------------------------------------------------------

ROW = ("abc123", 1e12, "rm -r build", "view", "details", "offer")


def queued(tmp_path: Path, *rows: tuple[object, ...]) -> list[queue.Queued]:
    database = tmp_path / "queue.sqlite"
    with queue.connect(database) as connection:
        for row in rows:
            connection.execute("INSERT INTO requests (id, created, deadline, cwd, command, view, "
                               "details, offer) VALUES (?, 0, ?, '/w', ?, ?, ?, ?)", row)
        return queue.pending(connection, 0.0)


def test_well_formed_requests_are_shown(tmp_path: Path) -> None:
    assert queued(tmp_path, ROW) == [queue.Queued(*ROW)]


@pytest.mark.parametrize("row", [
    (b"blob", *ROW[1:]),
    ("a\0b", *ROW[1:]),
    ("other", "soon", *ROW[2:]),
    ("other", ROW[1], b"rm -r build", *ROW[3:]),
    ("other", *ROW[1:3], "view\0", *ROW[4:]),
])
def test_malformed_requests_are_not_shown(tmp_path: Path, row: tuple[object, ...]) -> None:
    assert queued(tmp_path, row, ROW) == [queue.Queued(*ROW)]


@pytest.mark.parametrize(("row", "choice"), [
    (("run", "y", ""), "run"),
    (("always", "a", ""), "always"),
    (("deny", "n", "no"), "deny"),
    (("yes", "y", ""), "deny"),  # was returned as the choice, and anything but deny ran
    (("RUN", "y", ""), "deny"),
    (("run", 1, ""), "deny"),
    (("run", "y", None), "deny"),
])
def test_a_stored_answer_that_is_not_well_formed_denies(row: tuple[object, ...],
                                                        choice: str) -> None:
    assert queue._answer(row).choice == choice


def test_a_stored_answer_read_back_from_sqlite(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "q.sqlite") as connection:
        connection.execute("CREATE TABLE t (status, how, message)")
        connection.execute("INSERT INTO t VALUES (?, ?, ?)", (b"run", "y", ""))
        row = connection.execute("SELECT * FROM t").fetchone()
    assert queue._answer(row).choice == "deny"  # bytes are not the text 'run'


# -- the validators --------------------------------------------------------------------

@pytest.mark.parametrize(("value", "reason"), [
    ("ok", None), ("", None), ("a" * 4096, None),
    ("a" * 4097, "longer than 4096 characters"),
    ("a\0", "contains a NUL byte"),
    ("\udcff", "contains a lone surrogate (not valid UTF-8)"),
    (b"a", "expected a string, got bytes"),
])
def test_problem(value: object, reason: str | None) -> None:
    assert problem(value) == reason


def test_checked_and_number_name_the_value() -> None:
    assert checked("a", "x") == "a"
    assert number(3, "n") == 3.0
    with pytest.raises(ValueError, match=r"^x: contains a NUL byte$"):
        checked("\0", "x")
    with pytest.raises(ValueError, match=r"^n: expected a finite number, got float$"):
        number(float("nan"), "n")
