"""Shell patterns as bash reads them: brace expansion, and whether a pattern may name a path.

``~/.ss{h,x}/id_rsa`` is two words before any file is looked at; ``~/.ss?/id_*`` names
whatever matches. Whether a file exists is not the question: a pattern that *may* expand
to a protected path is judged as that path, whatever the disk holds now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from gatekeep.sandbox.records import NamedTuple
from gatekeep.shell.braces import MAX_WORDS, expand

MAX_BRACE_WORDS = MAX_WORDS
# string's constants, written out: importing string compiles its templates' expression
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_HEX_DIGITS = "0123456789abcdefABCDEF"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# every character a bracket expression is tested against: the printable ones, and
# stand-ins for controls and non-ASCII letters
_UNIVERSE = "0123456789" + _LETTERS + _PUNCTUATION + " \t\n\r\x0b\x0c" + "\x01\x7f\u00e9"
_CLASSES: dict[str, Callable[[str], bool]] = {
    "alpha": str.isalpha, "digit": str.isdigit, "alnum": str.isalnum, "upper": str.isupper,
    "lower": str.islower, "space": str.isspace, "blank": lambda c: c in " \t",
    "punct": lambda c: c in _PUNCTUATION, "print": str.isprintable,
    "graph": lambda c: c.isprintable() and not c.isspace(), "xdigit": lambda c: c in
    _HEX_DIGITS, "cntrl": lambda c: ord(c) < 32 or ord(c) == 127,
    "word": lambda c: c.isalnum() or c == "_",
}


def braces(text: str, starts: bool = True) -> list[str]:
    """The words bash's brace expansion makes of ``text`` (at most MAX_BRACE_WORDS);
    ``starts``: nothing is before it in the word as written (``shell.braces.expand``)."""
    return expand(text, starts)


class Atom(NamedTuple):
    """One piece of a pattern segment: a character test, or a run of any characters."""

    star: bool
    test: frozenset[str]  # the characters of _UNIVERSE it matches (single-character atoms)
    dot: bool = False  # a run that may begin with a dot even without dotglob (extglob)


_STAR = Atom(True, frozenset())
_ANY = Atom(False, frozenset(_UNIVERSE))
# One file name's pattern: a tuple of atoms (hashable, so that the comparisons of the
# same pieces, which every protected entry repeats, are worked out once).
Piece = tuple[Atom, ...]


@lru_cache(maxsize=1024)
def segments(pattern: str, extglob: bool = True) -> tuple[Piece | None, ...]:
    """A path pattern as segments of atoms; None stands for a ``**`` segment."""
    return tuple(None if part == "**" else _atoms(part, extglob) for part in pattern.split("/"))


@lru_cache(maxsize=1024)
def _atoms(text: str, extglob: bool) -> Piece:
    atoms: list[Atom] = []
    index = 0
    while index < len(text):
        char = text[index]
        if extglob and char in "@*+?!" and text[index + 1 : index + 2] == "(":
            close = text.find(")", index)
            if close > 0:  # @(a|b), !(x), ...: any run, which may name a dot file
                atoms.append(Atom(True, frozenset(), dot=True))
                index = close + 1
                continue
        if char == "*":
            atoms.append(_STAR)
        elif char == "?":
            atoms.append(_ANY)
        elif char == "[" and (end := _bracket_end(text, index)) is not None:
            atoms.append(Atom(False, _bracket(text[index + 1 : end])))
            index = end
        else:
            if char == "\\" and index + 1 < len(text):
                index += 1
                char = text[index]
            atoms.append(Atom(False, frozenset(char)))
        index += 1
    return tuple(atoms)


def _bracket_end(text: str, start: int) -> int | None:
    index = start + 1
    if text[index : index + 1] in ("!", "^"):
        index += 1
    if text[index : index + 1] == "]":
        index += 1
    while index < len(text):
        if text.startswith("[:", index):
            close = text.find(":]", index + 2)
            index = close + 2 if close > 0 else index + 1
            continue
        if text[index] == "]":
            return index
        index += 1
    return None


def _between(low: str, high: str) -> Callable[[str], bool]:
    return lambda char: low <= char <= high


def _anything(char: str) -> bool:
    return True


def _bracket(body: str) -> frozenset[str]:
    negated = body[:1] in ("!", "^")
    body = body[1:] if negated else body
    tests: list[Callable[[str], bool]] = []
    index = 0
    while index < len(body):
        if body.startswith("[:", index) and (close := body.find(":]", index)) > 0:
            check = _CLASSES.get(body[index + 2 : close], _anything)
            tests.append(check)
            index = close + 2
            continue
        if index + 2 < len(body) and body[index + 1] == "-":
            tests.append(_between(body[index], body[index + 2]))
            index += 3
            continue
        tests.append(_between(body[index], body[index]))
        index += 1
    chosen = {c for c in _UNIVERSE if any(t(c) for t in tests)}
    return frozenset(set(_UNIVERSE) - chosen if negated else chosen) - {"/"}


def may_overlap(word: Sequence[Piece | None], protected: Sequence[Piece | None],
                dotglob: bool, globstar: bool) -> bool:
    """Whether some path matches both the word's pattern and a protected pattern."""
    def step(i: int, j: int) -> list[tuple[int, int]]:
        steps = []
        if j < len(protected) and protected[j] is None:  # a protected ** is any segments
            steps.append((i, j + 1))
            if i < len(word):
                steps.append((i + 1, j))
        if j >= len(protected) and i < len(word) and word[i] is None and globstar:
            steps.append((i + 1, j))  # a ** of the word's, last, is also no segment
        if i >= len(word) or j >= len(protected):
            return steps
        mine, theirs = word[i], protected[j]
        if mine is None and globstar:
            steps.append((i + 1, j))
            if theirs is not None and _segment_overlaps((_STAR,), theirs, dotglob):
                steps.append((i, j + 1))
        elif theirs is not None and _segment_overlaps(mine or (_STAR,), theirs, dotglob):
            steps.append((i + 1, j + 1))
        return steps

    return _both_end((len(word), len(protected)), step)


@lru_cache(maxsize=1024)
def _segment_overlaps(mine: Piece, theirs: Piece, dotglob: bool) -> bool:
    """Whether one file name matches both segments (bash's leading-dot rule on ``mine``)."""
    if not dotglob and mine and mine[0].star and not mine[0].dot and _must_start_with_dot(theirs):
        return False
    if not dotglob and mine and not mine[0].star and len(mine[0].test) > 1 \
            and _must_start_with_dot(theirs):
        return False

    def step(i: int, j: int) -> list[tuple[int, int]]:
        a = mine[i] if i < len(mine) else None
        b = theirs[j] if j < len(theirs) else None
        steps = []
        if a is not None and a.star:
            steps.append((i + 1, j))
            if b is not None and not b.star:
                steps.append((i, j + 1))
        if b is not None and b.star:
            steps.append((i, j + 1))
            if a is not None and not a.star:
                steps.append((i + 1, j))
        if a is not None and b is not None and not a.star and not b.star and a.test & b.test:
            steps.append((i + 1, j + 1))
        return steps

    return _both_end((len(mine), len(theirs)), step)


def _both_end(end: tuple[int, int],
              step: Callable[[int, int], list[tuple[int, int]]]) -> bool:
    """Whether walking two patterns together, from both starts, by ``step``, can reach
    ``end`` (both patterns used up): each pair of positions is visited once."""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        here = stack.pop()
        if here in seen:
            continue
        seen.add(here)
        if here == end:
            return True
        stack.extend(step(*here))
    return False


def _must_start_with_dot(atoms: Piece) -> bool:
    return bool(atoms) and not atoms[0].star and atoms[0].test == frozenset(".")
