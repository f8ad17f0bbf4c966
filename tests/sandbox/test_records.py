"""The run-time ``NamedTuple``: a record class behaves as typing's, built as one class."""

from __future__ import annotations

import pickle

import pytest

from gatekeep.sandbox.records import NamedTuple
from gatekeep.shell.model import Span, Word


class Point(NamedTuple):
    """A point."""

    x: int
    y: int = 0

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self) -> Point:
        return self._replace(x=self.x + 1)

    def kind(self) -> type:
        return __class__  # the class cell, as super() uses it


def test_a_record_has_namedtuple_fields_defaults_and_methods() -> None:
    point = Point(3)
    assert (point, point.norm, point.moved()) == ((3, 0), 3, (4, 0))
    assert (Point._fields, Point._field_defaults) == (("x", "y"), {"y": 0})
    assert (point._asdict(), Point._make([1, 2]), repr(point)) == (
        {"x": 3, "y": 0}, Point(1, 2), "Point(x=3, y=0)")
    assert point.kind() is Point
    assert not hasattr(point, "__dict__")
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_a_record_keeps_its_names_docstring_and_annotations() -> None:
    """The policy cache decodes records by their annotations, evaluated in their module."""
    assert (Point.__module__, Point.__qualname__, Point.__doc__) == (
        __name__, "Point", "A point.")
    assert Point.__annotations__ == {"x": "int", "y": "int"}
    assert Word.__annotations__["span"] == "Span"
    assert pickle.loads(pickle.dumps(Word("a", "a", Span(0, 1)))) == Word("a", "a", Span(0, 1))


def test_a_record_is_one_class() -> None:
    """A subclass of the namedtuple would cost every start-up a second class per record."""
    assert Point.__mro__ == (Point, tuple, object)
    assert Word.__mro__ == (Word, tuple, object)


def test_a_record_may_not_redefine_what_namedtuple_makes() -> None:
    with pytest.raises(AttributeError, match="Bad may not redefine _replace"):
        class Bad(NamedTuple):
            x: int

            def _replace(self) -> None:
                pass
