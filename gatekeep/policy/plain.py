"""A compiled policy as plain JSON data, and back, into known types only.

The encoding follows the NamedTuples' annotations: a NamedTuple is an object with
exactly its fields (one whose only field is a string, as ``Glob``, is that string), a
tuple or frozenset is a list, a mapping an object with string keys. Decoding walks the
same annotations and checks every value's type, so what it returns is built only from
gatekeep's own classes and plain values; anything else raises ``ValueError``. The rule
indexes of a ``Policy`` are never stored: they are rebuilt by ``Policy.build`` from the
decoded rules.

Program knowledge is most of a policy's records, and a command names a few programs: its
two tables (``programs`` and ``effects``) are checked for shape when the policy is decoded
(an object of objects) and each entry is decoded, with the same checks, when it is first
looked up. An entry that fails them then raises :class:`CacheError`, which no caller
catches short of gatekeep's outer error boundaries (nothing is run), after the cache entry
is spoiled so that the next run compiles afresh: never a default, never an allow.
"""

from __future__ import annotations

import builtins
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from keyword import iskeyword

from gatekeep.policy.model import Policy
from gatekeep.shell.knowledge import ProgramEffects, ProgramSpec

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from typing import Any

    _Table = Mapping[str, Any]
else:
    _Table = Mapping

_INDEXES = frozenset({"by_program", "by_glob", "by_path", "by_first", "by_program_rest"})
_LAZY = {"programs": ProgramSpec, "effects": ProgramEffects}  # Knowledge's tables
Decoder = Callable[[object], object]
_absent = object()
_new = tuple.__new__  # a record from its values, without its class's own ``__new__`` call


class CacheError(Exception):
    """A cached policy's entry, decoded on first look-up, is not what was stored.

    Deliberately no ``ValueError`` or ``KeyError``: nothing between a look-up and the outer
    error boundaries may take it for a missing entry (``Mapping.get``) or a bad value.
    """


def encode(value: object) -> object:
    """``value`` as JSON-ready data (lists, objects, strings, numbers, booleans, null)."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        if _one_string(type(value)):
            return value[0]
        defaults = type(value)._field_defaults  # type: ignore[attr-defined]
        return {name: encode(getattr(value, name)) for name in _stored_fields(type(value))
                if name not in defaults or getattr(value, name) != defaults[name]}
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    if isinstance(value, frozenset):
        return sorted(encode(item) for item in value)  # type: ignore[type-var]
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError(f"cannot store a {type(value).__name__}")


def decode_policy(data: object, spoil: Callable[[], None] | None = None) -> Policy:
    """The ``Policy`` that :func:`encode` turned into ``data``; ValueError if it is not one.

    Its program knowledge is decoded entry by entry on first look-up (module docstring);
    ``spoil`` is called before an entry that fails raises :class:`CacheError`.
    """
    if not isinstance(data, dict) or not isinstance(data.get("knowledge"), dict):
        raise ValueError("expected the fields of Policy")
    knowledge = data["knowledge"]
    tables = {name: _table(knowledge[name]) for name in _LAZY if name in knowledge}
    empty: dict[str, object] = {name: {} for name in tables}  # the tables: decoded below
    policy = _decoder(Policy)({**data, "knowledge": {**knowledge, **empty}})
    assert isinstance(policy, Policy)
    lazy = {name: Lazy(table, _decoder(_LAZY[name]), spoil) for name, table in tables.items()}
    known = policy.knowledge
    return policy._replace(knowledge=known._replace(
        programs=lazy.get("programs", known.programs), effects=lazy.get("effects", known.effects)))


def _table(data: object) -> dict[str, dict[str, object]]:
    """A table of records checked for shape only: an object whose values are objects."""
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) for k, v in data.items()):
        raise ValueError("expected an object of objects")
    return data


class Lazy(_Table):
    """A read-only table whose entries are decoded (and kept) when first looked up."""

    __slots__ = ("_decode", "_done", "_raw", "_spoil")

    def __init__(self, raw: dict[str, dict[str, object]], decode: Decoder,
                 spoil: Callable[[], None] | None) -> None:
        self._raw, self._decode, self._spoil = raw, decode, spoil
        self._done: dict[str, object] = {}

    def __getitem__(self, key: str) -> Any:
        found = self._done.get(key)
        if found is None:
            raw = self._raw[key]  # KeyError: not in the table, as for any mapping
            try:
                found = self._decode(raw)
            except Exception as error:
                if self._spoil is not None:
                    self._spoil()
                raise CacheError(f"the cached compiled policy's entry {key!r} is malformed "
                                 f"({error}); it is compiled afresh next time") from error
            self._done[key] = found
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _stored_fields(cls: type) -> tuple[str, ...]:
    fields: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
    return tuple(f for f in fields if f not in _INDEXES) if cls is Policy else fields


@cache
def _decoder(annotation: Any) -> Decoder:
    """A checking decoder for one annotation (built once per type).

    The records' annotations are builtin generics (``tuple[Glob, ...]``, ``frozenset[str]``,
    ``Mapping[str, ProgramSpec]``) and unions written with ``|``: read without ``typing``.
    """
    origin = getattr(annotation, "__origin__", None)
    if isinstance(annotation, type) and issubclass(annotation, tuple) \
            and hasattr(annotation, "_fields"):
        return _named(annotation)
    if isinstance(annotation, types.UnionType):
        return _union(annotation.__args__)
    if origin is tuple:
        return _tuple(annotation.__args__)
    if origin is frozenset:
        item = _decoder(annotation.__args__[0])
        return lambda data: frozenset([item(x) for x in _list(data)])
    if origin in (dict, Mapping):
        return _mapping(annotation, origin is dict)
    if annotation in (str, int, float, bool, type(None)):
        return _scalar(annotation)
    raise ValueError(f"no plain form for {annotation!r}")


def _one_string(cls: type) -> bool:
    """Whether the record is one string field (``Glob``, most of a policy's records): it is
    stored as that string."""
    return cls._fields == ("text",) and cls.__annotations__["text"] in (str, "str")  # type: ignore[attr-defined]


def _named(cls: type) -> Decoder:
    """Fields left at their default may be absent; every other field must be there."""
    if _one_string(cls):
        return lambda data: _new(cls, (data,)) if type(data) is str else _refuse(cls)
    hints = _hints(cls)
    names = _stored_fields(cls)
    allowed = frozenset(names)
    required = allowed - frozenset(cls._field_defaults)  # type: ignore[attr-defined]
    decoders: dict[str, Decoder] = {}
    # str, int and bool fields are checked here: a call per scalar was most of the time
    # taken to read a cached policy, which ``run`` does on every fresh decision
    exact = {name: hints[name] for name in names if hints[name] in (str, int, bool)}
    if cls is not Policy:
        return _record(cls, hints, exact, required)

    def decode(data: object) -> object:
        if not isinstance(data, dict) or not required <= data.keys() <= allowed:
            raise ValueError(f"expected the fields of {cls.__name__}")
        if not decoders:  # built on first use: a class may refer to itself
            decoders.update((name, _decoder(hints[name])) for name in names)
        values = {name: item if type(item) is exact.get(name) else decoders[name](item)
                  for name, item in data.items()}
        return Policy.build(**values)

    return decode


def _record(cls: type, hints: dict[str, Any], exact: dict[str, type],
            required: frozenset[str]) -> Decoder:
    """Any record but ``Policy``: its values taken in field order, a default for an absent
    field; str, int and bool values checked in place (``exact``), others by their decoder."""
    fields: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
    defaults: dict[str, object] = cls._field_defaults  # type: ignore[attr-defined]
    allowed = frozenset(fields)
    decoders: dict[str, Decoder] = {}

    def decode(data: object) -> object:
        if not isinstance(data, dict) or not required <= data.keys() <= allowed:
            raise ValueError(f"expected the fields of {cls.__name__}")
        if not decoders:  # built on first use: a class may refer to itself
            decoders.update((name, _decoder(hints[name])) for name in fields)
        return _new(cls, [defaults[name] if (item := data.get(name, _absent)) is _absent
                          else item if type(item) is exact.get(name) else decoders[name](item)
                          for name in fields])

    return decode


def _hints(cls: type) -> dict[str, Any]:
    """The record's field types: its annotations (kept as text, ``from __future__ import
    annotations``) evaluated in its own module, as ``typing.get_type_hints`` does."""
    namespace = vars(sys.modules[cls.__module__])
    return {name: _hint(text, namespace) if isinstance(text, str) else text
            for name, text in cls.__annotations__.items()}


def _hint(text: str, namespace: dict[str, Any]) -> Any:
    """One annotation's type: a name is looked up as ``eval`` would find it (the module's
    names, then the builtins), without compiling it; anything else is evaluated."""
    if text.isidentifier() and not iskeyword(text):
        found = namespace.get(text, _absent)
        return found if found is not _absent else getattr(builtins, text)
    return eval(text, namespace)  # noqa: S307


def _refuse(cls: type) -> object:
    raise ValueError(f"expected the text of a {cls.__name__}")


def _union(options: tuple[Any, ...]) -> Decoder:
    decoders = [_decoder(option) for option in options]

    def decode(data: object) -> object:
        if data is None and type(None) in options:
            return None
        for decoder in decoders:
            try:
                return decoder(data)
            except ValueError:
                continue
        raise ValueError("no alternative of the union fits")

    return decode


def _tuple(args: tuple[Any, ...]) -> Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        if isinstance(args[0], type) and hasattr(args[0], "_fields") and _one_string(args[0]):
            return _strings_of(args[0])
        item = _decoder(args[0])
        return lambda data: tuple([item(x) for x in _list(data)])
    decoders = [_decoder(arg) for arg in args]

    def decode(data: object) -> object:
        items = _list(data)
        if len(items) != len(decoders):
            raise ValueError("wrong tuple length")
        return tuple([d(x) for d, x in zip(decoders, items, strict=True)])

    return decode


def _strings_of(cls: type) -> Decoder:
    """A tuple of one-string records (``tuple[Glob, ...]``, most of a pattern's words),
    built without a call per item."""

    def decode(data: object) -> object:
        if type(data) is not list or not all(type(x) is str for x in data):
            raise ValueError(f"expected a list of the texts of {cls.__name__}")
        return tuple([_new(cls, (x,)) for x in data])

    return decode


def _mapping(annotation: Any, plain_dict: bool) -> Decoder:
    key_type, value_type = annotation.__args__
    if key_type is not str:
        raise ValueError(f"no plain form for {annotation!r}")
    value = _decoder(value_type)

    def decode(data: object) -> object:
        if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
            raise ValueError("expected an object")
        decoded = {k: value(v) for k, v in data.items()}
        return decoded if plain_dict else types.MappingProxyType(decoded)

    return decode


def _scalar(kind: type) -> Decoder:
    def decode(data: object) -> object:
        if kind is float and type(data) is int:
            return float(data)
        if type(data) is not kind:
            raise ValueError(f"expected {kind.__name__}")
        return data

    return decode


def _list(data: object) -> list[object]:
    if not isinstance(data, list):
        raise ValueError("expected a list")
    return data
