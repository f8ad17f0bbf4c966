"""The command line as completion needs it: commands, options, arguments and their values."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NamedTuple, Union, get_args, get_origin

# What a value completes to: nothing, file names, policies (files and builtin:NAME),
# program names, or a fixed list of choices.
Kind = str
NONE, FILES, POLICY, PROGRAM, CHOICES = "none", "files", "policy", "program", "choices"


class Param(NamedTuple):
    names: tuple[str, ...]  # an option's spellings; empty for an argument
    label: str
    help: str
    kind: Kind | None  # None: an option that takes no value
    choices: tuple[str, ...] = ()
    many: bool = False


class Command(NamedTuple):
    name: str
    help: str
    options: tuple[Param, ...]
    arguments: tuple[Param, ...]
    commands: tuple[Command, ...] = ()

    def walk(self, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Command]]:
        """Every command under this one (itself first), with the words leading to it."""
        here = (*path, self.name)
        return [(here, self)] + [pair for sub in self.commands for pair in sub.walk(here)]


HELP = Param(("-h", "--help"), "", "Show this message and exit.", None)


def by_kind(param: Param, texts: dict[Kind, str], other: str,
            quote: Callable[[str], str] = str) -> str:
    """A shell's text for what ``param`` completes to: ``texts[kind]``, with ``{choices}``
    standing for its choices (space-separated, through ``quote``); ``other`` for the rest."""
    text = texts.get(param.kind or NONE, other)
    return text.replace("{choices}", quote(" ".join(param.choices))) \
        if "{choices}" in text else text


def from_click(command: Any, name: str, builtins: tuple[str, ...]) -> Command:
    """The completion model of a click command or group (as typer builds it)."""
    params = [p for p in command.params if not getattr(p, "hidden", False)]
    options = tuple(_param(p, builtins) for p in params if p.param_type_name == "option")
    arguments = tuple(_param(p, builtins) for p in params if p.param_type_name == "argument")
    subcommands = tuple(
        from_click(sub, sub_name, builtins)
        for sub_name, sub in sorted(getattr(command, "commands", {}).items()) if not sub.hidden)
    return Command(name, _first_line(command.help or ""), (*options, HELP), arguments,
                   subcommands)


def _param(param: Any, builtins: tuple[str, ...]) -> Param:
    names = tuple(sorted(param.opts + param.secondary_opts, key=lambda n: (len(n), n)))
    label = (param.metavar or param.name or "value").upper()
    many = param.nargs == -1 or bool(getattr(param, "multiple", False))
    if param.param_type_name == "argument":
        names = ()
    if getattr(param, "is_flag", False):
        return Param(names, label, _first_line(param.help or ""), None)
    kind, choices = _kind(param, builtins)
    return Param(names, label, _first_line(getattr(param, "help", None) or ""), kind, choices,
                 many)


def _kind(param: Any, builtins: tuple[str, ...]) -> tuple[Kind, tuple[str, ...]]:
    if param.name in ("policy", "policies"):
        return POLICY, tuple(f"builtin:{name}" for name in builtins)
    if param.name == "argv":
        return PROGRAM, ()
    annotation = _bare(param.type_descriptor.annotation)
    if get_origin(annotation) is Literal:
        return CHOICES, tuple(str(a) for a in get_args(annotation))
    return (FILES, ()) if annotation is Path else (NONE, ())


def _bare(annotation: Any) -> Any:
    """``Optional[list[X]]`` is ``X``."""
    while get_origin(annotation) in (Union, types.UnionType, list):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def _first_line(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())
