"""Globs as sets of words: a word a glob matches, or proof that it matches none."""

from __future__ import annotations

import re
from fnmatch import translate

from gatekeep.policy.model import Glob

_TRY = "xa0-_./"


def sample(glob: Glob) -> str | None:
    """A word ``glob`` matches, or None when it matches no word at all (``[z-a]``)."""
    text = glob.text
    if glob.literal:  # most words of most patterns: the word itself
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "[":
            end = _class_end(text, index)
            if end is not None:
                member = _member(text[index : end + 1])
                if member is None:
                    return None
                out.append(member)
                index = end + 1
                continue
        out.append({"*": "", "?": "x"}.get(char, char))
        index += 1
    return "".join(out)


def _class_end(text: str, start: int) -> int | None:
    """Where the bracket expression starting at ``start`` closes, as fnmatch reads it."""
    index = start + 1
    if index < len(text) and text[index] == "!":
        index += 1
    if index < len(text) and text[index] == "]":
        index += 1
    end = text.find("]", index)
    return end if end >= 0 else None


def _member(bracket: str) -> str | None:
    pattern = re.compile(translate(bracket))
    for char in dict.fromkeys(bracket[1:-1] + _TRY):
        if pattern.match(char):
            return char
    return None


def covers(outer: Glob, inner: Glob) -> bool:
    """Whether every word ``inner`` matches is matched by ``outer`` (when sure of it)."""
    if inner.literal:
        return outer.matches(inner.text)
    return outer.text in (inner.text, "*")
