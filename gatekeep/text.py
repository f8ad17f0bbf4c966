"""Showing agent-sent text exactly: control and invisible characters made visible."""

from __future__ import annotations

import unicodedata

from gatekeep.shell.parse import invisible_reason

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e", "\\": "\\"}


def visible(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control or invisible character written as an escape."""
    out: list[str] = []
    for char in text:
        if keep_newlines and char == "\n":
            out.append(char)
        elif char in ("\t", "\n"):
            out.append(_NAMED[char])
        elif invisible_reason(char) is not None:
            out.append(_NAMED.get(char) or _escape(char))
        else:
            out.append(char)
    return "".join(out)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{{{code:04x}}}"


def has_hidden(text: str) -> bool:
    return any(invisible_reason(c) is not None for c in text if c not in "\t\n")


def non_ascii_letters(text: str) -> list[str]:
    """Letters outside ASCII, which may be look-alikes of ASCII letters."""
    return [c for c in text if ord(c) > 127 and unicodedata.category(c).startswith("L")]
