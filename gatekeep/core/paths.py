"""Paths: resolving a word to the files it names, and protected-path globs.

The engine stays pure: every file-system question (which program ``rm`` is,
where a symlink points, what a glob expands to) goes through a
:class:`Resolver` that the caller passes in.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from gatekeep.core.approvals import Approval
from gatekeep.runtime import sysfs
from gatekeep.runtime.patterns import on_use
from gatekeep.sandbox.records import NamedTuple
from gatekeep.shell.model import Word

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # Resolver is a type checkers' protocol only


class Resolver(Protocol):
    def which(self, name: str) -> str | None: ...
    def realpath(self, path: str) -> str: ...
    def expand(self, pattern: str) -> list[str]: ...
    def fingerprint(self, path: str) -> str | None:
        """``dir``, ``file:<sha256>``, or None for anything else (approvals, a venv's mark)."""
        ...
    def read(self, path: str) -> str | None:
        """A small UTF-8 text file's content (a requirements file), or None."""
        ...


READ_LIMIT = 16 << 20  # the largest file a decision reads (a requirements or lock file)


def read_text(path: str) -> tuple[str | None, str | None]:
    """``(text, fingerprint)`` of a small UTF-8 file, from the same bytes; None when it is
    missing, not a regular file, larger than READ_LIMIT or not UTF-8."""
    import hashlib

    data = sysfs.contents(path, READ_LIMIT)
    if data is None:
        return None, None
    mark = "file:" + hashlib.sha256(data).hexdigest()
    try:
        return data.decode("utf-8"), mark
    except UnicodeDecodeError:
        return None, mark


class SystemResolver:
    """The real file system, with ``PATH`` given explicitly.

    Every answer is recorded: a decision is a pure function of the policy, the
    command, the context and these answers, so the recording says exactly what
    must still hold for a cached decision to be reused (see ``decisions``).
    """

    def __init__(self, path: str | None) -> None:
        self.path = path if path is not None else os.defpath
        self.expanded = False
        # One resolver serves one run, or one batch (test, replay): the file system is
        # asked once per name and path.
        self._known: dict[tuple[str, str], str | None] = {}

    def which(self, name: str) -> str | None:
        key = ("which", name)
        if key not in self._known:
            self._known[key] = sysfs.which(name, self.path)
        return self._known[key]

    def realpath(self, path: str) -> str:
        key = ("realpath", path)
        answer = self._known.get(key)
        if answer is None:
            answer = self._known[key] = sysfs.realpath(path)
        return answer

    @property
    def answers(self) -> list[tuple[str, str, str | None]]:
        """Every question asked so far, with the answer it got."""
        return [(kind, argument, answer) for (kind, argument), answer in self._known.items()]

    def fingerprint(self, path: str) -> str | None:
        key = ("fingerprint", path)
        if key not in self._known:
            self._known[key] = sysfs.fingerprint(path)
        return self._known[key]

    def read(self, path: str) -> str | None:
        """The text, recorded as the fingerprint of the very bytes read: a stored decision
        is reused only while the file holds them (a change since asked: unreadable)."""
        text, mark = read_text(path)
        key = ("fingerprint", path)
        if key in self._known and self._known[key] != mark:
            return None
        self._known[key] = mark
        return text

    def expand(self, pattern: str) -> list[str]:
        import glob

        self.expanded = True
        return sorted(glob.glob(pattern))[:1000]


# The reasons of a write path:outside asks about, as ``sandbox.policy.lifted`` reads them back
# (an approval makes the directory holding the path writable): "writes PATH, ...".
OUTSIDE = ("writes ", ", outside the working tree")
TEMP_UNSHARED = ("writes ", ", in a temp dir that a box with the network has of its own "
                 "(empty, and gone after the run)")


class Context(NamedTuple):
    """What a decision may depend on besides the command and the policy."""

    cwd: str
    home: str
    resolver: Resolver
    temp_dirs: tuple[str, ...] = ()
    self_paths: tuple[str, ...] = ()
    approvals: tuple[Approval, ...] = ()  # valid ones only: the caller drops expired ones


def resolve(word: Word, cwd: str, home: str) -> str | None:
    """The absolute, normalized path a word names (globs unexpanded), or None if dynamic."""
    if word.value is None:
        return None
    return resolve_text(word.value, word.home, cwd, home)


@lru_cache(maxsize=1024)
def resolve_text(text: str, from_home: bool, cwd: str, home: str) -> str:
    """``resolve`` of a word's known text (``from_home``: its tilde-prefix is the home's);
    remembered, since commands name the same paths over and over."""
    return posixpath.normpath(joined_text(text, from_home, cwd, home)).replace("//", "/")


def joined_text(text: str, from_home: bool, cwd: str, home: str) -> str:
    """The absolute path a word's text names, with its ``..`` as written: the system
    follows a link before the ``..`` after it (``/dev/fd/..`` is ``/proc/self``)."""
    if from_home:
        base = home + text if text else home
    elif text == "~" or text.startswith("~/"):
        base = home + text[1:]
    elif text.startswith("/"):
        base = text
    else:
        base = posixpath.join(cwd, text)
    return base


def within(path: str, directory: str) -> bool:
    directory = directory.rstrip("/") or "/"
    return path == directory or path.startswith(directory + "/") or directory == "/"


class PathGlob(NamedTuple):
    """A protect entry, anchored (``/...``, ``~/...``) or matching anywhere (``.git/hooks/**``)."""

    text: str
    pattern: str  # a regular expression, compiled only when a path passes ``required``
    prefix: str | None  # literal leading directories, for "is an ancestor of" checks
    literal: str | None  # anchored entries: the text before the first glob character
    required: tuple[str, ...] = ()  # literal pieces every matching path contains
    glob: str = ""  # the entry as an absolute path pattern (``/**/.env`` for ``**/.env``)

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)

    def matches(self, path: str) -> bool:
        for piece in self.required:
            if piece not in path:
                return False
        return _compiled(self.pattern).fullmatch(path) is not None

    def may_start_with(self, start: str) -> bool:
        """Whether a path beginning with ``start`` (the known part of a word) may be protected."""
        if self.literal is None or "/" not in start:
            return False
        return self.literal.startswith(start) or start.startswith(self.literal)

    def inside(self, path: str) -> bool:
        """Whether ``path`` is a directory that contains what this entry protects: its
        literal directories lie in it, or it lies below them where the glob may still match
        inside it (``/proc/2`` holds what ``/proc/**/environ`` names)."""
        return self.prefix is not None and (within(self.prefix, path) or self.below(path))

    def below(self, path: str) -> bool:
        """Whether the directory ``path`` lies below the literal directories and may hold
        a path the glob matches."""
        directory = path.rstrip("/") or "/"
        if self.prefix is None or directory == self.prefix or not within(directory,
                                                                          self.prefix):
            return False  # most entries, for most paths: no pattern is compared
        from gatekeep.core import globs

        return globs.may_overlap(globs.segments(directory + "/**"),
                                 globs.segments(self.glob, extglob=False), True, True)


@lru_cache(maxsize=512)
def compile_protect(text: str, home: str, cwd: str) -> PathGlob:
    glob = _protect_glob(text, home)
    if text.startswith(("/", "~")):
        return glob
    return glob._replace(prefix=posixpath.join(cwd, glob.prefix) if glob.prefix else None)


@lru_cache(maxsize=512)
def _protect_glob(text: str, home: str) -> PathGlob:
    """A protect entry compiled for ``home``; a relative entry's prefix still relative (the
    working directory is joined to it by ``compile_protect``)."""
    anchored = text.startswith(("/", "~"))
    expanded = home + text[1:] if text.startswith("~") else text
    regex = _glob_regex(expanded[:-3]) + "(/.*)?" if expanded.endswith("/**") else \
        _glob_regex(expanded.rstrip("/"))
    if not anchored:
        regex = "(.*/)?" + regex
    literal = re.split(r"[*?\[]", expanded, maxsplit=1)[0]
    prefix: str | None = literal.rsplit("/", 1)[0] if "/" in literal.strip("/") or (
        anchored and literal.rsplit("/", 1)[0]) else None  # `/proc/**/environ`: `/proc`
    if anchored and literal.rstrip("/") == expanded.rstrip("/"):
        prefix = expanded.rstrip("/")
    base = expanded[:-3] if expanded.endswith("/**") else expanded.rstrip("/")
    required = tuple(p for p in re.split(r"\*\*|\*|\?|\[[^\]]*\]", base) if p)
    glob = expanded.rstrip("/") if anchored else "/**/" + expanded.rstrip("/")
    return PathGlob(text, regex, prefix, literal if anchored else None, required, glob)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# a protect glob's wildcards, the longest first at each place, and what each matches
_WILDCARDS = on_use(r"(\*\*/|\*\*|\*|\?)")
_WILDCARD_REGEX = {"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}


def _glob_regex(text: str) -> str:
    """The regex of a glob: ``**/`` any directories, ``**`` anything, ``*`` and ``?`` within
    one name; every other character stands for itself."""
    parts = _WILDCARDS.split(text)  # the text between wildcards, then each wildcard after it
    parts[::2] = [re.escape(part) for part in parts[::2]]
    parts[1::2] = [_WILDCARD_REGEX[part] for part in parts[1::2]]
    return "".join(parts)


class Protection(NamedTuple):
    """A protect list compiled for one home and working directory.

    Each entry first checks that a path holds its literal pieces (plain substring
    tests); only a path that passes compiles and runs the entry's regex, so a new
    process pays for no regex it does not need. Built by :meth:`of`, with two indexes
    that give the same answers as trying every entry in order, in less time.
    """

    globs: tuple[PathGlob, ...]
    # ``!PATTERN`` entries: files an entry above names that are not protected (a template
    # such as ``.env.example`` beside ``**/.env.*``)
    exceptions: tuple[PathGlob, ...]
    # each entry beside its longest literal piece: a path without it cannot match
    keyed: tuple[tuple[str, PathGlob], ...]
    # a directory -> the first entry whose prefix lies in it (or is it): what ``holder`` finds
    holders: Mapping[str, PathGlob]
    # a prefix -> its entries with their places in order: the only ones whose glob may
    # match below a directory inside that prefix (``PathGlob.below``)
    prefixed: Mapping[str, tuple[tuple[int, PathGlob], ...]]

    @classmethod
    def of(cls, globs: tuple[PathGlob, ...], exceptions: tuple[PathGlob, ...] = ()
           ) -> Protection:
        keyed = tuple((max(g.required, key=len, default=""), g) for g in globs)
        holders: dict[str, PathGlob] = {}
        prefixed: dict[str, tuple[tuple[int, PathGlob], ...]] = {}
        for place, glob in enumerate(globs):
            for directory in _directories(glob.prefix) if glob.prefix is not None else ():
                holders.setdefault(directory, glob)
            if glob.prefix is not None:
                key = glob.prefix.rstrip("/") or "/"
                prefixed[key] = (*prefixed.get(key, ()), (place, glob))
        return cls(globs, exceptions, keyed, MappingProxyType(holders),
                   MappingProxyType(prefixed))

    def match(self, path: str) -> PathGlob | None:
        """The entry protecting ``path`` itself."""
        found = next((g for key, g in self.keyed if key in path and g.matches(path)), None)
        if found is not None and any(e.matches(path) for e in self.exceptions):
            return None
        return found

    def holder(self, path: str) -> PathGlob | None:
        """The entry protecting something inside the directory ``path``: one whose literal
        directories lie in it, or, below them, one whose glob may still match inside it
        (``/proc/2`` holds what ``/proc/**/environ`` names)."""
        directory = path.rstrip("/") or "/"
        found = self.holders.get(directory)
        # ``below`` holds only for an entry whose prefix lies above the directory
        candidates = sorted(pair for above in _directories(directory) if above != directory
                            for pair in self.prefixed.get(above, ()))
        below = next((g for _, g in candidates if g.below(path)), None)
        if found is None or below is None:
            return found or below
        return min(found, below, key=self.globs.index)  # the first in order, as ever

    def overlap(self, pattern: str, dotglob: bool, globstar: bool,
                anywhere: bool = True, undotted: bool = True) -> PathGlob | None:
        """The entry protecting a path the shell pattern ``pattern`` may expand to.

        With ``anywhere`` false, entries that match in any directory (``**/*.pem``) are
        left to the files the pattern matches on disk: ``src/*.py`` may name a
        ``secrets.py``, and only the tree itself says whether it does. With ``undotted``
        false, only those of them whose name starts with no dot (``lefthook.yml``, which
        every ``dir/*`` may name): ``chmod +x scripts/*`` is judged by what ``scripts``
        holds, and ``*/pre-commi?`` still by ``.git/hooks/**``.
        """
        from gatekeep.core import globs

        mine = globs.segments(pattern)
        for entry in self.globs:
            if entry.literal is None and (not anywhere or (
                    not undotted and not entry.text.removeprefix("**/").startswith("."))):
                continue
            if globs.may_overlap(mine, globs.segments(entry.glob, extglob=False), dotglob,
                                 globstar):
                return entry
        return None


def _directories(prefix: str) -> list[str]:
    """Every ``directory`` for which ``within(prefix, directory)`` holds: ``/``, the prefix
    itself and the text before each of its slashes."""
    return ["/", prefix, *(prefix[:index] for index, char in enumerate(prefix)
                           if char == "/" and index > 0)]


def warm_protection(texts: tuple[str, ...], home: str) -> None:
    """Compile what of ``texts`` does not depend on a working directory (a resident judge
    does it once for the calls it will serve: the result depends on the arguments alone)."""
    for text in texts:
        _protect_glob(text.removeprefix("!"), home)


@lru_cache(maxsize=64)
def compile_protection(texts: tuple[str, ...], home: str, cwd: str) -> Protection:
    return Protection.of(
        tuple(compile_protect(text, home, cwd) for text in texts if not text.startswith("!")),
        tuple(compile_protect(text[1:], home, cwd) for text in texts if text.startswith("!")))
