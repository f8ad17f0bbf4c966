"""Whether one rule pattern matches every command another one matches.

Used to find rules that can never decide anything: a pattern every command of which
a stricter rule's pattern also matches. Only sure answers are "yes"; when in doubt
(two different globs, a program named by path) the answer is "no".
"""

from __future__ import annotations

from gatekeep.lint.globs import covers
from gatekeep.policy.model import Glob, Pattern
from gatekeep.shell.knowledge import Knowledge


def subsumes(outer: Pattern, inner: Pattern, knowledge: Knowledge) -> bool:
    """Every command ``inner`` matches is matched by ``outer`` too."""
    if outer.by_path or inner.by_path:
        if outer.program.text != inner.program.text:
            return False
    elif not _program(outer.program, inner.program, knowledge):
        return False
    if len(outer.args) > len(inner.args):
        return False
    if not all(covers(o, i) for o, i in zip(outer.args, inner.args, strict=False)):
        return False
    if not all(_requires(inner, name, value) for name, value in outer.flags_all):
        return False
    if not set(outer.without) <= set(inner.without) or not set(outer.effects) <= set(inner.effects):
        return False  # outer leaves out commands inner may match
    return not outer.flags_any or _requires_one_of(inner, outer.flags_any)


def _program(outer: Glob, inner: Glob, knowledge: Knowledge) -> bool:
    """The engine tries a command's name and its canonical name (``python3`` is ``python``)."""
    if not inner.literal:
        return covers(outer, inner)
    return outer.matches(inner.text) or outer.matches(knowledge.spec(inner.text).name)


def _requires(pattern: Pattern, name: str, value: Glob | None) -> bool:
    """Every command ``pattern`` matches has the flag ``name`` (with a value ``value`` takes)."""
    for flag, given in pattern.flags_all:
        if flag == name and (value is None or (given is not None and covers(value, given))):
            return True
    return value is None and bool(pattern.flags_any) and set(pattern.flags_any) == {name}


def _requires_one_of(pattern: Pattern, names: tuple[str, ...]) -> bool:
    if any(flag in names for flag, _ in pattern.flags_all):
        return True
    return bool(pattern.flags_any) and set(pattern.flags_any) <= set(names)
