"""YAML read as located nodes, so every error can name ``file:line:col`` and a key path."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from gatekeep.errors import PolicyError

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

    def string(self) -> str:
        value = self.scalar()
        if not isinstance(value, str) or not value:
            raise self.error(f"expected a non-empty string, got {value!r}")
        return value

    def strings(self) -> tuple[str, ...]:
        return tuple(item.string() for item in self.items())

    def choice(self, choices: tuple[str, ...]) -> str:
        value = self.scalar()
        if value not in choices:
            raise self.error(f"expected one of {', '.join(choices)}, got {value!r}")
        return str(value)

    def number(self, minimum: float = 0) -> float:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self.error(f"expected a number of at least {minimum}, got {value!r}")
        return float(value)


_LOADER = yaml.SafeLoader("")


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
    return repr(node.value)


def compose(text: str, file: str) -> Located:
    """Compose ``text`` into a located root node; syntax errors become PolicyError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise PolicyError(file, line, column, "", f"invalid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise PolicyError(file, None, None, "", f"invalid YAML: {error}") from None
    if node is None:
        raise PolicyError(file, 1, 1, "", "the file is empty")
    return Located(node, file, "")
