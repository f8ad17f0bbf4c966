"""A protect glob's regex (``gatekeep.core.paths._glob_regex``) against a plain reading of
its grammar, one character at a time: ``**/``, ``**``, ``*``, ``?``, everything else
literal."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from gatekeep.core.paths import _glob_regex


def reference(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        if text.startswith("**/", index):
            out.append("(.*/)?")
            index += 3
        elif text.startswith("**", index):
            out.append(".*")
            index += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(text[index], re.escape(text[index])))
            index += 1
    return "".join(out)


GLOBS = st.text(alphabet=st.sampled_from("*?/[]\\.a-+ \n$^(|é"), max_size=24) | st.text()


@given(GLOBS)
@example("/**/.ssh/**")
@example("***/")
@example("~/.config/*/token?")
@example("")
def test_the_regex_reads_the_glob_as_its_grammar_says(text):
    assert _glob_regex(text) == reference(text)


@given(GLOBS, st.text(alphabet=st.sampled_from("/ab.*?x"), max_size=12))
def test_the_regex_matches_what_the_reading_matches(text, path):
    assert (re.fullmatch(_glob_regex(text), path) is None) == \
        (re.fullmatch(reference(text), path) is None)


def test_wildcards_stay_within_a_name_or_cross_directories_as_written():
    assert re.fullmatch(_glob_regex("/h/*/key"), "/h/a/key")
    assert not re.fullmatch(_glob_regex("/h/*/key"), "/h/a/b/key")
    assert re.fullmatch(_glob_regex("/h/**/key"), "/h/key")
    assert re.fullmatch(_glob_regex("/h/**/key"), "/h/a/b/key")
    assert not re.fullmatch(_glob_regex("/h/?"), "/h/ab")
    assert re.fullmatch(_glob_regex("/h/a.b"), "/h/a.b")
    assert not re.fullmatch(_glob_regex("/h/a.b"), "/h/axb")
