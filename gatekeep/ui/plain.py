"""Styled text as pieces, written without rich where rich would write the bare text.

Importing rich costs about 30 ms, three times the interpreter's own start-up. Writing to a
pipe or a file (an agent reading ``gatekeep check``, ``gatekeep log | less``, a passing
``gatekeep test`` in CI), a rich console is no terminal: it writes no escape sequence, and
lays text out by the width it is given. There, for text whose every character takes one
cell (printable ASCII, and the bars' █ where a caller measures them), the functions below
write the bytes rich would; everywhere else (a terminal, ``FORCE_COLOR`` or
``TTY_COMPATIBLE`` set, other characters, a line rich would fold) the callers hand the
same pieces to rich. ``tests/ui/test_plain.py`` holds the two to the same output on
generated text.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Sequence

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from typing import TextIO

    from rich.text import Text

Piece = tuple[str, str]  # a text and its rich style ("" for none)
Line = Sequence[Piece]
BAR = "█"


def rich_text(pieces: Iterable[Piece]) -> Text:
    """The pieces appended in order to an empty rich ``Text``."""
    from rich.text import Text

    out = Text()
    for text, style in pieces:
        out.append(text, style=style)
    return out


def unstyled(file: TextIO, color: bool) -> bool:
    """Whether ``make_console(file, color=color)`` would show no style at all: no colour
    asked for, or a stream that rich (by its own tests, in its order) takes for no terminal."""
    if not color:
        return True
    if hasattr(builtins, "get_ipython"):
        return False  # a notebook: rich shows colours there
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "0"
    forced = os.environ.get("FORCE_COLOR")
    if forced is not None:
        return forced == ""
    isatty = getattr(file, "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:  # a closed stream: rich takes it for no terminal
        return True


def without_rich(file: TextIO) -> bool:
    """Whether a rich console on ``file`` would be no terminal, by the plainest of rich's
    tests (neither override in the environment, not a notebook, not a terminal, not
    closed), with nothing written that UTF-8 could not encode."""
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ \
            or getattr(file, "closed", False):
        return False  # rich decides (and says so, for a closed file)
    encoding = (getattr(file, "encoding", None) or "utf-8").lower().replace("_", "-")
    return encoding in ("utf-8", "utf8") and unstyled(file, color=True)


def unchanged(text: str) -> bool:
    """Whether rich prints ``text`` as it is: printable ASCII and line breaks only."""
    return all(" " <= char <= "~" or char == "\n" for char in text)


def one_cell(text: str) -> bool:
    """Whether each character of ``text`` (no line breaks) takes one terminal cell."""
    return text.isprintable() and text.replace(BAR, "").isascii()


def joined(line: Line) -> str:
    return "".join(text for text, _ in line)


def emit(file: TextIO, text: str) -> None:
    """Write and flush, as a rich console does (a reader that went away raises
    ``BrokenPipeError``, which gatekeep's error boundaries end quietly with status 1, as
    rich itself would)."""
    file.write(text)
    file.flush()


def write(file: TextIO, texts: Sequence[Sequence[Piece]], *, color: bool) -> bool:
    """Write the texts (each printed with ``end=""``) when rich would write exactly them;
    False, having written nothing, when they need rich."""
    text = "".join(joined(pieces) for pieces in texts)
    if not unstyled(file, color) or not unchanged(text):
        return False
    emit(file, text)
    return True


def table(rows: Sequence[Sequence[str]], width: int) -> str | None:
    """A borderless rich table's text (one space of padding between columns, none at the
    edges, each column as wide as its widest cell), or None when a cell is not all
    one-cell characters or the table is wider than ``width``."""
    if not rows or not all(one_cell(cell) for row in rows for cell in row):
        return None
    last = len(rows[0]) - 1
    # (left padding, width of the widest cell, right padding) of each column
    columns = [(int(column > 0), max(len(row[column]) for row in rows), int(column < last))
               for column in range(last + 1)]
    if sum(sum(column) for column in columns) > width:
        return None
    return "".join("".join(" " * left + cell.ljust(wide) + " " * right
                           for cell, (left, wide, right) in zip(row, columns, strict=True))
                   + "\n" for row in rows)
