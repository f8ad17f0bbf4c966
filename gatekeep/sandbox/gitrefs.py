"""The refs and reflogs of the tree's repositories when a box was planned, for the clean-up
after the run (``movedrefs``): what git's own view of them after the run is compared with.

Only the standard library: the fast path plans its boxes with this.
"""

from __future__ import annotations

import os

from gatekeep.sandbox.gitdirs import Unreadable, regular
from gatekeep.sandbox.records import NamedTuple

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    from collections.abc import Iterator

# The refs git keeps beside refs/ in a git dir, and in each of its worktrees' dirs
PSEUDO = ("HEAD", "ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD",
          "REBASE_HEAD", "AUTO_MERGE", "BISECT_HEAD")
LISTS = ("FETCH_HEAD", "MERGE_HEAD")  # a line per commit, each of which git may take
MOST_REFS = 10_000  # loose and packed refs, and reflogs, read when a box is planned
PACKED_LIMIT = 32 << 20  # bytes of packed-refs read when a box is planned
_DEPTH = 5  # symbolic refs followed, as git follows them
HEX = frozenset("0123456789abcdefABCDEF")
_ENDS = ("", " ", "\t", "\n", "\r")  # what git takes as a loose ref's id's end (isspace)
PACKED = "\0packed-refs"  # the snapshot's entry for packed-refs itself (no ref's name)
ABSENT = "\0absent"  # a file that is not there


class Refs(NamedTuple):
    """A repository's refs when its box was planned, and what the clean-up compares."""

    git: str                        # its common git dir (real path)
    places: tuple[str, ...]         # its protected paths, relative to its work tree
    staged: tuple[tuple[str, ...], ...]  # the index's entries at them (gitindex.marks)
    refs: tuple[tuple[str, str], ...] | None  # (name, value); None: too many to read
    logs: tuple[tuple[str, int, int, str], ...] | None = ()  # (reflog, inode, size, tail)
    index_file: str = ""            # its index, and what it staged at its gitlinks
    links: str = ""                 # (gitindex.marks: `git submodule update` reads them)
    hash_size: int = 20
    stash: tuple[int, ...] = ()     # each line of the stash's reflog (``lines``)
    shallow: str = ABSENT           # what `shallow` held (``shallow``)


def refs(git: str) -> tuple[tuple[str, str], ...] | None:
    """Each ref of ``git`` as its files hold it (a loose one over a packed one): its name and
    its value (an object id, ``ref: NAME``, ``link: TARGET``, or what else the file says),
    each linked worktree's own refs (``worktrees/X/refs/bisect/bad``), the pseudo refs of
    the git dir and of each of its worktrees (``worktrees/X/HEAD``;
    FETCH_HEAD and MERGE_HEAD with every line's object), and ``PACKED``: packed-refs' inode,
    size and time, so that any rewrite of it is seen. None past ``MOST_REFS`` refs or
    ``PACKED_LIMIT`` bytes of ``packed-refs``."""
    found: dict[str, str] = {}
    packed_path = os.path.join(git, "packed-refs")
    try:
        packed = regular(packed_path, PACKED_LIMIT, follow=False)
    except Unreadable:
        return None
    for line in (packed or b"").split(b"\n"):  # git's lines: a "\r" is in a name
        words = line.split(b" ")
        if len(words) == 2 and line[:1] not in (b"#", b"^"):
            name = os.fsdecode(words[1])  # a name twice: both values (git may take either)
            value = os.fsdecode(words[0])
            found[name] = f"{found[name]} {value}" if name in found else value
    if len(found) > MOST_REFS:
        return None
    found[PACKED] = _stamp(packed_path)
    worktrees = _worktrees(git)
    # a linked worktree's own refs (refs/worktree, refs/bisect, refs/rewritten) are in its
    # dir: git names them worktrees/X/refs/... from any worktree (red team 70)
    for entry in _files([os.path.join(git, "refs"),
                         *(os.path.join(d, "refs") for d, _ in worktrees)]):
        if len(found) >= MOST_REFS:
            return None
        found[os.path.relpath(entry.path, git)] = _value(entry.path)
    for directory, prefix in [(git, ""), *worktrees]:
        for name in pseudo_names(directory):
            found[prefix + name] = _value(os.path.join(directory, name), whole=name in LISTS)
    return tuple(sorted(found.items()))


_CAPS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")


def pseudo_names(directory: str) -> list[str]:
    """The names git reads as refs at the top of a git dir: ``PSEUDO``, and every other
    name in capitals and underscores there (git finds ``$GIT_DIR/EVIL`` for `EVIL`)."""
    try:
        with os.scandir(directory) as entries:
            named = [e.name for e in entries if set(e.name) <= _CAPS
                     and not e.is_dir(follow_symlinks=False)]
    except OSError:
        named = []
    return sorted({*named, *(n for n in PSEUDO if os.path.lexists(os.path.join(directory, n)))})


def logs(git: str) -> tuple[tuple[str, int, int, str], ...] | None:
    """Each reflog of ``git`` (``logs/...``, and each worktree's ``logs/HEAD``): its path
    in the git dir, inode, size and what its last ``TAIL`` bytes are (a link: size -1 and
    its target), so that lines put before the end are told from lines added after it.
    None past ``MOST_REFS`` of them."""
    tops = [os.path.join(git, "logs"), *(os.path.join(d, "logs") for d, _ in _worktrees(git))]
    found = [_link(git, top) for top in tops if os.path.islink(top)]
    for entry in _files([top for top in tops if not os.path.islink(top)]):
        if len(found) >= MOST_REFS:
            return None
        if entry.is_symlink():
            found.append(_link(git, entry.path))
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        found.append((os.path.relpath(entry.path, git), info.st_ino, info.st_size,
                      ends(entry.path, info.st_size)))
    return tuple(sorted(found))


def _files(tops: list[str]) -> Iterator[os.DirEntry[str]]:
    """Every entry below ``tops`` that is no directory, links not followed, without
    recursion."""
    pending = list(tops)
    while pending:
        try:
            with os.scandir(pending.pop()) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            else:
                yield entry


# bytes of a reflog's end compared after the run (some 13,000 lines; 64 KiB was a few
# hundred, red team 76): lines git may read (`git checkout -`, @{N}) changed in place
# before them are not seen. Each MiB read costs a large reflog about a millisecond a run.
TAIL = 1 << 21
_LAST_LINE = 1 << 16  # bytes of a last line read past TAIL, to compare what is before it


def tail(path: str, size: int) -> str:
    """What the ``TAIL`` bytes of ``path`` before ``size`` are: their length and Python's
    hash of them (keyed for this process and the keeper it forks, so that no content can
    be made to match it); "" when unreadable."""
    return ends(path, size, whole=False)


def ends(path: str, size: int, whole: bool = True) -> str:
    """``tail`` of ``path`` before ``size``, then (``whole``) the offset where its last
    line starts and the ``tail`` before that offset (`git stash pop` drops a reflog's
    newest line)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        start = max(size - TAIL - (_LAST_LINE if whole else 0), 0)
        data = os.pread(fd, size - start, start)
    except OSError:
        return ""
    finally:
        os.close(fd)
    said = f"{min(TAIL, size)}:{hash(data[-TAIL:] if data else b'')}"
    if not whole:
        return said
    last = start + data.rfind(b"\n", 0, max(len(data) - 1, 0)) + 1 if size else 0
    before = data[max(last - start - TAIL, 0):last - start] if last - start >= min(
        TAIL, last) else None
    return said if before is None else f"{said} {last} {len(before)}:{hash(before)}"


_MOST_SHALLOW = 1 << 20


def shallow(git: str) -> str:
    """What ``git``'s ``shallow`` file holds (the commits whose parents git takes as
    missing), ``ABSENT``, or "?" when it is no plain file or larger than is read."""
    path = os.path.join(git, "shallow")
    if not os.path.lexists(path):
        return ABSENT
    try:
        data = regular(path, _MOST_SHALLOW, follow=False)
    except Unreadable:
        return "?"
    return "?" if data is None else data.decode("latin-1")


STASH_LOG = "logs/refs/stash"
_MOST_LINES = 1 << 20  # bytes of the stash's reflog read line by line


def lines(path: str) -> tuple[int, ...]:
    """Python's keyed hash of each line of the reflog ``path`` (``tail``'s key): `git stash
    drop stash@{N}` takes one out of the middle. () when it is larger or unreadable."""
    try:
        data = regular(path, _MOST_LINES, follow=False)
    except Unreadable:
        return ()
    return tuple(hash(line) for line in (data or b"").split(b"\n")[:-1])


def _link(git: str, path: str) -> tuple[str, int, int, str]:
    try:
        return (os.path.relpath(path, git), os.lstat(path).st_ino, -1,
                "link: " + os.readlink(path))
    except OSError:
        return (os.path.relpath(path, git), 0, -1, "link: ?")


def _worktrees(git: str) -> list[tuple[str, str]]:
    try:
        with os.scandir(os.path.join(git, "worktrees")) as entries:
            return [(e.path, f"worktrees/{e.name}/") for e in entries
                    if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _stamp(path: str) -> str:
    try:
        info = os.lstat(path)
    except OSError:
        return ""
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def _value(path: str, whole: bool = False) -> str:
    """A ref file's first line (``whole``: each line's first word); a link's target, as
    ``link: TARGET``; ``?`` for what is no file or is larger than a ref (odd: git's own
    view of it is asked after the run)."""
    if os.path.islink(path):
        try:
            return "link: " + os.readlink(path)
        except OSError:
            return "?"
    try:
        data = regular(path, 1 << 24 if whole else 1 << 16, follow=False)
    except Unreadable:
        return "?"
    if data is None:
        return "?"
    if whole:
        return " ".join(os.fsdecode(line.split(None, 1)[0]) for line in data.splitlines()
                        if line.strip())
    return os.fsdecode(data.split(b"\n", 1)[0].rstrip(b"\r"))


# the refs each worktree has its own of, kept in its dir (git's per-worktree refs)
OWN_REFS = ("refs/bisect/", "refs/worktree/", "refs/rewritten/")


def worktree(name: str) -> str:
    """The linked worktree a ref's name is of (``worktrees/X/``), "" for the git dir's."""
    parts = name.split("/", 2)
    return f"worktrees/{parts[1]}/" if len(parts) == 3 and parts[0] == "worktrees" else ""


def resolved(values: dict[str, str], name: str) -> str | None:
    """The object ``name`` names as its files say (lower case): ``ref:`` and the name after
    it (up to ``_DEPTH`` of them; in a linked worktree, its own refs and pseudo refs are
    in its dir), or an object id first on the line; None for anything else (a ref to
    nothing, a link, text that is no ref)."""
    value = values.get(name)
    own = worktree(name)
    if name == "HEAD" and value is not None and value.startswith("link: refs/heads/"):
        value = "ref: " + value[5:].strip()  # core.preferSymlinkRefs: git's own link
    for _ in range(_DEPTH + 1):
        if value is None:
            return None
        if value.startswith("ref:"):
            target = value[4:].strip()
            if own and (target.startswith(OWN_REFS) or "/" not in target):
                target = own + target
            value = values.get(target)
            continue
        # as git reads a loose ref: an id first, then nothing or a blank (red team 72)
        for size in (40, 64):
            word = value[:size]
            if len(word) == size and set(word) <= HEX and value[size:size + 1] in _ENDS:
                return word.lower()
        return None
    return None


def odd(values: dict[str, str]) -> bool:
    """Whether git may read any of these refs otherwise than ``resolved`` does (a link, a
    symbolic ref to a name not among them, a name twice in packed-refs, what is no ref):
    then git's own view is asked after every run."""
    for name, value in values.items():
        if name.rpartition("/")[2] in LISTS and value.startswith(("link:", "?")):
            return True  # git reads each line through a link, or past what is read
        if name == PACKED or (name in LISTS and value) or not (
                name.startswith("refs/") or name.rpartition("/")[2] in PSEUDO
                or name.startswith(worktree(name) + "refs/")):
            continue  # (another name in capitals: compared when it changes)
        if value.startswith(("link:", "?")) or (
                " " in value.strip() and not value.startswith("ref:")):
            return True  # a link, no file, or a name packed twice
        if value.startswith("ref:") and not value[4:].strip().startswith("refs/"):
            return True  # git reads $GIT_DIR/NAME, which is not among them
        if resolved(values, name) is None and not value.startswith("ref:"):
            return True
    return False
