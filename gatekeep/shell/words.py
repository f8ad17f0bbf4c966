"""Quote removal: turn a tree-sitter word node into a :class:`Word`.

Only what bash would produce without running anything is a value: literal
text, quoted text, ANSI-C strings. Anything else (a variable, a substitution,
arithmetic) makes the word dynamic. Unquoted pattern characters and brace
expansions are kept as text but flagged, since bash would expand them.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from gatekeep.shell.model import Span, Word

_GLOB = re.compile(r"(?<!\\)[*?\[]")
_BRACE = re.compile(r"\{[^{}]*(,|\.\.)[^{}]*\}")
_ANSI_SIMPLE = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
    "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}
_ANSI_NUMERIC = re.compile(
    r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.)"
)
_DQ_ESCAPE = re.compile(r"\\([$`\"\\\n])")
HOME_VARIABLES = frozenset({"HOME"})


class DynamicWord(Exception):
    """Internal signal: the word's value depends on the runtime."""


class _Builder:
    """The word being assembled, part by part."""

    def __init__(self) -> None:
        self.text = ""
        self.unquoted = ""  # unquoted literal stream, quoted parts masked, for brace detection
        self.glob = False
        self.splits = False
        self.dynamic = False
        self.home = False
        self.prefix: str | None = None

    def literal(self, text: str, quoted: bool) -> None:
        self.text += text
        self.unquoted += ("\0" * len(text)) if quoted else text


def word_from_node(node: Node, source: bytes, span: Span) -> Word:
    """Evaluate ``node`` statically; never raises for dynamic content."""
    builder = _Builder()
    _add(node, source, builder, quoted=False, first=True)
    if _BRACE.search(builder.unquoted):
        builder.glob = builder.splits = True
    raw = _text(node)
    value = None if builder.dynamic else builder.text
    return Word(raw, value, span, glob=builder.glob, home=builder.home, splits=builder.splits,
                prefix=builder.prefix or "")


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "surrogateescape")


def _add(node: Node, source: bytes, b: _Builder, quoted: bool, first: bool) -> None:
    kind = node.type
    if kind in ("word", "number", "special_variable_name", "variable_name", "test_operator"):
        _add_unquoted(_text(node), b, first)
    elif kind == "raw_string":
        b.literal(_text(node)[1:-1], quoted=True)
    elif kind == "ansi_c_string":
        b.literal(decode_ansi_c(_text(node)[2:-1]), quoted=True)
    elif kind in ("string", "translated_string"):
        _add_string(node, source, b, first)
    elif kind == "concatenation":
        for index, child in enumerate(node.children):
            _add(child, source, b, quoted, first and index == 0)
    elif kind in ("simple_expansion", "expansion"):
        if first and _expands_home(node):
            b.home = True
        else:
            _dynamic(b, splits=not quoted)
    elif kind in ("command_substitution", "process_substitution", "arithmetic_expansion"):
        _dynamic(b, splits=not quoted and kind != "process_substitution")
    elif kind == "brace_expression":
        b.literal(_text(node), quoted=False)
        b.glob = b.splits = True
    else:
        _dynamic(b, splits=True)


def _dynamic(b: _Builder, splits: bool) -> None:
    if not b.dynamic:
        b.prefix = b.text
    b.dynamic = True
    b.splits = b.splits or splits


def _add_unquoted(text: str, b: _Builder, first: bool) -> None:
    if first and (text == "~" or text.startswith("~/")):
        b.home = True
        text = text[1:]
    elif first and text.startswith("~"):
        # ~user/rest: another user's home, known only at run time; the rest is still judged
        # against protected paths as if it were under a home directory.
        _dynamic(b, splits=False)
        b.home = True
        b.prefix = _unescape_unquoted(text.partition("/")[1] + text.partition("/")[2])
    if _GLOB.search(text):
        b.glob = True
    b.literal(_unescape_unquoted(text), quoted=False)


def _unescape_unquoted(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            if text[index + 1] != "\n":
                out.append(text[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _add_string(node: Node, source: bytes, b: _Builder, first: bool) -> None:
    children = [c for c in node.children if c.type not in ('"', '$"')]
    for index, child in enumerate(children):
        if child.type == "string_content":
            text = _DQ_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), _text(child))
            b.literal(text, quoted=True)
        else:
            _add(child, source, b, quoted=True, first=first and index == 0)


def _expands_home(node: Node) -> bool:
    text = _text(node)
    return text in ("$HOME", "${HOME}")


def decode_ansi_c(body: str) -> str:
    """Decode the body of a ``$'...'`` string as bash does."""
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 >= len(body):
            out.append(char)
            index += 1
            continue
        nxt = body[index + 1]
        if nxt in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[nxt])
            index += 2
            continue
        match = _ANSI_NUMERIC.match(body, index)
        if match is None:
            out.append(body[index : index + 2])
            index += 2
            continue
        out.append(_decode_numeric(match.group(1)))
        index = match.end()
    return "".join(out)


def _decode_numeric(code: str) -> str:
    if code[0] == "c":
        return chr(ord(code[1].upper()) ^ 0x40)
    if code[0] in "xuU":
        return chr(min(int(code[1:], 16), 0x10FFFF))
    return chr(int(code, 8) & 0xFF)
