"""Showing agent-sent text exactly: control and invisible characters made visible."""

from __future__ import annotations

import unicodedata

_INVISIBLE = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e", "\\": "\\"}


def invisible_reason(char: str) -> str | None:
    """Why ``char`` hides what a command does, or None when it is plain."""
    if char in "\n\t":
        return None
    category = unicodedata.category(char)
    if category == "Cc":
        return f"control character U+{ord(char):04X} in the command"
    if category in ("Cf", "Co", "Cs", "Cn") or char in _INVISIBLE:
        return f"invisible character U+{ord(char):04X} in the command"
    if category == "Zs" and char != " ":
        return f"unusual space U+{ord(char):04X} in the command"
    if category == "Mn" and "VARIATION SELECTOR" in unicodedata.name(char, ""):
        return f"invisible character U+{ord(char):04X} in the command"
    return None


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
