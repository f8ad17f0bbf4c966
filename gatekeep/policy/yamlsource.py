"""YAML read as located nodes, so every error can name ``file:line:col`` and a key path."""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import yaml

from gatekeep.errors import PolicyError
from gatekeep.validate import MAX_FILE_BYTES, MAX_LENGTH, problem

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
    "tag:yaml.org,2002:float": float,
}


@dataclass(frozen=True)
class Located:
    """A YAML node with the file it came from and its key path."""

    node: yaml.Node
    file: str
    path: str

    def error(self, message: str) -> PolicyError:
        mark = self.node.start_mark
        return PolicyError(self.file, mark.line + 1, mark.column + 1, self.path, message)

    def child(self, node: yaml.Node, step: str) -> Located:
        path = f"{self.path}.{step}" if self.path and not step.startswith("[") else self.path + step
        return Located(node, self.file, path)

    # -- shapes ----------------------------------------------------------
    def mapping(self, allowed: frozenset[str] | None = None) -> dict[str, Located]:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"expected a mapping, got {_describe(self.node)}")
        result: dict[str, Located] = {}
        for key_node, value_node in self.node.value:
            key = Located(key_node, self.file, self.path)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise key.error("keys must be plain strings")
            name = key_node.value
            reason = problem(name)
            if reason is not None:
                raise key.error(f"a key {reason}")
            if name in result:
                raise self.child(key_node, name).error("duplicate key")
            if allowed is not None and name not in allowed:
                raise self.child(key_node, name).error(unknown_key_message(name, allowed))
            result[name] = self.child(value_node, name)
        return result

    def sequence(self) -> list[Located]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"expected a list, got {_describe(self.node)}")
        return [self.child(item, f"[{index}]") for index, item in enumerate(self.node.value)]

    def items(self) -> Iterator[Located]:
        """A list, or a single value read as a list of one."""
        if isinstance(self.node, yaml.SequenceNode):
            yield from self.sequence()
        else:
            yield self

    def scalar(self) -> object:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.error(f"expected a single value, got {_describe(self.node)}")
        kind = _SCALAR_TAGS.get(self.node.tag)
        if kind is None:
            raise self.error(f"unsupported value type {self.node.tag}")
        return yaml.SafeLoader.construct_scalar(_LOADER, self.node) if kind is str else \
            _LOADER.construct_object(self.node)

    def scalar_or_none(self) -> object:
        return self.scalar() if isinstance(self.node, yaml.ScalarNode) else None

    def string(self, limit: int = MAX_LENGTH) -> str:
        """A non-empty string that can be a path, a pattern or a name (see ``validate``)."""
        value = self.scalar()
        if not isinstance(value, str) or not value:
            raise self.error(f"expected a non-empty string, got {shown(value)}")
        reason = problem(value, limit)
        if reason is not None:
            raise self.error(f"the value {reason}")
        return value

    def strings(self) -> tuple[str, ...]:
        return tuple(item.string() for item in self.items())

    def choice(self, choices: tuple[str, ...]) -> str:
        value = self.scalar()
        if value not in choices:
            raise self.error(f"expected one of {', '.join(choices)}, got {shown(value)}")
        return str(value)

    def number(self, minimum: float = 0) -> float:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or value < minimum:  # .nan would compare as neither
            raise self.error(f"expected a number of at least {minimum}, got {shown(value)}")
        return float(value)


_LOADER = yaml.SafeLoader("")
# libyaml's composer, about ten times faster than PyYAML's (None: PyYAML built without it)
_FAST: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)


def unknown_key_message(name: str, allowed: frozenset[str]) -> str:
    message = f"unknown key {name!r}"
    close = difflib.get_close_matches(name, sorted(allowed), n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return message + f"; expected one of: {', '.join(sorted(allowed))}"


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return shown(node.value)


_SHOWN = 60


def shown(value: object) -> str:
    """A value of a policy quoted in an error: enough to find it, never a whole block."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def read_source(path: Path, what: str) -> str:
    """The text of a policy, case or knowledge file: a regular UTF-8 file of at most 1 MiB.

    Messages name the file and never quote it: it may turn out not to be ours.
    """
    try:
        # no blocking on a FIFO: the type is checked before anything is read
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise PolicyError(str(path), None, None, "", f"cannot read the {what}: "
                                  "not a regular file")
            data = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as error:
        reason = str(error) if isinstance(error, OSError) else "not a usable file name"
        raise PolicyError(str(path), None, None, "", f"cannot read the {what}: {reason}") \
            from None
    if len(data) > MAX_FILE_BYTES:
        raise PolicyError(str(path), None, None, "", f"cannot read the {what}: larger than "
                          f"{MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data[:error.start].decode("utf-8", "replace"))
        raise PolicyError(str(path), line, column, "", f"cannot read the {what}: not UTF-8 "
                          "text") from None


def _position(before: str) -> tuple[int, int]:
    """Line and column just after ``before``."""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


# PyYAML quotes the offending text in some messages (``found character '%s'``,
# ``found undefined alias %r``): those quotes are cut, so a file that is not a
# policy (a key, a password) is never echoed, not even a character of it. Token
# names (``'<stream end>'``), single YAML indicators (``','``) and a tab are kept.
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_GRAMMAR = re.compile(r"'(<[a-z ]+>|[,\[\]{}:?\-|>!&*#%@`]|---|\.\.\.|\\t)'")


def _redacted(problem: str) -> str:
    return _QUOTED.sub(lambda m: m.group() if _GRAMMAR.fullmatch(m.group()) else "(...)",
                       problem)


def compose(text: str, file: str) -> Located:
    """Compose ``text`` into a located root node; syntax errors become PolicyError.

    libyaml composes where it gives the very tree PyYAML's own composer gives (see
    ``_composed_fast``); everything else, every error above all, is PyYAML's, so a
    message and its ``line:col`` do not depend on whether libyaml is installed.
    """
    node = _composed_fast(text)
    if node is None:
        node = _composed_exact(text, file)
    if node is None:
        raise PolicyError(file, 1, 1, "", "the file is empty")
    return Located(node, file, "")


def _composed_exact(text: str, file: str) -> yaml.Node | None:
    """PyYAML's pure-Python composer: the reference, and the one whose errors are shown."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        why = _redacted(error.problem or "not valid YAML")
        raise PolicyError(file, line, column, "", f"invalid YAML: {why}") from None
    except yaml.reader.ReaderError as error:
        line, column = _position(text[:error.position])
        raise PolicyError(file, line, column, "", "invalid YAML: a character YAML does not "
                          "allow (a control character)") from None
    except yaml.YAMLError:
        raise PolicyError(file, None, None, "", "invalid YAML") from None


# Where libyaml and PyYAML's composer part ways (found by tests/policy/test_composers.py):
# tabs (libyaml accepts some PyYAML refuses), a byte-order mark (libyaml skips one at the
# start of any line), empty scalars (their marks differ; an empty ``!`` value is null to
# one and a string to the other), and a ``?`` in a plain scalar inside ``[]`` or ``{}``
# (it ends the scalar for PyYAML only). Text with the characters, and a tree with such a
# scalar, go to PyYAML. A tree deeper than _DEEP does too, so a nesting that PyYAML's
# recursion cannot compose fails as it always has; and a node with a tag of its own
# (``!a:b!x``: libyaml reads tags PyYAML refuses), which no policy value has anyway. So
# does text with a block scalar's header followed by ``#`` with no space between (``|-#c``:
# a comment to libyaml, an error to PyYAML), wherever it appears.
_UNSHARED = ("\t", "\ufeff")
_HEADER_COMMENT = re.compile(r"[|>][-+0-9]{0,2}#")
_STANDARD = "tag:yaml.org,2002:"
_DEEP = 64


def _composed_fast(text: str) -> yaml.Node | None:
    """libyaml's tree of ``text`` when it is PyYAML's too, else None."""
    if _FAST is None or any(character in text for character in _UNSHARED) \
            or _HEADER_COMMENT.search(text):
        return None
    try:
        node = yaml.compose(text, Loader=_FAST)
    except Exception:  # any failure: PyYAML composes the text and words the error
        return None
    return node if node is not None and _shared_tree(node) else None


def _shared_tree(root: yaml.Node) -> bool:
    """No scalar where the composers part and no nesting deeper than _DEEP.

    Collections are walked in document order: one met again is an alias (PyYAML
    composes it without descending), and each is walked once, so a tree of aliases of
    aliases costs its size, not its expansion.
    """
    if isinstance(root, yaml.ScalarNode):
        return _shared_scalar(root, False)
    if not root.tag.startswith(_STANDARD):
        return False
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, flow = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > _DEEP:
            return False
        flow = flow or bool(cast(yaml.nodes.CollectionNode, node).flow_style)
        children = node.value if isinstance(node, yaml.SequenceNode) else \
            [child for pair in node.value for child in pair]
        for child in reversed(children):
            if not child.tag.startswith(_STANDARD):
                return False
            if not isinstance(child, yaml.ScalarNode):
                stack.append((child, depth + 1, flow))
            elif not _shared_scalar(child, flow):
                return False
    return True


def _shared_scalar(node: yaml.ScalarNode, flow: bool) -> bool:
    return node.value != "" and not (flow and not node.style and "?" in node.value) \
        and node.tag.startswith(_STANDARD)


def require_marker(root: Located, key: str, message: str) -> None:
    """Refuse a file that is not a mapping with ``key`` (with ``message``), quoting nothing.

    Until a file shows it is one of gatekeep's, it may be anything the path named
    (a private key, a password file): the error says where, never what is there.
    """
    node = root.node
    if isinstance(node, yaml.MappingNode) and any(
            isinstance(k, yaml.ScalarNode) and k.tag == "tag:yaml.org,2002:str" and k.value == key
            for k, _ in node.value):
        return
    raise root.error(message)
