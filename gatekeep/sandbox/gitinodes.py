"""The directories git finds objects and replace refs in, as they were when a box was
planned: a run that renames one in keeps the change times of what it holds, so the clean-up
after it (``gitobjects``, ``created.drop_replacements``) checks such a directory whole.

Only the standard library: the fast path plans its boxes with this.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    from gatekeep.sandbox.boundary import Boundary


def inodes(gits: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """The inode of each directory git finds objects and replace refs in, in each git dir:
    ``objects``, its ``pack``, ``info`` and two-hex directories, ``refs``, ``refs/replace``
    (one level of it). Where git writes objects it makes new files in these, never new
    directories in their place; a run that renames one in keeps the change times of what
    it holds, so after the run a directory whose inode differs is checked whole."""
    found = []
    for git in gits:
        objects = os.path.join(git, "objects")
        places = [objects, os.path.join(objects, "pack"), os.path.join(objects, "info"),
                  os.path.join(git, "refs"), os.path.join(git, "refs", "replace")]
        for parent in (objects, os.path.join(git, "refs", "replace")):
            try:
                with os.scandir(parent) as entries:
                    places += [e.path for e in entries if e.is_dir(follow_symlinks=False)]
            except OSError:
                continue
        for place in dict.fromkeys(places):
            try:
                found.append((place, os.lstat(place).st_ino))
            except OSError:
                continue
    return tuple(found)


def renewed(box: Boundary, path: str) -> bool:
    """Whether the directory ``path`` (or one of those above it that ``inodes`` recorded)
    is not the one the box was planned with: made since, or renamed in."""
    known = dict(box.git_inodes)
    current = path
    while current in known or current == path:
        try:
            if os.lstat(current).st_ino != known.get(current):
                return True
        except OSError:
            return True
        parent = os.path.dirname(current)
        if parent not in known:
            return False
        current = parent
    return False
