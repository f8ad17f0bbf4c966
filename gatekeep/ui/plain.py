"""Text as styled pieces, written without rich where rich would write it unchanged.

A report is a list of ``(text, style)`` pieces; :func:`rich_text` makes the rich ``Text``
that the rich console prints. A console that shows no style (no colour asked for, or a
stream rich does not take for a terminal) prints such a text, with ``soft_wrap``, as its
pieces joined, once nothing in it is rewritten by rich (tabs expanded, some control
characters dropped, characters the stream may not encode): :func:`write` then writes the
pieces itself and rich is never imported (about 20 ms, twice the interpreter's start-up).
Any other text goes through rich, as before. ``tests/ui/test_plain.py`` compares the two.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.text import Text

Piece = tuple[str, "str | None"]  # a text and its rich style (None or "": none)


def rich_text(pieces: Iterable[Piece]) -> Text:
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


def unchanged(text: str) -> bool:
    """Whether rich prints ``text`` as it is: printable ASCII and line breaks only."""
    return all(" " <= char <= "~" or char == "\n" for char in text)


def write(file: TextIO, texts: Sequence[Sequence[Piece]], *, color: bool) -> bool:
    """Write the texts (each printed with ``end=""``) when rich would write exactly them;
    False, having written nothing, when they need rich."""
    joined = "".join(text for pieces in texts for text, _ in pieces)
    if not unstyled(file, color) or not unchanged(joined):
        return False
    file.write(joined)
    file.flush()
    return True
