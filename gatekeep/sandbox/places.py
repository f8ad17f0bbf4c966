"""Whether a path lies in a directory: by its text (callers resolve links first), or as the
kernel looks it up (``steady``, ``written``).

Only the standard library: the fast path plans its boxes with this.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: the fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Sequence

TEMP_DIRS = ("/tmp", "/var/tmp")  # noqa: S108 - made writable inside the box, not used here


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or lies under it (everything lies under ``/``)."""
    return root == "/" or path == root or path.startswith(root.rstrip("/") + "/")


def under_any(path: str, roots: Sequence[str]) -> bool:
    return any(within(path, root) for root in roots)


def steady(path: str, writable: Sequence[str], depth: int = 0) -> bool:
    """Whether nothing the box writes is looked up on the way to ``path``: not the place
    itself, nor a link on the way (``/opt/bin -> /tmp/bin``, ``//tmp``, ``/usr/../tmp``),
    whose target a box could change or fill. Walked once, name by name, as the kernel
    looks it up: each name in the real directory reached so far."""
    if depth > 8:
        return False
    current = "/"
    for name in path.split("/"):
        if name in ("", "."):
            continue
        if name == "..":
            current = os.path.dirname(current)
            continue
        looked_up = os.path.join(current, name)
        if under_any(looked_up, writable):
            return False
        if os.path.islink(looked_up):
            try:
                target = os.readlink(looked_up)
            except OSError:
                return False  # changed since islink: nothing steady about it
            if not steady(os.path.join(current, target), writable, depth + 1):
                return False
            looked_up = os.path.realpath(looked_up)
        current = looked_up
    return not under_any(current, writable)


def written(place: str, writes: Sequence[str], kept: Sequence[str]) -> bool:
    """Whether a box could write ``place``, or what it is reached through: not ``steady``,
    and not in a place every box keeps read-only or hides (``kept``: ``.git/hooks``, an
    agent's settings, a protected file) by its own name, through no link."""
    if steady(place, writes):
        return False
    normal = os.path.normpath(place)
    return not (under_any(normal, kept) and os.path.realpath(normal) == normal)
