"""Expressions compiled on first use answer as compiled ones; string's constants, written out."""

from __future__ import annotations

import re
import string

import pytest

from gatekeep.core import globs
from gatekeep.runtime.patterns import compile_all, on_use


def test_an_expression_compiled_on_use_answers_as_a_compiled_one() -> None:
    later, now = on_use(r"(\w+)=(\d+)", re.I), re.compile(r"(\w+)=(\d+)", re.I)
    for text in ("a=1 B=22", "x", "=3"):
        assert [m.groups() for m in later.finditer(text)] == \
            [m.groups() for m in now.finditer(text)]
        assert (later.sub("-", text), later.findall(text), bool(later.fullmatch(text))) == \
            (now.sub("-", text), now.findall(text), bool(now.fullmatch(text)))
    assert (later.pattern, later.flags, later.groups) == (now.pattern, now.flags, now.groups)
    assert on_use(rb"\\.").sub(b"", b"a\\b") == b"a"


def test_an_expression_is_compiled_only_when_first_used() -> None:
    broken = on_use(r"(")
    with pytest.raises(re.error):
        broken.match("(")


def test_a_process_serving_many_commands_compiles_every_expression_ahead() -> None:
    """The resident judge's children inherit what it compiled before it forked them."""
    ahead = on_use(r"a+b")
    assert "match" not in vars(ahead)
    compile_all()
    assert "match" in vars(ahead)
    assert ahead.match("aab") is not None


def test_bracket_classes_use_the_characters_string_names() -> None:
    assert string.printable + "\x01\x7f\u00e9" == globs._UNIVERSE
    assert (string.punctuation, string.hexdigits) == (globs._PUNCTUATION, globs._HEX_DIGITS)
