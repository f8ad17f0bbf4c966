"""After a boxed run: git objects it rewrote, whose names no longer say what they hold.

git names an object by the hash of its content and never checks that name again when it
reads the object (only ``git fsck`` does). The box writes ``.git/objects`` (a commit adds
objects), so a run could rewrite the file of an object the history already holds, or add a
pack whose index gives an old object's name to other content: the operator's next ``git
checkout`` would then write the agent's content into a file the box kept read-only
(``.pre-commit-config.yaml``, whose hooks the next ``git commit`` runs), and ``git status``
shows nothing. After a run, each loose object file changed since the box was planned is
hashed again, and each pack changed since then is checked by ``git verify-pack`` in a box
that writes nothing; one that does not hold what its name says is moved aside, with a
warning. Objects the run added as git adds them pass: their names are their hashes.

Only the standard library: this runs after every boxed run.
"""

from __future__ import annotations

import os

from gatekeep.sandbox.gitinodes import renewed

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    import subprocess

    from gatekeep.sandbox.boundary import Boundary

_HEX = frozenset("0123456789abcdef")
_HASHES = {40: "sha1", 64: "sha256"}  # a loose object's name, by its length
# What in objects/pack a run may write and git reads objects by (`pack-HASH.SUFFIX`):
# checked, not moved
_PACK_SUFFIXES = frozenset({"pack", "idx", "keep", "promisor", "mtimes"})
VERIFY_TIMEOUT = 120  # seconds for `git verify-pack` of one pack the run wrote
_CHECK = "run git fsck before using the repository"
_REBUILT = "git rebuilds it when it needs it; check it before moving it back"
_UNCHECKED = ("git verify-pack or git fsck before moving it back (a large pack of a real fetch "
              "is one: move it back once checked)")
HASH_BUDGET = 60  # seconds for hashing the loose objects one run wrote
VERIFY_MEMORY = 4 << 30  # bytes of memory for one pack's check
_MOST_PACKS = 16  # packs one run wrote that are checked; the rest are moved aside
_MOST_ENTRIES = 4096  # of a directory in objects/info or objects/pack, looked at


def check(box: Boundary) -> list[str]:
    """The warning lines for what was moved aside or could not be checked (see the
    module's text)."""
    import time

    from gatekeep.sandbox.created import _hold, _shown

    since = box.planned - 1  # a file's change time cannot be set back; coarse clocks
    deadline = time.monotonic() + HASH_BUDGET
    lines = []
    for git in box.git_roots[1:]:
        objects = os.path.join(git, "objects")
        loose, late = _loose(box, objects, since, deadline)
        bad, unchecked = _packs(box, objects, since, _object_format(git))
        for path in [*loose, *bad]:
            lines.append(f"gatekeep: warning: the command left {_shown(path, box.tree)}, "
                         "which does not hold what its name says (git would show it for "
                         "the object of that name, in a checkout too); "
                         f"{_hold(path, box.tree, box.git_roots, _CHECK)}\n")
        for path in [*late, *unchecked]:
            lines.append(f"gatekeep: warning: the command wrote {_shown(path, box.tree)}, "
                         f"which gatekeep could not check (past {_MOST_PACKS} packs, or "
                         f"past its time); {_hold(path, box.tree, box.git_roots, _UNCHECKED)}"
                         "\n")
        for path in _others(box, objects, since):
            lines.append(f"gatekeep: warning: the command changed {_shown(path, box.tree)}, "
                         "which tells git where objects are or what a commit's parents "
                         "are (another object store, a multi-pack index, a commit graph); "
                         f"{_hold(path, box.tree, box.git_roots, _REBUILT)}\n")
    return lines


def _loose(box: Boundary, objects: str, since: float, deadline: float
           ) -> tuple[list[str], list[str]]:
    """Loose objects (and their directories) changed since ``since`` whose content does not
    hash to their name, or that are no plain file (git follows a link); and those past the
    ``deadline``, unchecked."""
    import time

    try:
        with os.scandir(objects) as entries:
            folders = [e for e in entries if len(e.name) == 2 and _HEX.issuperset(e.name)]
    except OSError:
        return [], []
    bad, late = [], []
    for folder in folders:
        if folder.is_symlink():
            if _changed(folder.path, since):
                bad.append(folder.path)
            continue
        try:
            with os.scandir(folder.path) as entries:
                files = list(entries)
        except OSError:
            continue
        whole = renewed(box, folder.path)  # renamed in: its files keep their times
        for entry in files:
            name = folder.name + entry.name
            if len(name) not in _HASHES or not _HEX.issuperset(name) \
                    or not (whole or _changed(entry.path, since)):
                continue  # git's own temp files (tmp_obj_*) are no object
            if time.monotonic() > deadline:
                late.append(entry.path)
            elif _digest(entry.path, _HASHES[len(name)], deadline) != name:
                bad.append(entry.path)
    return bad, late


def _others(box: Boundary, objects: str, since: float) -> list[str]:
    """What else in ``objects`` the run changed that git reads to find objects or
    commits: everything in ``info`` (``alternates``, ``http-alternates``, ``commit-graph``,
    ``commit-graphs``), and in ``pack`` all but packs, their indexes and git's temp files
    (``multi-pack-index``, bitmaps, reverse indexes): git rebuilds these when it needs them."""
    found = []
    for place, packs in ((os.path.join(objects, "info"), False),
                         (os.path.join(objects, "pack"), True)):
        try:
            with os.scandir(place) as entries:
                names = [e.name for e in entries]
        except OSError:
            continue
        whole = renewed(box, place)
        found += [os.path.join(place, name) for name in sorted(names)
                  if not (packs and (_pack_file(name) or name.startswith("tmp_")))
                  and (whole or _changed(os.path.join(place, name), since)
                       or _changed_within(os.path.join(place, name), since))]
    return found


def _changed_within(directory: str, since: float) -> bool:
    """Whether a file in ``directory`` (a split commit graph's ``commit-graphs``, an
    incremental ``multi-pack-index.d``) changed since ``since``: one written in place
    leaves the directory's own times as they were (red team 64). Past ``_MOST_ENTRIES``
    entries, it counts as changed."""
    try:
        with os.scandir(directory) as entries:
            for count, entry in enumerate(entries):
                if count > _MOST_ENTRIES or _changed(entry.path, since):
                    return True
    except OSError:
        return False  # no directory (a file: its own time said it)
    return False


def _pack_file(name: str) -> bool:
    stem, _, suffix = name.partition(".")
    digest = stem[len("pack-"):]
    return stem.startswith("pack-") and suffix in _PACK_SUFFIXES \
        and len(digest) in _HASHES and _HEX.issuperset(digest)


def _changed(path: str, since: float) -> bool:
    try:
        return os.lstat(path).st_ctime >= since
    except OSError:
        return False


def _digest(path: str, algorithm: str, deadline: float) -> str | None:
    """The hash of the object the file holds (its content, inflated), as git names it;
    None when it is no plain file, cannot be read or inflated, holds more or less than its
    header says, or is still being hashed at the ``deadline`` (an inflation bomb)."""
    import hashlib  # here: only a run that wrote objects pays for these
    import stat
    import time
    import zlib

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = hashlib.new(algorithm)
        inflate = zlib.decompressobj()
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            while chunk:  # at most 16 MiB inflated at a time
                out = inflate.decompress(chunk, 1 << 24)
                digest.update(out)
                total += len(out)
                chunk = inflate.unconsumed_tail
                if time.monotonic() > deadline:
                    return None
        digest.update(inflate.flush())
        header = _header_size(path)
        if not inflate.eof or header is None or total != header:
            return None
        return digest.hexdigest()
    except (OSError, zlib.error):
        return None
    finally:
        os.close(fd)


def _header_size(path: str) -> int | None:
    """The size an object's header says (``TYPE SIZE\\0``) plus the header's own length."""
    import zlib

    try:
        with open(path, "rb") as handle:  # _digest read it as a regular file just now
            head = zlib.decompressobj().decompress(handle.read(4096), 64)
    except (OSError, zlib.error):
        return None
    end = head.find(b"\0")
    words = head[:end].split(b" ") if end > 0 else []
    if len(words) != 2 or not words[1].isdigit():
        return None
    return int(words[1]) + end + 1


def _packs(box: Boundary, objects: str, since: float, object_format: str
           ) -> tuple[list[str], list[str]]:
    """Pack indexes changed since ``since`` (or whose pack is, or all of them in a pack
    directory renamed in): those ``git index-pack --verify`` fails (the index is what git
    finds a pack's objects by), and those it could not check (past the first
    ``_MOST_PACKS``, or past their time: moved aside too, with how to move one back)."""
    pack_dir = os.path.join(objects, "pack")
    try:
        with os.scandir(pack_dir) as entries:
            names = {e.name for e in entries}
    except OSError:
        return [], []
    whole = renewed(box, pack_dir)
    changed = [index for index in (os.path.join(pack_dir, n) for n in sorted(names)
                                   if n.endswith(".idx"))
               if whole or _changed(index, since) or _changed(index[:-4] + ".pack", since)]
    bad, unchecked = [], changed[_MOST_PACKS:]
    for index in changed[:_MOST_PACKS]:
        verified = _verified(index, object_format)
        if verified is None:
            unchecked.append(index)
        elif not verified:
            bad.append(index)
    return bad, unchecked


def _verified(index: str, object_format: str) -> bool | None:
    """Whether ``git index-pack --verify`` passes the pack and its index (every object's
    name its content's hash, the index the pack's own), run in a box that writes nothing,
    reaches nothing and reads no repository's settings, with limits; None when it cannot be
    run or runs past its time."""
    git = git_program()
    done = None if git is None else sealed(
        [git, "index-pack", "--verify", f"--object-format={object_format}",
         index[:-4] + ".pack"], [os.path.dirname(index)])
    return None if done is None else done.returncode == 0


def sealed(argv: list[str], shown: list[str], given: bytes = b"",
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes] | None:
    """``argv`` run from ``/`` (no repository found there) in a box that writes nothing,
    reaches nothing and reads no settings of the operator's git, ``shown`` read-only, with
    the limits of ``_limited`` and the system-call filter, given ``given``; None when the
    box cannot be made or it runs past its time."""
    import subprocess

    from gatekeep.sandbox import bwrap, seccomp
    from gatekeep.sandbox.spec import BWRAP

    program = bwrap.find(BWRAP)
    box = None if program is None else bwrap.sealed(program, "/", _covered(), shown)
    if box is None:
        return None
    calls = seccomp.descriptor()
    try:
        filtered = ["--seccomp", str(calls)] if calls >= 0 else []
        return subprocess.run(  # noqa: S603 - git, boxed
            [box[0], *filtered, *box[1:], *argv], input=given, capture_output=True,
            timeout=VERIFY_TIMEOUT, check=False, pass_fds=(calls,) if calls >= 0 else (),
            preexec_fn=_limited,  # gatekeep runs no threads here
            env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
                 "GIT_CONFIG_GLOBAL": "/dev/null", **(env or {})})
    except (subprocess.TimeoutExpired, OSError):
        return None
    finally:
        if calls >= 0:
            os.close(calls)


def _limited() -> None:
    """The check's limits: memory and CPU time (a pack built to cost them fails)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (VERIFY_MEMORY, VERIFY_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (VERIFY_TIMEOUT, VERIFY_TIMEOUT))


def _object_format(git: str) -> str:
    """The repository's object format: sha256 where its config says so."""
    from gatekeep.sandbox.created import _regular

    config = (_regular(os.path.join(git, "config"), 1 << 20) or b"").lower().replace(b" ", b"")
    return "sha256" if b"objectformat=sha256" in config else "sha1"


def git_program() -> str | None:
    """The system's git (never one on the run's PATH, which a project may hold)."""
    for candidate in ("/usr/bin/git", "/bin/git", "/usr/local/bin/git"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _covered() -> list[str]:
    """What the checking box hides: the homes, the temp and runtime dirs."""
    from gatekeep.sandbox.places import TEMP_DIRS
    from gatekeep.sandbox.system import RUN_DIRS

    home = os.environ.get("HOME", "")
    return [p for p in (home, "/root", "/home", *TEMP_DIRS, *RUN_DIRS) if p]
