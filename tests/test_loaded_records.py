"""Saved approvals and queued requests are data read back from disk: every value is checked.

An approval that does not hold exactly the words, an absolute scope and finite times
is unreadable (the whole file is then ignored, with a warning, so nothing is approved);
a queued request or answer that is not well formed is never shown, and never runs.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from gatekeep import approvals, queue
from gatekeep.validate import checked, number, problem

GOOD = {"id": "feedf00d", "argv": ["rm", "-r", "build"], "scope": "/work", "created": 1.0,
        "expires": 2.0, "command": "rm -r build"}


def write_approvals(directory: Path, *items: dict[str, Any]) -> None:
    (directory / approvals.FILE_NAME).write_text(
        json.dumps({"version": 1, "approvals": list(items)}), encoding="utf-8")


def test_a_good_approval_loads(tmp_path: Path) -> None:
    write_approvals(tmp_path, GOOD)
    assert approvals.load(str(tmp_path)) == [
        approvals.Approval("feedf00d", ("rm", "-r", "build"), "/work", 1.0, 2.0, "rm -r build")]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("argv", "rm", "argv: expected a non-empty list of words"),  # was read as ('r', 'm')
    ("argv", [], "argv: expected a non-empty list of words"),
    ("argv", ["rm", 5], "argv: expected a string, got int"),
    ("argv", ["rm", "a\0b"], "argv: contains a NUL byte"),
    ("argv", ["rm", "\ud800"], "argv: contains a lone surrogate (not valid UTF-8)"),
    ("scope", "", "scope: expected an absolute directory"),  # was: every directory
    ("scope", "work", "scope: expected an absolute directory"),
    ("scope", ["/"], "scope: expected a string, got list"),
    ("scope", "/" + "a" * 5000, "scope: longer than 4096 characters"),
    ("id", None, "id: expected a string, got NoneType"),
    ("expires", "never", "expires: expected a finite number, got str"),
    ("expires", True, "expires: expected a finite number, got bool"),
    ("created", 1e400, "created: expected a finite number, got float"),
    ("command", {"a": 1}, "command: expected a string, got dict"),
])
def test_a_malformed_approval_is_unreadable(tmp_path: Path, field: str, value: object,
                                            message: str) -> None:
    write_approvals(tmp_path, GOOD, {**GOOD, field: value})
    with pytest.raises(ValueError) as caught:
        approvals.load(str(tmp_path))
    assert str(caught.value) == message


def test_an_empty_scope_no_longer_approves_everywhere(tmp_path: Path) -> None:
    write_approvals(tmp_path, {**GOOD, "scope": ""})
    with pytest.raises(ValueError):
        approvals.load(str(tmp_path))


# -- the queue -------------------------------------------------------------------------

ROW = ("abc123", 1e12, "rm -r build", "view", "details", "offer")


def queued(tmp_path: Path, *rows: tuple[object, ...]) -> list[queue.Request]:
    database = tmp_path / "queue.sqlite"
    with queue.connect(database) as connection:
        for row in rows:
            connection.execute("INSERT INTO requests (id, created, deadline, cwd, command, view, "
                               "details, offer) VALUES (?, 0, ?, '/w', ?, ?, ?, ?)", row)
        return queue.pending(connection, 0.0)


def test_well_formed_requests_are_shown(tmp_path: Path) -> None:
    assert queued(tmp_path, ROW) == [queue.Request(*ROW)]


@pytest.mark.parametrize("row", [
    (b"blob", *ROW[1:]),
    ("a\0b", *ROW[1:]),
    ("other", "soon", *ROW[2:]),
    ("other", ROW[1], b"rm -r build", *ROW[3:]),
    ("other", *ROW[1:3], "view\0", *ROW[4:]),
])
def test_malformed_requests_are_not_shown(tmp_path: Path, row: tuple[object, ...]) -> None:
    assert queued(tmp_path, row, ROW) == [queue.Request(*ROW)]


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
