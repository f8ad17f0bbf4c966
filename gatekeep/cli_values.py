"""The command line's plain values converted without pydantic; typer converts the rest.

typer (0.29) converts each option's and argument's value with a pydantic ``TypeAdapter``,
and the first one it builds imports pydantic: about 45 ms, five times the interpreter's own
start-up, paid by every typer-dispatched command (the unset value of ``--help`` is converted
too). The values gatekeep's options receive are almost always plain: unset, a string, a
number of ASCII digits in range (or a default number), one of a ``Literal``'s choices, a
readable or absent path. Those are converted here to exactly what typer returns for them.
Anything else (a number out of range or in another notation, an unknown choice, a path typer
would refuse) goes to typer's own conversion, so its results and messages are unchanged.
``tests/test_cli_values.py`` compares the two on every parameter of the application.

This plugs into typer's per-parameter converter (``_runtime_param``, built lazily by typer
on first use). If a later typer has no such attribute, nothing is replaced: typer converts
every value itself, slower but the same, and the start-up import test says so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

SLOW = object()  # a value typer converts itself
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
# The path settings under which typer's only check of a path is that it is readable if it
# exists (typer.Argument and typer.Option's defaults).
_PLAIN_PATH = {"exists": False, "file_okay": True, "dir_okay": True, "writable": False,
               "resolve_path": False, "allow_dash": False, "path_type": None}


class PlainValues:
    """Mixed into a typer command or group: its parameters convert plain values here."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "_runtime_param", SLOW) is None:  # typer's, not built yet
                param._runtime_param = Converter()
        return params


class Converter:
    """typer's converter interface (``coerce``): plain values here, the rest to typer."""

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        plain = convert(value, param)
        if plain is not SLOW:
            return plain
        param._runtime_param = None  # typer builds its own converter and keeps it
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


def convert(value: Any, param: Any) -> Any:
    """What typer would return for ``value``, or SLOW when that takes typer's judgement."""
    annotation, info = param.type_descriptor.annotation, param.type_descriptor.parameter_info
    many = param.multiple or param.nargs == -1
    if value is None:
        return () if many else None
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return SLOW  # the parameter's own conversion
    if not many:
        return one(value, annotation, info)
    if get_origin(annotation) is not list or not isinstance(value, (list, tuple)):
        return SLOW
    items = [one(item, get_args(annotation)[0], info) for item in value]
    return SLOW if any(item is SLOW for item in items) else items


def one(value: Any, annotation: Any, info: Any) -> Any:
    """One plain value as typer converts it, or SLOW."""
    if annotation in (int, float) and type(value) is annotation:  # a default, such as 20
        return in_range(value, info)
    if not isinstance(value, str):
        return SLOW
    if annotation is str:
        return value
    if annotation is int and value.isascii() and value.isdigit():
        return in_range(int(value), info)
    if annotation is float and _DECIMAL.fullmatch(value):
        return in_range(float(value), info)
    if get_origin(annotation) is Literal and info.case_sensitive:
        return value if value in get_args(annotation) else SLOW
    if annotation is Path and readable_or_absent(value, info):
        return Path(value)
    return SLOW


def in_range(number: float, info: Any) -> Any:
    if info.clamp or (info.min is not None and number < info.min) or (
            info.max is not None and number > info.max):
        return SLOW
    return number


def readable_or_absent(value: str, info: Any) -> bool:
    if not value or "\x00" in value:
        return False
    if any(getattr(info, name, not plain) != plain for name, plain in _PLAIN_PATH.items()):
        return False
    return not os.path.exists(value) or os.access(value, os.R_OK)  # typer: os.stat, then this
