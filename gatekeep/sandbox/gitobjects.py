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

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    from gatekeep.sandbox.boundary import Boundary

_HEX = frozenset("0123456789abcdef")
_HASHES = {40: "sha1", 64: "sha256"}  # a loose object's name, by its length
VERIFY_TIMEOUT = 120  # seconds for `git verify-pack` of one pack the run wrote
_CHECK = "run git fsck before using the repository"
_MOST_PACKS = 16  # packs one run wrote that are checked; the rest are named
_ALTERNATES = ("alternates", "http-alternates")  # objects/info/: other object stores


def check(box: Boundary) -> list[str]:
    """The warning lines for what was moved aside (see the module's text)."""
    from gatekeep.sandbox.created import _hold, _shown

    since = box.planned - 1  # a file's change time cannot be set back; coarse clocks
    lines = []
    for git in box.git_roots[1:]:
        objects = os.path.join(git, "objects")
        bad, unchecked = _packs(objects, since)
        for path in [*_loose(objects, since), *bad]:
            lines.append(f"gatekeep: warning: the command left {_shown(path, box.tree)}, "
                         "which does not hold what its name says (git would show it for "
                         "the object of that name, in a checkout too); "
                         f"{_hold(path, box.tree, box.git_roots, _CHECK)}\n")
        for path in unchecked:
            lines.append(f"gatekeep: warning: the command wrote {_shown(path, box.tree)}, "
                         f"which gatekeep could not check (too many packs, or past "
                         f"{VERIFY_TIMEOUT} seconds); {_CHECK}\n")
        for name in _ALTERNATES:  # other object stores: one of the agent's would supply
            path = os.path.join(objects, "info", name)  # an object the run deleted here
            if os.path.lexists(path) and _changed(path, since):
                lines.append(f"gatekeep: warning: the command changed "
                             f"{_shown(path, box.tree)}, which names other places git takes "
                             "objects from; "
                             f"{_hold(path, box.tree, box.git_roots, _CHECK)}\n")
    return lines


def _loose(objects: str, since: float) -> list[str]:
    """Loose objects (and their directories) changed since ``since`` whose content does not
    hash to their name, or that are no plain file (git follows a link)."""
    try:
        with os.scandir(objects) as entries:
            folders = [e for e in entries if len(e.name) == 2 and _HEX.issuperset(e.name)]
    except OSError:
        return []
    bad = []
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
        for entry in files:
            name = folder.name + entry.name
            if len(name) not in _HASHES or not _HEX.issuperset(name) \
                    or not _changed(entry.path, since):
                continue  # git's own temp files (tmp_obj_*) are no object
            if _digest(entry.path, _HASHES[len(name)]) != name:
                bad.append(entry.path)
    return bad


def _changed(path: str, since: float) -> bool:
    try:
        return os.lstat(path).st_ctime >= since
    except OSError:
        return False


def _digest(path: str, algorithm: str) -> str | None:
    """The hash of the object the file holds (its content, inflated), as git names it;
    None when it is no plain file or cannot be read or inflated."""
    import hashlib  # here: only a run that wrote objects pays for these
    import stat
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
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            digest.update(inflate.decompress(chunk))
        digest.update(inflate.flush())
        return digest.hexdigest() if inflate.eof else None
    except (OSError, zlib.error):
        return None
    finally:
        os.close(fd)


def _packs(objects: str, since: float) -> tuple[list[str], list[str]]:
    """Pack indexes changed since ``since`` (or whose pack is): those ``git verify-pack``
    fails (the index is what git finds a pack's objects by), and those it could not check
    (past the first ``_MOST_PACKS``, or past its time: a large pack is left, not moved)."""
    pack_dir = os.path.join(objects, "pack")
    try:
        with os.scandir(pack_dir) as entries:
            names = {e.name for e in entries}
    except OSError:
        return [], []
    changed = [index for index in (os.path.join(pack_dir, n) for n in sorted(names)
                                   if n.endswith(".idx"))
               if _changed(index, since) or _changed(index[:-4] + ".pack", since)]
    bad, unchecked = [], changed[_MOST_PACKS:]
    for index in changed[:_MOST_PACKS]:
        verified = _verified(index)
        if verified is None:
            unchecked.append(index)
        elif not verified:
            bad.append(index)
    return bad, unchecked


def _verified(index: str) -> bool | None:
    """Whether ``git verify-pack`` passes the index and its pack (every object's name its
    content's hash), run in a box that writes nothing, reaches nothing and runs no setting
    of the repository's; False where no such box can be made, None past its time."""
    import subprocess

    from gatekeep.sandbox import bwrap, seccomp
    from gatekeep.sandbox.spec import BWRAP

    program = bwrap.find(BWRAP)
    git = _git()
    if program is None or git is None:
        return False
    pack_dir = os.path.dirname(index)
    box = bwrap.sealed(program, "/", _covered(), [pack_dir])  # from /: no repository found
    if box is None:
        return False
    config = os.path.join(os.path.dirname(os.path.dirname(pack_dir)), "config")
    sha256 = b"sha256" in (_head(config) or b"").lower()  # extensions.objectFormat
    calls = seccomp.descriptor()
    try:
        filtered = ["--seccomp", str(calls)] if calls >= 0 else []
        done = subprocess.run(  # noqa: S603 - git's own check of a pack, boxed
            [box[0], *filtered, *box[1:], git, "verify-pack", index],
            capture_output=True, timeout=VERIFY_TIMEOUT, check=False,
            stdin=subprocess.DEVNULL, pass_fds=(calls,) if calls >= 0 else (),
            env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
                 "GIT_CONFIG_GLOBAL": "/dev/null",
                 "GIT_DEFAULT_HASH": "sha256" if sha256 else "sha1"})
    except subprocess.TimeoutExpired:
        return None
    except OSError:
        return False
    finally:
        if calls >= 0:
            os.close(calls)
    return done.returncode == 0


def _head(path: str) -> bytes | None:
    """The first 64 KiB of a regular file (a repository's config), never through a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, 1 << 16)
    except OSError:
        return None
    finally:
        os.close(fd)


def _git() -> str | None:
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
