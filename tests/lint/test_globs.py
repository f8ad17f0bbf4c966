"""Globs as sets of words: a sample word, or proof that there is none."""

from __future__ import annotations

import pytest

from gatekeep.lint.globs import covers, sample
from gatekeep.policy.model import Glob


@pytest.mark.parametrize("text", ["git", "mkfs*", "x?y", "[abc]d", "[!a-z]", "a[b", "[]]",
                                  "+*", "--force=*", "[a-a]"])
def test_sample_matches_the_glob(text):
    word = sample(Glob(text))

    assert word is not None
    assert Glob(text).matches(word)


@pytest.mark.parametrize("text", ["[z-a]", "x[z-a]y", "[9-0]*"])
def test_no_sample_for_an_empty_range(text):
    assert sample(Glob(text)) is None


@pytest.mark.parametrize(("outer", "inner", "expected"), [
    ("*", "anything", True), ("mkfs*", "mkfs.ext4", True), ("mkfs.ext4", "mkfs*", False),
    ("*", "mkfs*", True), ("mkfs*", "mkfs*", True), ("mk*", "mkfs*", False),
])
def test_covers(outer, inner, expected):
    assert covers(Glob(outer), Glob(inner)) is expected
