"""Pieces written without rich are byte for byte what the rich console prints.

``gatekeep.ui.plain.write`` skips rich only where the console shows no style and the
text holds nothing rich rewrites; everywhere it does, its output must be rich's own, and
where it declines it must have written nothing.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.ui import plain
from gatekeep.ui.console import make_console

STYLES = st.sampled_from([None, "", "bold", "red", "bold red", "dim", "green", "yellow"])
TEXTS = st.lists(st.sampled_from(
    ["a", "Z", " ", "  ", "\n", "\t", "\r", "\x07", "\x1b[31m", "é", "中", "~", "[b]", ":"]),
    max_size=20).map("".join)
PIECES = st.lists(st.tuples(TEXTS, STYLES), max_size=6)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def by_rich(texts: list[list[plain.Piece]], stream: io.StringIO, color: bool) -> str:
    console = make_console(stream, color=color)
    for pieces in texts:
        console.print(plain.rich_text(pieces), end="", soft_wrap=True, markup=False,
                      highlight=False)
    return stream.getvalue()


ENVS = [{}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "1"},
        {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, {"COLUMNS": "12"}, {"TERM": "dumb"}]


@pytest.mark.parametrize("environ", ENVS)
@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("color", [False, True])
@settings(max_examples=60, deadline=None)
@given(texts=st.lists(PIECES, min_size=1, max_size=3))
def test_written_without_rich_only_what_rich_would_write(
        texts: list[list[plain.Piece]], color: bool, terminal: bool,
        environ: dict[str, str]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "COLUMNS", "TERM"):
            patch.delenv(name, raising=False)
        for name, value in environ.items():
            patch.setenv(name, value)
        kind = Terminal if terminal else io.StringIO
        expected = by_rich(texts, kind(), color)
        written = kind()
        if plain.write(written, texts, color=color):
            assert written.getvalue() == expected
        else:
            assert written.getvalue() == ""


def test_a_report_to_a_file_or_a_pipe_skips_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    texts = [[("builtin:default: ", "bold"), ("3 of 3 examples passed", "green"), ("\n", None)]]
    written = io.StringIO()
    assert plain.write(written, texts, color=True)
    assert written.getvalue() == by_rich(texts, io.StringIO(), True)
    assert not plain.write(Terminal(), texts, color=True)  # colours: rich draws them
    assert not plain.write(io.StringIO(), [[("a\tb", None)]], color=False)  # rich expands tabs
