"""A bare word is made without the builder: the same Word the builder makes of it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.shell.model import Span
from gatekeep.shell.parse import _parser, parse
from gatekeep.shell.words import built_word, word_from_node

# the characters that change how a bare word is read, among plain ones
WORDS = st.text(alphabet="ab.-_/=:~*?[]{},\\@+!$%1", min_size=1, max_size=12)


def word_nodes(source: str) -> list:
    data = source.encode()
    found, stack = [], [_parser().parse(data).root_node]
    while stack:
        node = stack.pop()
        if node.type == "word":
            found.append(node)
        stack.extend(node.children)
    return found


@settings(max_examples=1000)
@given(WORDS)
def test_a_bare_word_is_made_as_the_builder_makes_it(text: str) -> None:
    data = f"echo {text}".encode()
    for node in word_nodes(f"echo {text}"):
        span = Span(node.start_byte, node.end_byte)
        assert word_from_node(node, data, span) == built_word(node, data, span)


def test_the_words_that_take_the_builder_still_get_its_answer() -> None:
    for text, value, glob, home, splits in [("~/x", "/x", False, True, False),
                                            ("a\\ b", "a b", False, False, False),
                                            ("a{b,c}", "a{b,c}", True, False, True),
                                            ("src/*.py", "src/*.py", True, False, False),
                                            ("PATH=a:~b", None, False, False, False)]:
        word = parse(f"echo {text}").segments[0].argv[1]
        assert (word.value, word.glob, word.home, word.splits) == (value, glob, home, splits)
