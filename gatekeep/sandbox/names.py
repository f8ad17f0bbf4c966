"""Matching entry names against protect globs without compiling a regex for the usual ones.

Every boxed run scans the working tree for protected names (``.env``, ``*.pem``,
``.env.*``): compiling those globs into regexes cost the run about as much as scanning a
small tree. A name has no ``/``, so a glob with no wildcard is the name itself, and one with
a single ``*`` (``[^/]*`` in the regex it replaces) is a prefix and a suffix; string methods
on tuples test those in C. Anything else (``?``, two ``*``) still becomes a regex, built
exactly as before.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    import re
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
        self.rest = _compiled("|".join(map(to_regex, others))) if others else None

    def fullmatch(self, name: str) -> bool:
        if name in self.exact or name.startswith(self.prefixes) \
                or name.endswith(self.suffixes):
            return True
        if name.startswith(self.heads) and any(  # the loop only for a name that may match
                len(name) >= len(head) + len(tail) and name.startswith(head)
                and name.endswith(tail) for head, tail in self.starred):
            return True
        return self.rest is not None and self.rest.fullmatch(name) is not None


class PathGlobs:
    """``fullmatch(path)``: whether ``path`` (relative to the tree) matches one of the globs
    that name a path at any depth (``.vscode/settings.json``, ``.git/hooks/**``), as the
    regex ``(?:.*/)?GLOB`` would, with ``.`` matching any character (a directory name may
    hold a newline). A glob without a wildcard is string tests; any other is a regex."""

    __slots__ = ("exact", "inner", "rest", "starts", "tails")

    def __init__(self, globs: Sequence[str], to_regex: Callable[[str], str]) -> None:
        literal = [(glob, *_literal(glob)) for glob in globs]
        plain = [(body, whole) for _, body, whole in literal if body]
        self.exact = frozenset(body for body, _ in plain)                 # ``a/b``
        self.tails = tuple("/" + body for body, _ in plain)               # ``x/a/b``
        self.starts = tuple(body + "/" for body, whole in plain if whole)  # ``a/b/c``
        self.inner = tuple("/" + body + "/" for body, whole in plain if whole)  # ``x/a/b/c``
        others = [glob for glob, body, _ in literal if not body]
        self.rest = _compiled("|".join(f"(?:(?:.*/)?{to_regex(g)})" for g in others),
                              dotall=True) if others else None

    def fullmatch(self, path: str) -> bool:
        if path in self.exact or path.endswith(self.tails) or path.startswith(self.starts) \
                or any(inner in path for inner in self.inner):
            return True
        return self.rest is not None and self.rest.fullmatch(path) is not None


def _literal(glob: str) -> tuple[str, bool]:
    """The glob's text without its ``**/`` head and ``/**`` tail, and whether it had the tail
    (a directory that covers what is in it); ``""`` when a wildcard remains."""
    while glob.startswith("**/"):
        glob = glob[3:]
    whole = glob.endswith("/**")
    body = (glob[:-3] if whole else glob).rstrip("/")
    if not body or "*" in body or "?" in body:
        return "", whole
    return body, whole


def _compiled(pattern: str, dotall: bool = False) -> re.Pattern[str]:
    """``re`` imported only for a glob that needs an expression: a run whose globs are
    all plain names never loads it (it costs a reused run's start-up a few milliseconds)."""
    import re

    return re.compile(pattern, re.DOTALL if dotall else 0)
