"""A pattern's words for its made-up command: split as shlex splits them, quick or not."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatekeep.lint.probe import split

# the characters shlex treats apart (quotes, escape, comment, whitespace), and plain ones
TEXT = st.text(alphabet=st.sampled_from(list("ab-*[]#;|&$~=' \"\\\t\n\x0b\x0c\xa0\u2003é")),
               max_size=16)


@given(TEXT)
def test_split_is_shlex_split(text: str) -> None:
    try:
        expected = shlex.split(text)
    except ValueError:
        with pytest.raises(ValueError):
            split(text)
        return
    assert split(text) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("git  push --force", ["git", "push", "--force"]),
    ("a\x0bb", ["a\x0bb"]),  # not whitespace to shlex: one word
    ("a\xa0b", ["a\xa0b"]),
    ("echo 'a b'", ["echo", "a b"]),
    ("x # y", ["x", "#", "y"]),
])
def test_split_of_words_str_split_would_cut_otherwise(text: str, words: list[str]) -> None:
    assert split(text) == words
