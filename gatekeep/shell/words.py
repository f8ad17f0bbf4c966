"""Quote removal: turn a tree-sitter word node into a :class:`Word`.

Only what bash would produce without running anything is a value: literal
text, quoted text, ANSI-C strings. Anything else (a variable, a substitution,
arithmetic) makes the word dynamic. Unquoted pattern characters and brace
expansions are kept as text but flagged, since bash would expand them.
"""

from __future__ import annotations

from tree_sitter import Node

from gatekeep.runtime.patterns import on_use
from gatekeep.shell import braces
from gatekeep.shell.model import Span, Word

_GLOB = on_use(r"(?<!\\)[*?\[]")
_ANSI_SIMPLE = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
    "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}
_ANSI_NUMERIC = on_use(
    r"\\(x\{[0-9a-fA-F]*\}?|x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3})"
)
# "$@", "${@:2}", "${a[@]}", "${!a[@]}", "${!prefix@}": one word per element, or none
_MANY_WORDS = on_use(r"\$(@|\{(@|!?[A-Za-z_][A-Za-z0-9_]*\[@\]|![A-Za-z_][A-Za-z0-9_]*@))")
# An argument that looks like an assignment: bash expands a tilde-prefix after its = and
# after each :. ~/ stays in the value (path resolution reads it as the home directory);
# ~user, ~+, ~- and ~N name other directories, known only at run time.
_ASSIGNMENT_LIKE = on_use(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_QUOTED = frozenset({"raw_string", "string", "ansi_c_string", "translated_string"})
_DQ_ESCAPE = on_use(r"\\([$`\"\\\n])")


class _Builder:
    """The word being assembled, part by part."""

    def __init__(self, bindings: dict[str, str] | None = None) -> None:
        self.bindings = bindings  # a loop's variable -> the value this pass gives it
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


def word_from_node(node: Node, source: bytes, span: Span,
                   bindings: dict[str, str] | None = None) -> Word:
    """Evaluate ``node`` statically; never raises for dynamic content. ``bindings``: the
    variables a loop over literal words sets, with the value of the pass being read
    (``parse._Walker.loop_binding`` says which loops; ``$d`` and ``${d}`` only)."""
    if node.type == "word":
        plain = _plain_word(_text(node), span)
        if plain is not None:
            return plain
    return built_word(node, source, span, bindings)


def built_word(node: Node, source: bytes, span: Span,
               bindings: dict[str, str] | None = None) -> Word:
    """``word_from_node`` part by part, for every kind of word."""
    builder = _Builder(bindings)
    _add(node, source, builder, quoted=False, first=True)
    made = _brace_words(builder.unquoted, _text(node), builder.text)
    if made is not False:
        # every word the braces make starts with what is before the first brace
        head = builder.text[:builder.unquoted.find("{")]
        if made is None:
            _dynamic(builder, splits=True)
        if builder.prefix is not None:
            builder.prefix = builder.prefix[:len(head)]
        builder.glob = builder.splits = True
    tilde = _other_tilde(builder.unquoted)
    if tilde is not None:
        prefix = builder.text[:tilde] if builder.prefix is None else builder.prefix[:tilde]
        _dynamic(builder, splits=False)
        builder.prefix = prefix
    raw = _text(node)
    value = None if builder.dynamic else builder.text
    return Word(raw, value, span, glob=builder.glob, home=builder.home, splits=builder.splits,
                prefix=builder.prefix or "")


def _plain_word(text: str, span: Span) -> Word | None:
    """A bare word without a tilde or an escape (most words): what the builder would make
    of it, without the builder; None for any other, which the builder evaluates."""
    if text.startswith("~") or "\\" in text or _other_tilde(text) is not None:
        return None
    braces = _brace_words(text, text, text)
    if braces is None:
        return None  # the builder says what is known of it
    return Word(text, text, span, glob=braces or _GLOB.search(text) is not None,
                splits=braces)


def _brace_words(unquoted: str, raw: str, text: str) -> bool | None:
    """Whether bash's brace expansion makes other words of the word: ``unquoted``, its
    text with each quoted or escaped character masked; ``raw``, as written; ``text``, its
    value. None where only run time knows what it makes, though bash does make words of it:

    - a quoted or escaped brace, comma or dot inside it (``{.env,"}"}`` is ``.env`` and
      ``}`` to bash, where the value's braces say ``.env}``);
    - a character a letter sequence makes that means more to bash than a letter
      (``{a..Z..6}`` makes ``[``; ``{Z..a..6}`` a backquote, which bash then runs);
    - a ``{`` after an escaped blank (``a\\ {},x}``), which bash may take for a character.
    """
    if "{" not in unquoted or "}" not in unquoted:
        return False
    made = braces.expand(unquoted, braces.first_is_character(raw))
    if made == [unquoted]:
        return False
    if any(mask == "\0" and char in "{},." for char, mask in zip(text, unquoted, strict=True)) \
            or ("\\" in raw and any(f"\\{blank}{{" in raw for blank in " \t\n")):
        return None
    if any(char in _SEQUENCE_SPECIALS and char not in unquoted
           for word in made for char in word):
        return None
    return True


def _other_tilde(unquoted: str) -> int | None:
    """Where an assignment-like word has a tilde-prefix other than ``~`` or ``~/``, if it does."""
    assignment = _ASSIGNMENT_LIKE.match(unquoted) if "~" in unquoted else None
    if assignment is None:
        return None
    starts = [assignment.end()] + [index + 1 for index in range(assignment.end(), len(unquoted))
                                   if unquoted[index] == ":"]
    for start in starts:
        if unquoted[start : start + 1] == "~" \
                and unquoted[start + 1 : start + 2] not in ("/", ":", ""):
            return start
    return None


def literal_text(node: Node) -> str:
    """The literal text of a word, quotes and escapes removed, its expansions left out."""
    builder = _Builder()
    _add(node, b"", builder, quoted=False, first=True)
    return builder.text


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
        children = node.children
        if first and len(children) > 1 and children[0].type == "word" \
                and _text(children[0]) == "~" and not _text(children[1]).startswith("/"):
            if children[1].type in _QUOTED:
                b.literal("~", quoted=False)  # ~'x', ~""/x: a quoted tilde-prefix stays as is
            else:  # ~{a}, ~$X: a login name read as written, known only at run time
                _dynamic(b, splits=False)
                b.home = True
            children = children[1:]
            first = False
        for index, child in enumerate(children):
            _add(child, source, b, quoted, first and index == 0)
    elif kind in ("simple_expansion", "expansion"):
        bound = _bound(node, b.bindings) if b.bindings else None
        if bound is not None:  # a loop's value: plain characters, neither split nor globbed
            b.literal(bound, quoted=True)  # nor read for braces: `{x,$d}` is `x` and `$d`
        elif first and _expands_home(node):
            b.home = True
        else:  # "$@" and "${a[@]}" are any number of words, quoted or not
            _dynamic(b, splits=not quoted or bool(_MANY_WORDS.match(_text(node))))
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
    _add_escaped(text, b)


_SEQUENCE_SPECIALS = "[\\]^`"  # what a letter sequence makes between `Z` and `a`, but `_`


def _add_escaped(text: str, b: _Builder) -> None:
    """Unquoted text, each escaped character masked as a quoted one is (`\\}`)."""
    if "\\" not in text:
        b.literal(text, quoted=False)
        return
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            if text[index + 1] != "\n":
                b.literal(text[index + 1], quoted=True)
            index += 2
            continue
        b.literal(char, quoted=False)
        index += 1


def _unescape_unquoted(text: str) -> str:
    if "\\" not in text:
        return text  # no escape: nothing to remove (most words)
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
    """A double-quoted string; tree-sitter leaves blanks between its parts out of any node."""
    data = node.text or b""
    children = [c for c in node.children if c.type not in ('"', '$"')]
    opening = node.children[0] if node.children else None
    position = opening.end_byte if opening is not None and opening.type in ('"', '$"') \
        else node.start_byte
    # the closing quote's node also holds the blanks before it
    closing = node.end_byte - 1 if len(node.children) > 1 and node.children[-1].type == '"' \
        else node.end_byte
    run = b""  # literal bytes not yet added: contents and the blanks around them
    for index, child in enumerate(children):
        run += data[position - node.start_byte : child.start_byte - node.start_byte]
        position = child.end_byte
        if child.type == "string_content":
            run += data[child.start_byte - node.start_byte : child.end_byte - node.start_byte]
            continue
        _add_quoted_run(run, b)
        run = b""
        _add(child, source, b, quoted=True, first=first and index == 0)
    run += data[position - node.start_byte : closing - node.start_byte]
    _add_quoted_run(run, b)


def _add_quoted_run(run: bytes, b: _Builder) -> None:
    if run:
        text = run.decode("utf-8", "surrogateescape")
        b.literal(_DQ_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text),
                  quoted=True)


def _bound(node: Node, bindings: dict[str, str]) -> str | None:
    """The value a loop gives ``$NAME`` or ``${NAME}`` (no other form), if it is bound."""
    text = _text(node)
    name = text[2:-1] if text.startswith("${") and text.endswith("}") else text[1:]
    return bindings.get(name)


def _expands_home(node: Node) -> bool:
    text = _text(node)
    return text in ("$HOME", "${HOME}")


def decode_ansi_c(body: str) -> str:
    """Decode the body of a ``$'...'`` string as bash does (in a UTF-8 locale).

    ``\\x`` and octal escapes give raw bytes, ``\\u`` and ``\\U`` a character's UTF-8
    bytes; the bytes are read back as UTF-8 with undecodable ones kept as surrogate
    escapes. A NUL ends the string: bash drops the rest.
    """
    out = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 >= len(body):
            out += _utf8(char)
            index += 1
            continue
        nxt = body[index + 1]
        if nxt in _ANSI_SIMPLE:
            out += _ANSI_SIMPLE[nxt].encode()
            index += 2
            continue
        if nxt == "c" and index + 2 < len(body):  # a control character
            control = _utf8(body[index + 2])
            index += 3
            if control == b"\\" and body[index : index + 1] == "\\":
                index += 1  # \c\\ is one backslash made a control character
            code = 0x7F if control == b"?" else (control[0] & 0x1F if control[0] >= 0x80
                                                   else ord(chr(control[0]).upper()) & 0x1F)
            if code == 0:
                break  # bash ends the string at a NUL
            out.append(code)
            out += control[1:]
            continue
        match = _ANSI_NUMERIC.match(body, index)
        if match is None:
            out += _utf8(body[index : index + 2])
            index += 2
            continue
        index = match.end()
        escape = match.group(1)
        if escape[0] == "x":
            value = int(escape[1:].lstrip("{").rstrip("}") or "0", 16) & 0xFF
            encoded = bytes([value])
        elif escape[0] in "uU":
            value = int(escape[1:], 16)
            encoded = _utf8_code(value) if value < 0x80000000 else b""
        else:
            value = int(escape, 8) & 0xFF
            encoded = bytes([value])
        if value == 0:
            break  # bash ends the string at a NUL
        out += encoded
    return out.decode("utf-8", "surrogateescape")


def _utf8(text: str) -> bytes:
    """Text as bytes: UTF-8, with surrogate escapes back to the bytes they stand for."""
    if text.isascii():
        return text.encode()
    out = bytearray()
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        else:
            out += char.encode("utf-8", "surrogatepass")
    return bytes(out)


def _utf8_code(code: int) -> bytes:
    """``code`` in UTF-8 as bash writes it: the original scheme, up to six bytes, no checks."""
    if code < 0x80:
        return bytes([code])
    length = next(size for size, limit in ((2, 0x800), (3, 0x10000), (4, 0x200000),
                                           (5, 0x4000000), (6, 0x80000000)) if code < limit)
    tail = []
    for _ in range(length - 1):
        tail.append(0x80 | (code & 0x3F))
        code >>= 6
    return bytes([((0xFF << (8 - length)) & 0xFF) | code, *reversed(tail)])
