"""The quick check of a command's characters finds what the check of each character finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.shell.model import Problem, Span
from gatekeep.shell.parse import parse
from gatekeep.text import invisible_reason

TEXTS = st.one_of(st.text(alphabet=st.characters(max_codepoint=0x7f), min_size=1),
                  st.text(min_size=1),
                  st.builds(lambda a, c, b: a + c + b, st.text(max_size=5),
                            st.sampled_from(["\r", "\x1b", "\x7f", "\x00", "\u200b", "\u00a0",
                                             "\t", "\n", "\ufe0f", "\u3164"]),
                            st.text(max_size=5)))


def first_invisible(source: str) -> Problem | None:
    for index, char in enumerate(source):
        reason = invisible_reason(char)
        if reason is not None:
            return Problem(reason, Span(index, index + 1))
    return None


@settings(max_examples=500)
@given(TEXTS)
def test_the_first_invisible_character_is_reported_as_by_each_character(source: str) -> None:
    if not source.strip():
        return
    expected = first_invisible(source)
    problems = parse(source).problems
    if expected is not None:
        assert problems == (expected,)
    else:
        assert not any(p.reason.endswith(" in the command") and p.reason.startswith(
            ("control character", "invisible character", "unusual space")) for p in problems)
