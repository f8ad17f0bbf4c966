"""A glob without ``*``, ``?`` or ``[`` is compared with the word, not compiled: the same
answer as its regex (``fnmatch.translate``) for every word."""

from __future__ import annotations

import re
from fnmatch import translate

from hypothesis import given
from hypothesis import strategies as st

from gatekeep.policy.model import Glob

CHARS = st.sampled_from(["a", "b", ".", "/", "\\", "-", "+", "(", ")", "$", "^", "|", "{",
                         "}", "]", "!", "\n", " ", "é", "*", "?", "[", "\x00"])
WORDS = st.lists(CHARS, max_size=8).map("".join)


@given(text=WORDS, value=WORDS)
def test_a_glob_matches_what_its_regex_matches(text: str, value: str) -> None:
    assert Glob(text).matches(value) is (re.match(translate(text), value) is not None)


@given(text=WORDS)
def test_a_glob_matches_its_own_text_when_literal(text: str) -> None:
    if Glob(text).literal:
        assert Glob(text).matches(text)
        assert not Glob(text).matches(text + "x")
