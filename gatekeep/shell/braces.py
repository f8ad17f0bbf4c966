"""Brace expansion as bash does it: the words ``{dist,build}`` and ``x{1..3}`` make.

A brace opens an expansion only when a closing brace follows at the same depth after a
comma or a ``..`` at that depth: before either, a ``}`` is a character (``{1},-}`` is the
words ``1}`` and ``-``), and a ``{`` never closed is one too (``{a/{b,c}`` is ``{a/b`` and
``{a/c``). Each comma-separated part is expanded again, and so is the text after the
brace. A part with no comma is a sequence (``{1..3}``, ``{a..e..2}``, ``{01..10}``) or, when
it is not a valid one, the brace's text as written. A ``{`` that starts a word and
that a ``}`` or a blank follows is a character (``{},x}`` is itself). Words the expansion
leaves empty are dropped by bash later (``{,x}`` is ``x``); here they stay, for the caller to drop.

Only the standard library, and no regular expression: a word holding a brace is read on
the way to every decision.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

MAX_WORDS = 256  # a word making more is known only at run time to callers that check
_DIGITS = "0123456789"
_EMPTY = ("}", " ", "\t", "\n")  # after a word's first `{`: not a brace (`{}`, `{ }`)


def expand(text: str, starts: bool = True) -> list[str]:
    """The words bash's brace expansion makes of ``text`` (at most MAX_WORDS); ``starts``:
    the text starts the word as bash reads it (no quote before it), where a ``{`` that a
    ``}`` follows is a character (``{}``, the word find's ``-exec`` replaces)."""
    opened = _opening(text, starts)
    if opened is None:
        return [text]
    start, close = opened
    head, amble, tail = text[:start], text[start + 1:close], text[close + 1:]
    if "," in amble:
        middles = [word for part in _parts(amble) for word in expand(part)]
    else:
        sequence = _sequence(amble)
        if sequence is None:
            if not tail:
                return [text]
            sequence = ["{" + amble + "}"]
        middles = sequence
    tails = expand(tail) if tail else [""]
    return [head + middle + end for middle in middles for end in tails][:MAX_WORDS]


def first_is_character(raw: str) -> bool:
    """Whether a word as written (``raw``) starts with a ``{`` bash takes for a character:
    one before ``}`` or a blank (``{}``). Read from the word as written: an empty quote
    leaves no mark in its text (``{""},.env}`` opens a brace)."""
    return raw[:1] == "{" and raw[1:2] in _EMPTY


def _opening(text: str, starts: bool) -> tuple[int, int] | None:
    """The first ``{`` that a brace closes, and where: (the ``{``, its ``}``)."""
    start = text.find("{", 1 if starts and text[1:2] in _EMPTY else 0)
    while start >= 0:
        close = _closing(text, start + 1)
        if close is not None:
            return start, close
        start = text.find("{", start + 1)
    return None


def _closing(text: str, at: int) -> int | None:
    """The ``}`` closing a brace whose text starts at ``at``: at depth 0, after a comma or
    a ``..`` (not one just before a ``}``) at depth 0."""
    depth = separators = 0
    for index in range(at, len(text)):
        char = text[index]
        if char == "}" and depth == 0 and separators:
            return index
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif depth == 0 and (char == "," or (
                text[index:index + 2] == ".." and text[index + 2:index + 3] != "}")):
            separators += 1
    return None


def _parts(amble: str) -> list[str]:
    """The brace's text cut at its commas of depth 0 (a ``}`` of depth 0 is a character)."""
    parts, depth, last = [], 0, 0
    for index, char in enumerate(amble):
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(amble[last:index])
            last = index + 1
    return [*parts, amble[last:]]


def _number(text: str) -> int | None:
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or any(char not in _DIGITS for char in digits):
        return None
    return int(text)


def _sequence(amble: str) -> list[str] | None:
    """``1..3``, ``a..e``, ``10..1..3``, ``01..10``; None for text that is not one."""
    first, dots, rest = amble.partition("..")
    if not dots or not first or not rest:
        return None
    last, dots, step_text = rest.partition("..")
    step = 1
    if dots:
        if not step_text:
            return None  # `1..3..`: bash reads the step as nothing
        number = _number(step_text)
        if number is None:
            return None
        step = abs(number) or 1
    low, high = _number(first), _number(last)
    if low is not None and high is not None:
        width = max((len(side) for side in (first, last)
                     if side.lstrip("-")[:1] == "0" and len(side.lstrip("-")) > 1), default=0)
        if width:  # `01..10`: each as wide as the wider side written with a leading zero
            width = max(width, len(first), len(last))
        return _run(low, high, step, lambda value: _padded(value, width))
    if len(first) == 1 and len(last) == 1 and first.isascii() and last.isascii() \
            and first.isalpha() and last.isalpha():
        return _run(ord(first), ord(last), step, chr)
    return None


def _padded(value: int, width: int) -> str:
    if not width:
        return str(value)
    sign = "-" if value < 0 else ""
    return sign + str(abs(value)).rjust(width - len(sign), "0")


def _run(low: int, high: int, step: int, shown: Callable[[int], str]) -> list[str]:
    values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
    return [shown(value) for value in values[:MAX_WORDS]]
