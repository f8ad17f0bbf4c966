"""Whether a path lies in a directory: by its text (callers resolve links first), or as the
kernel looks it up (``steady``); and the paths a variable's value names.

Only the standard library: the fast path plans its boxes with this.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: the fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Sequence


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or lies under it (everything lies under ``/``)."""
    return root == "/" or path == root or path.startswith(root.rstrip("/") + "/")


def under_any(path: str, roots: Sequence[str]) -> bool:
    return any(within(path, root) for root in roots)


# Where one value holds several words: a command line, a list, an option's `=`, git's `!`
# before a helper's command line.
_BETWEEN = (":", "=", ",", ";", "'", '"', "(", ")", "!")


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


def value_places(value: str, cwd: str) -> list[str]:
    """The paths ``value`` names, absolute: each word (between blanks and ``_BETWEEN``)
    that starts with ``/`` or ``.``, or has a ``/`` after a name in ``cwd``. A URL's host
    and path read as ``//host/path``, somewhere no box writes; a ``file:`` URL's path as
    itself."""
    for mark in _BETWEEN:
        value = value.replace(mark, " ")
    places = []
    for word in value.split():
        if word.startswith("/"):
            places.append(word)
        elif word.startswith(".") or (
                "/" in word and os.path.lexists(os.path.join(cwd, word.split("/")[0]))):
            places.append(os.path.join(cwd, word))
    return places
