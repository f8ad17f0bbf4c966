"""The spec as JSON text without the json module (and the ``re`` it imports).

The fast path reads the spec stored with a decision on every boxed run; ``json`` would
cost it more than the box does. This writes plain JSON (any JSON reader can read the
audit log) and reads back exactly what it writes: objects, lists, strings, numbers,
true and false. Anything else is a ValueError, and the full path decides afresh.
"""

from __future__ import annotations

_ESCAPES = {'"': '\\"', "\\": "\\\\"}
_SHORT = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def dumps(value: object) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(_ESCAPES.get(c) or (c if c >= " " else f"\\u{ord(c):04x}")
                             for c in value) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{dumps(str(k))}: {dumps(v)}" for k, v in value.items()) + "}"
    raise ValueError(f"cannot write {type(value).__name__}")


def loads(text: str) -> object:
    value, end = _value(text, _skip(text, 0))
    if _skip(text, end) != len(text):
        raise ValueError("text after the value")
    return value


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \n\t\r":
        at += 1
    return at


def _value(text: str, at: int) -> tuple[object, int]:
    if at >= len(text):
        raise ValueError("unexpected end")
    char = text[at]
    if char == '"':
        return _string(text, at + 1)
    if char in "[{":
        return _container(text, at + 1, char == "{")
    for word, meaning in (("true", True), ("false", False)):
        if text.startswith(word, at):
            return meaning, at + len(word)
    end = at
    while end < len(text) and text[end] in "0123456789+-.eE":
        end += 1
    number = text[at:end]
    if not number:
        raise ValueError(f"unexpected {char!r}")
    return (float(number) if any(c in number for c in ".eE") else int(number)), end


def _string(text: str, at: int) -> tuple[str, int]:
    out: list[str] = []
    while True:
        end = text.find('"', at)
        slash = text.find("\\", at, end if end >= 0 else len(text))
        if end < 0:
            raise ValueError("unterminated string")
        if slash < 0:
            out.append(text[at:end])
            return "".join(out), end + 1
        out.append(text[at:slash])
        kind = text[slash + 1 : slash + 2]
        if kind == "u":
            code = int(text[slash + 2 : slash + 6], 16)
            at = slash + 6
            if 0xD800 <= code < 0xDC00 and text.startswith("\\u", at):  # a surrogate pair
                low = int(text[at + 2 : at + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    at += 6
            out.append(chr(code))
        elif kind in _SHORT:
            out.append(_SHORT[kind])
            at = slash + 2
        else:
            raise ValueError(f"unsupported escape \\{kind}")


def _container(text: str, at: int, mapping: bool) -> tuple[object, int]:
    items: list[object] = []
    pairs: dict[str, object] = {}
    close = "}" if mapping else "]"
    at = _skip(text, at)
    if text[at : at + 1] == close:
        return (pairs if mapping else items), at + 1
    while True:
        if mapping:
            key, at = _value(text, at)
            at = _skip(text, at)
            if not isinstance(key, str) or text[at : at + 1] != ":":
                raise ValueError("expected a key and ':'")
            pairs[key], at = _value(text, _skip(text, at + 1))
        else:
            item, at = _value(text, at)
            items.append(item)
        at = _skip(text, at)
        if text[at : at + 1] == close:
            return (pairs if mapping else items), at + 1
        if text[at : at + 1] != ",":
            raise ValueError(f"expected ',' or {close!r}")
        at = _skip(text, at + 1)
