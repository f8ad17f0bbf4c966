"""Matching entry names against protect globs without compiling a regex for the usual ones.

Every boxed run scans the working tree for protected names (``.env``, ``*.pem``,
``.env.*``): compiling those globs into regexes cost the run about as much as scanning a
small tree. A name has no ``/``, so a glob with no wildcard is the name itself, and one with
a single ``*`` (``[^/]*`` in the regex it replaces) is a prefix and a suffix; string methods
on tuples test those in C. Anything else (``?``, two ``*``) still becomes a regex, built
exactly as before.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


class NameGlobs:
    """``fullmatch(name)``: whether ``name`` matches one of the globs, as the regex built by
    ``to_regex`` from each glob would."""

    __slots__ = ("exact", "heads", "prefixes", "rest", "starred", "suffixes")

    def __init__(self, globs: Sequence[str], to_regex: Callable[[str], str]) -> None:
        plain = [g for g in globs if "?" not in g and g.count("*") <= 1]
        split = [tuple(g.split("*")) for g in plain if "*" in g]
        self.exact = frozenset(g for g in plain if "*" not in g)
        self.prefixes = tuple(head for head, tail in split if not tail)  # ``.env.*``
        self.suffixes = tuple(tail for head, tail in split if not head)  # ``*.pem``
        self.starred = tuple((head, tail) for head, tail in split if head and tail)
        self.heads = tuple(head for head, _ in self.starred)  # ``appsettings*.json``
        others = [g for g in globs if g not in plain]
        self.rest = re.compile("|".join(map(to_regex, others))) if others else None

    def fullmatch(self, name: str) -> bool:
        if name in self.exact or name.startswith(self.prefixes) \
                or name.endswith(self.suffixes):
            return True
        if name.startswith(self.heads) and any(  # the loop only for a name that may match
                len(name) >= len(head) + len(tail) and name.startswith(head)
                and name.endswith(tail) for head, tail in self.starred):
            return True
        return self.rest is not None and self.rest.fullmatch(name) is not None
