"""A word that splits only by its braces, written with no quote or escape, may reach a program
as an option only when one of the words bash makes of it can start one: held to real bash,
which prints the words it makes of each generated word."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.core import globs
from gatekeep.shell.parse import parse

# braces, their separators, a sequence's dots, an option's dash and plain characters
WORDS = st.text(alphabet="{},.-ab1_/02+", min_size=1, max_size=14)
# and quotes, whose text is never a brace's (`""{},-x}` is `}` and `-x` to bash)
QUOTED = st.lists(st.sampled_from(["{", "}", ",", "-", "a", '""', "''", '","', '"{"', "\\,"]),
                  min_size=1, max_size=8).map("".join)


def words_of(text: str) -> list[str]:
    """The words bash makes of ``text`` as a command's argument (globbing off)."""
    shown = subprocess.run(["bash", "-fc", f"set -- {text}; printf '%s\\0' \"$#\" \"$@\""],
                           capture_output=True, timeout=30, check=False)
    count, *made = shown.stdout.decode().split("\0")[:-1] if shown.returncode == 0 else ["0"]
    assert len(made) == int(count)
    return made


@settings(max_examples=300, deadline=None)
@given(WORDS | QUOTED)
def test_a_plain_brace_word_makes_the_words_bash_makes(text: str) -> None:
    """And one that is no option makes none: `{a/{../.env,b}` is `{a/../.env` to bash, whose
    first brace never closes."""
    parsed = parse(f"rm {text}")
    if parsed.problems or len(parsed.segments) != 1 or len(parsed.segments[0].argv) != 2:
        return  # not one word to bash either (`a}b` ends nothing, `{` alone is a word)
    word = parsed.segments[0].argv[1]
    made = words_of(text)
    if not word.may_be_option:
        assert not any(made_word.startswith("-") for made_word in made), (text, made)
    if word.value is not None and not word.splits and not word.glob:
        assert made == [word.value], (text, made)
    if word.splits and word.raw == word.value:
        # bash drops a word the braces leave empty (`{,dist}` is `dist`)
        expected = [made_word for made_word in globs.braces(word.value) if made_word]
        assert expected == made or len(made) >= globs.MAX_BRACE_WORDS


@pytest.mark.parametrize(("text", "option"), [
    ("{dist,build}", False), ("dist-{a,b}", False), ("src/{a,b}.py", False),
    ("{-rf,dist}", True), ("{,-rf}", True), ("{1..-1}", True), ('{"-rf",x}', True),
    ("-{a,b}", True), ("{[-]x,y}", True), ("{*,y}", True),
])
def test_whether_a_brace_word_may_be_an_option(text: str, option: bool) -> None:
    word = parse(f"rm {text}").segments[0].argv[1]
    assert word.splits and word.may_be_option == option
