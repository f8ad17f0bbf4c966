"""Appending to the audit log: serialised, hash-chained, torn tails marked, rotated by size.

Every record ends with ``"prev": "<sha256>"``, the hash of the previous record's bytes (its
whole line, newline included); the first record of a log has 64 zeros. Writers take an
exclusive ``flock`` on ``audit.jsonl.lock`` (a file that is never rotated), read the last
line under it and write their record with one ``write``, so concurrent writers never
interleave and never chain to the same record.

A writer killed mid-write can leave a partial last line (a torn tail). The next writer ends
it with a newline and appends a ``repair`` record naming the torn bytes' length and hash,
chained to the last whole record; nothing is ever dropped or rewritten.

When the log reaches its size limit, it is renamed ``audit.1.jsonl`` (older files move up:
``audit.2.jsonl`` ...), and the next record, in a new ``audit.jsonl``, chains to the last
record of the renamed file. Only the standard library: every ``gatekeep run`` writes here.
"""

from __future__ import annotations

import os

from gatekeep.runtime.digest import sha256

GENESIS = "0" * 64  # the ``prev`` of a log's first record
DEFAULT_ROTATE = 64 << 20  # bytes
_BLOCK = 1 << 16


def digest(line: bytes) -> str:
    return sha256(line).hexdigest()


def append(path: str, text: str, rotate: int = DEFAULT_ROTATE) -> str:
    """Append the record ``text`` (one JSON object and a newline) to the log at ``path``,
    chained to the record before it; returns the line written. OSError when it cannot be."""
    import fcntl

    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    lock = os.open(path + ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        descriptor = _open(path)
        try:
            prev = _settled(path, descriptor)
            if 0 < rotate <= os.fstat(descriptor).st_size:
                os.close(descriptor)
                descriptor = -1
                _rotate(path)
                descriptor = _open(path)
            # Fields stored by an older version may hold a lone surrogate (only ever inside a
            # JSON string): backslashreplace writes it as the JSON escape, never a raw byte.
            record = _chained(text.encode("utf-8", "backslashreplace"), prev)
            _write_all(descriptor, record)
            return record.decode("ascii", "backslashreplace")
        finally:
            if descriptor >= 0:
                os.close(descriptor)
    finally:
        os.close(lock)  # closing releases the lock


def _open(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)


def _settled(path: str, descriptor: int) -> str:
    """The hash the next record names; a torn tail is ended and marked first (in its own
    file, before any rotation, so every file but the newest ends with a whole record)."""
    last, torn = tail(descriptor, os.fstat(descriptor).st_size)
    if not last:  # a new file, or one whose first record was torn: the chain goes on
        last = _carried(path)
    prev = digest(last) if last else GENESIS
    if not torn:
        return prev
    repair = _chained(_repair_record(torn), prev)
    _write_all(descriptor, b"\n" + repair)
    return digest(repair)


def _write_all(descriptor: int, data: bytes) -> None:
    """Write every byte of ``data`` or raise OSError. A write near a full disk or the
    file-size limit (RLIMIT_FSIZE) can take only part of the record without an error: the
    rest is written again, so the limit reports itself instead of a torn record passing
    for a logged decision (a command runs only once its record is whole)."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        if written <= 0:  # no progress and no error: treat as a full disk
            import errno

            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _chained(record: bytes, prev: str) -> bytes:
    """``record`` (a JSON object line) with the hash of the record before it."""
    return record.rstrip(b"\n")[:-1] + b', "prev": "' + prev.encode() + b'"}\n'


def _repair_record(torn: bytes) -> bytes:
    import time

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    return (b'{"kind": "repair", "time": "' + stamp.encode() + b'", "torn": {"length": '
            + str(len(torn)).encode() + b', "sha256": "' + digest(torn).encode() + b'"}}\n')


def tail(descriptor: int, size: int) -> tuple[bytes, bytes]:
    """``(last whole line with its newline, bytes after it)`` of an open file of ``size``."""
    found: list[int] = []  # the offsets of the last two newlines, last first
    position = size
    while position > 0 and len(found) < 2:
        step = min(_BLOCK, position)
        position -= step
        block = os.pread(descriptor, step, position)
        end = len(block)
        while len(found) < 2 and (end := block.rfind(b"\n", 0, end)) >= 0:
            found.append(position + end)
    if not found:
        return b"", _read(descriptor, 0, size)
    start = found[1] + 1 if len(found) == 2 else 0
    return _read(descriptor, start, found[0] + 1), _read(descriptor, found[0] + 1, size)


def _read(descriptor: int, start: int, end: int) -> bytes:
    parts = []
    while start < end:
        part = os.pread(descriptor, end - start, start)
        if not part:
            break
        parts.append(part)
        start += len(part)
    return b"".join(parts)


def rotated(path: str, number: int) -> str:
    """``audit.jsonl`` -> ``audit.1.jsonl``, ``audit.2.jsonl`` ... (``number`` 0: ``path``)."""
    if number == 0:
        return path
    stem, dot, extension = path.rpartition(".")
    return f"{stem}.{number}.{extension}" if dot and "/" not in extension else f"{path}.{number}"


def _rotate(path: str) -> None:
    """Shift the rotated files up by one and make room for a new ``path``."""
    highest = 0
    while os.path.exists(rotated(path, highest + 1)):
        highest += 1
    for number in range(highest, -1, -1):
        os.rename(rotated(path, number), rotated(path, number + 1))


def _carried(path: str) -> bytes:
    """The last whole record of the newest rotated file: a new log's chain goes on from it."""
    try:
        descriptor = os.open(rotated(path, 1), os.O_RDONLY)
    except FileNotFoundError:
        return b""
    try:
        return tail(descriptor, os.fstat(descriptor).st_size)[0]
    finally:
        os.close(descriptor)
