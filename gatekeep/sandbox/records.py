"""``NamedTuple`` for the boundary's records, without importing ``typing`` at run time.

The fast path builds these on every boxed run, and ``typing`` alone would cost it
milliseconds. Type checkers see ``typing.NamedTuple``; at run time a class statement
that derives from this one becomes a ``collections.namedtuple`` with the same fields,
defaults and methods.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    # what a record's class body may not redefine (as for typing.NamedTuple)
    _NAMEDTUPLE_OWN = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__",
                                 "_fields", "_field_defaults", "_make", "_replace",
                                 "_asdict", "_source"})

    class _Records(type):
        def __new__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, object]):
            if not bases:
                return super().__new__(cls, name, bases, namespace)
            # one class, the namedtuple itself, as typing.NamedTuple makes it: a subclass
            # would cost every gatekeep start a second class per record
            fields = namespace.get("__annotations__", {})
            record = namedtuple(name, fields, module=namespace["__module__"],
                                defaults=[namespace[f] for f in fields if f in namespace])
            for key, value in namespace.items():
                if key in _NAMEDTUPLE_OWN:
                    raise AttributeError(f"{name} may not redefine {key}")
                if key == "__classcell__":  # a method's super() or __class__
                    value.cell_contents = record
                elif key not in fields and key != "__module__":
                    setattr(record, key, value)
            # the annotations stay: the policy cache decodes these records by their types
            return record

    class NamedTuple(metaclass=_Records):
        pass
