"""Checking the audit log's hash chain (``gatekeep log verify``).

Every record names the SHA-256 of the line before it (``prev``); the first record of a log
names 64 zeros. The files of a rotated log are checked as one chain, oldest first. The
first line that breaks the chain is named with what most likely happened to it: edited,
deleted, reordered, or cut short. A partial last line (a writer killed mid-write that no
later writer has marked yet) is not an error: the log verifies up to its last whole record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from gatekeep.runtime.journal import GENESIS, digest


class Line(NamedTuple):
    file: str
    number: int
    raw: bytes  # with its newline, when it has one

    @property
    def where(self) -> str:
        return f"{self.file}:{self.number}"


class Verdict(NamedTuple):
    records: int
    problem: str | None  # the first bad line and what is wrong with it; None: valid
    notes: tuple[str, ...]  # what is worth knowing but does not break the chain
    last: str  # the hash the next record will name


def lines(files: Sequence[str]) -> list[Line]:
    """Every line of ``files`` in order; OSError when one cannot be read."""
    found = []
    for file in files:
        with open(file, "rb") as handle:
            found += [Line(file, number, raw) for number, raw in enumerate(handle, 1)]
    return found


def _record(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def verify(found: Sequence[Line], partial: bool = False) -> Verdict:
    """Walk the chain; ``partial``: the first record may chain to one not in ``found``."""
    where = {digest(line.raw): index for index, line in enumerate(found)}
    prev, count, notes = (None if partial else GENESIS), 0, []
    index = 0
    while index < len(found) and _legacy(found[index]):  # written before records were chained
        prev, index = digest(found[index].raw), index + 1
    if index:
        notes.append(f"{index} line(s) of the older, unchained format at the start")
    while index < len(found):
        line = found[index]
        if not line.raw.endswith(b"\n") and index == len(found) - 1:
            notes.append(f"{line.where}: a partial record at the end (a writer stopped "
                         "mid-write; the next write marks it)")
            break
        record = _record(line.raw)
        following = _record(found[index + 1].raw) if index + 1 < len(found) else None
        if _repairs(following, line):
            notes.append(f"{line.where}: a partial record, marked by the repair record after it")
            index += 1
            continue
        problem = _problem(record, line, prev, found, where, index)
        if problem is not None:
            return Verdict(count, f"{line.where}: {problem}", tuple(notes), prev or GENESIS)
        prev, count, index = digest(line.raw), count + 1, index + 1
    return Verdict(count, None, tuple(notes), prev or GENESIS)


def _legacy(line: Line) -> bool:
    record = _record(line.raw)
    return record is not None and "prev" not in record and "decision" in record \
        and "kind" not in record


def _repairs(record: dict[str, Any] | None, line: Line) -> bool:
    """Whether ``record`` is the repair record of ``line`` (its bytes before the newline)."""
    if record is None or record.get("kind") != "repair":
        return False
    torn = line.raw.removesuffix(b"\n")
    return record.get("torn") == {"length": len(torn), "sha256": digest(torn)}


def _problem(record: dict[str, Any] | None, line: Line, prev: str | None,
             found: Sequence[Line], where: dict[str, int], index: int) -> str | None:
    if record is None:
        return "not a JSON record: edited, or written by something other than gatekeep"
    named = record.get("prev")
    if not isinstance(named, str):
        return "a record without 'prev': edited, or written by something other than gatekeep"
    if prev is None or named == prev:
        return None
    if index == 0 or named == GENESIS:
        return ("chains to a record before these files: older records were removed (give "
                "every file of the log, oldest first, or --partial)") if index == 0 else \
            "starts a new chain: the records before it were replaced"
    target = where.get(named)
    before = found[index - 1].where
    if target is None:
        return (f"does not follow {before}: {before} was edited, or the record after it "
                "was deleted")
    if target < index:
        return (f"follows {found[target].where}, not {before}: records between them were "
                "deleted or moved")
    return f"follows {found[target].where}, which comes later: records were reordered"
