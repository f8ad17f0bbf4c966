"""The gitlinks a git index records: submodules, and repositories staged inside a tree.

The superproject's git runs git in each gitlink's directory that holds a ``.git``
(``git status`` asks it whether it is modified), and that git runs what the repository's
settings name. Only the standard library: this reads the index on every boxed run, in
one pass of ``bytes.find`` unless the index has a gitlink.
"""

from __future__ import annotations

import mmap
import os
import stat
import time
from collections.abc import Iterator

GITLINK = b"\x00\x00\xe0\x00"  # mode 0o160000, as an entry stores it (big-endian)
_FIXED = 40  # an entry's times, device, inode, mode, owner, group and size
RACY = 2_000_000_000  # ns: an index changed this recently may change again unseen
MAX_INDEX = 1 << 28  # bytes of an index read on every boxed run (far more than git's own)


class Unread(OSError):
    """An index whose gitlinks cannot all be read."""


class TooLarge(Unread):
    def __init__(self, index: str) -> None:
        super().__init__(f"{index} is larger than {MAX_INDEX} bytes")


class Nameless(Unread):
    """A split index replaces an entry of its shared index by a gitlink, by position: this
    reading cannot name it."""

    def __init__(self, index: str) -> None:
        super().__init__(f"the split index {index} holds a gitlink without its name (git "
                         "update-index --no-split-index writes one that can be read)")


def stamp(index: str) -> tuple[int, int, int, int] | None:
    """What changes whenever ``index`` is written: its inode (git writes a new file), size,
    and times, the change time too (a program can set the others back); None for none.
    Also None for one changed in the last two seconds: a write in the same tick of the
    kernel's clock would leave even the change time as it was."""
    try:
        info = os.stat(index)
    except OSError:
        return None
    if info.st_ctime_ns >= time.time_ns() - RACY:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def gitlinks(index: str, hash_size: int = 20) -> tuple[str, ...]:
    """The paths (relative to the work tree) of the gitlink entries of ``index`` and, for a
    split index, of the shared index it names; () for none, or for a file git could not
    read as an index. Reads more than git does, never less: a version 2 or 3 entry is
    found by its mode where an entry can begin, a version 4 index is read entry by entry.
    ``Unread`` for one too large to read on every run, or a split index's gitlink without
    its name."""
    names, shared = _read(index, hash_size)
    if shared and "" in names:
        raise Nameless(index)
    for name in shared:  # a split index: the entries it adds to or replaces in that one
        names += _read(os.path.join(os.path.dirname(index), name), hash_size)[0]
    return tuple(dict.fromkeys(name for name in names if name))


def _read(index: str, hash_size: int) -> tuple[list[str], list[str]]:
    """The gitlinks' names ("" for one without its own), and the shared indexes that the
    index names and that are there (a ``link`` extension: its signature and size, then the
    shared index's hash; every place those bytes appear is taken for one)."""
    try:
        fd = os.open(index, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return [], []
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size < 12:
            return [], []  # git reads no index from it either (a directory, a FIFO)
        if info.st_size > MAX_INDEX:
            raise TooLarge(index)
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as data:
            if data[:4] != b"DIRC":
                return [], []
            shared = _shared(data, os.path.dirname(index), hash_size)
            if data.find(GITLINK, 12) < 0:
                return [], shared
            if int.from_bytes(data[4:8], "big") == 4:
                return _walk(data, int.from_bytes(data[8:12], "big"), hash_size), shared
            return _found(data, hash_size), shared
    finally:
        os.close(fd)


def _shared(data: mmap.mmap, directory: str, hash_size: int) -> list[str]:
    found = []
    at = data.find(b"link", 12)
    while at >= 0:
        name = "sharedindex." + data[at + 8:at + 8 + hash_size].hex()
        if os.path.isfile(os.path.join(directory, name)):
            found.append(name)
        at = data.find(b"link", at + 1)
    return list(dict.fromkeys(found))


def _found(data: mmap.mmap, hash_size: int) -> list[str]:
    """Version 2 and 3: entries are padded to 8 bytes from offset 12, so a mode lies 4 bytes
    past a multiple of 8; the name follows the hash and the flags (and the extended flags,
    when the flags say so: git reads them in version 2 too), its length in the flags' low
    12 bits."""
    names: list[str] = []
    at = data.find(GITLINK, 12)
    while at >= 0:
        if at % 8 == 4 and at >= 36:
            flags_at = at + 16 + hash_size
            flags = int.from_bytes(data[flags_at:flags_at + 2], "big")
            start = flags_at + 2 + (2 if flags & 0x4000 else 0)
            name = _name(data, start, flags & 0xFFF)
            if name is not None:
                names.append(name)
        at = data.find(GITLINK, at + 1)
    return names


def _name(data: mmap.mmap, start: int, length: int) -> str | None:
    """The name at ``start`` when it is one git would write: NUL-terminated, its length the
    flags' (or longer, for 0xFFF), every part of it a name (not empty, ``.`` or ``..``);
    "" for none (a split index's replacement)."""
    end = data.find(b"\0", start)
    if end < 0 or (end - start != length if length < 0xFFF else end - start < 0xFFF):
        return None
    name = _valid(os.fsdecode(data[start:end]))
    return name if name or start == end else None


def _valid(name: str) -> str:
    """``name`` when git could have written it (every part a name: not empty, ``.`` or
    ``..``), else "" (git would not enter it)."""
    return name if all(part not in ("", ".", "..") for part in name.split("/")) else ""


def _walk(data: mmap.mmap, count: int, hash_size: int) -> list[str]:
    """Version 4, entry by entry (``_in_order``): the gitlinks' names, as far as the index
    can be read."""
    names: list[str] = []
    try:
        for at, _, _, name in _in_order(data, 4, count, hash_size):
            if data[at + 24:at + 28] == GITLINK:
                names.append(_valid(os.fsdecode(name)))
    except _CutShort:
        pass  # not an index git would read: what came before is all it could
    return names


class _CutShort(Exception):
    """The index ends, or a name is cut, before its entries do."""


def _in_order(data: mmap.mmap, version: int, count: int, hash_size: int
              ) -> Iterator[tuple[int, int, int, bytes]]:
    """Each entry as git reads it, in order up to ``count``: its start, where its flags
    (and extended flags) start and end, and its name. Version 4 takes each name as the
    previous one less as many bytes as a varint says, then the bytes up to a NUL, with no
    padding; versions 2 and 3 a name as long as the flags' low 12 bits say (measured to its
    NUL for 0xFFF), then 1 to 8 NULs to an 8-byte boundary. ``_CutShort`` where the index
    ends first."""
    previous = b""
    at, end = 12, len(data)
    for _ in range(count):
        flags_at = at + _FIXED + hash_size
        if flags_at + 2 > end:
            raise _CutShort
        flags = int.from_bytes(data[flags_at:flags_at + 2], "big")
        start = flags_at + 2 + (2 if flags & 0x4000 else 0)
        flags_end = start
        if version == 4:
            byte = data[start] if start < end else 0
            drop, start = byte & 0x7F, start + 1
            while byte & 0x80 and start < end:
                byte = data[start]
                drop = ((drop + 1) << 7) | (byte & 0x7F)
                start += 1
            stop = data.find(b"\0", start)
            if stop < 0 or drop > len(previous):
                raise _CutShort
            name = previous[:len(previous) - drop] + data[start:stop]
            following = stop + 1
        else:
            length = flags & 0xFFF
            stop = start + length if length < 0xFFF else data.find(b"\0", start)
            if stop < 0 or stop >= end:
                raise _CutShort
            name = data[start:stop]
            following = at + ((start - at + len(name) + 8) & ~7)
        yield at, flags_at, flags_end, name
        previous = name
        at = following


def _within(name: bytes, places: frozenset[bytes]) -> bool:
    """Whether ``name`` is one of ``places`` or below one: a look-up of the name and of each
    directory above it, not a test of every place (an index of thousands of entries against
    the many protected paths of a tree)."""
    if name in places:
        return True
    cut = name.find(b"/")
    while cut >= 0:
        if name[:cut] in places:
            return True
        cut = name.find(b"/", cut + 1)
    return False


def marks(index: str, places: tuple[str, ...], hash_size: int = 20) -> str:
    """What ``index`` records for ``places`` (paths relative to its work tree: a file, or a
    directory and all below it): each entry's name, mode, object and flags, as text, so that
    a change to any of them after a boxed run is seen. An entry naming another object with
    git's assume-unchanged or skip-worktree bit set is not shown by ``git status``, and
    ``git reset --hard`` would write it (red team 64). The entries are walked as git reads
    them: in order, up to their count (red team 65: a name's length taken from the bytes
    when its flags say 0xFFF, never a copy found in an extension). "?" for an index this
    cannot read so (a split index, one too large or cut short)."""
    try:
        fd = os.open(index, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return ""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size < 12:
            return ""
        if info.st_size > MAX_INDEX:
            return "?"
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as data:
            if data[:4] != b"DIRC":
                return ""
            version = int.from_bytes(data[4:8], "big")
            if version not in (2, 3, 4) or _shared(data, os.path.dirname(index), hash_size):
                return "?"
            wanted = [os.fsencode(place) for place in places]
            found = _every_entry(data, version, int.from_bytes(data[8:12], "big"),
                                 hash_size, wanted)
            return "?" if found is None else "\n".join(found)
    finally:
        os.close(fd)


def _every_entry(data: mmap.mmap, version: int, count: int, hash_size: int,
                 wanted: list[bytes]) -> list[str] | None:
    """Each entry (``_in_order``) whose name is one of ``wanted`` or below one: its name,
    mode, object and flags; None when the index ends before its entries do. A version 2
    or 3 index (whose names are whole) that holds none of the names anywhere is not walked
    (one ``find`` each); version 4 shares a name's start with the one before it."""
    if version != 4 and not any(data.find(place, 12) >= 0 for place in wanted):
        return []
    places = frozenset(wanted)
    found = []
    try:
        for at, flags_at, flags_end, name in _in_order(data, version, count, hash_size):
            if _within(name, places):
                found.append(" ".join((os.fsdecode(name), data[at + 24:at + 28].hex(),
                                       data[at + _FIXED:flags_at].hex(),
                                       data[flags_at:flags_end].hex())))
    except _CutShort:
        return None
    return found
