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
    class _Records(type):
        def __new__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, object]):
            if not bases:
                return super().__new__(cls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            # the annotations stay: the policy cache decodes these records by their types
            body = {k: v for k, v in namespace.items() if k not in fields}
            base = namedtuple(name, fields, defaults=defaults)
            return type(name, (base,), {**body, "__slots__": ()})

    class NamedTuple(metaclass=_Records):
        pass
