"""Applying redaction patterns, and the patterns the fast path uses.

The patterns are loaded and validated by ``gatekeep.policy.redact`` (YAML, with
``file:line:col`` errors); this module only compiles and applies them, with ``re`` alone, so
that the fast path (which loads no policy) can redact the agent's stated purpose too. The
full path keeps the pattern files' patterns in gatekeep's sealed cache (``redact`` under
``cache/`` in the state directory, ``gatekeep.runtime.sealed``): a file an agent wrote or
edited does not verify, and a fast path that finds no patterns that verify and compile
leaves the run to the full path.
A policy's own patterns are never in that file: a decision under such a policy is not
stored for reuse (``gatekeep.commands.run``).

Compiling the shipped patterns takes about 2.5 ms, a quarter of the interpreter's start-up,
while the text a reused call redacts (the agent's stated purpose, a few words) can rarely
match most of them. So the saved file also holds what every match of each pattern needs,
read by the full path from the parse ``re.compile`` makes (``hint``): its shortest length
and a run of plain characters it contains. A pattern is compiled and applied only to a text
that has both (``lazy``); a text that has them, or that is not ASCII (where ignoring case
is more than ASCII's), is redacted as before. The full path does the same for the pattern
files' patterns when the saved ones are exactly those (``hinted``).
"""

from __future__ import annotations

import re
import sys
from functools import cache, partial

from gatekeep.runtime import sealed

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    Patterns = tuple[tuple[str, str], ...]
    Hint = tuple[int, str, bool]  # shortest match, a literal every match holds, its case

_SUBDIRS = ("cache",)
_NAME = "redact"
_CONTEXT = "redact-patterns\0" "2"  # 2: with hints


@cache
def compiled(patterns: Patterns) -> Callable[[str], str]:
    """A function replacing each match of ``patterns`` (``(id, regex)``) by ``[redacted:ID]``
    (only the group named ``secret`` when the pattern has one)."""
    found = [(name, re.compile(pattern)) for name, pattern in patterns]

    def redact(text: str) -> str:
        for name, pattern in found:
            text = pattern.sub(partial(_replace, name=name), text)
        return text
    return redact


def _replace(match: re.Match[str], name: str) -> str:
    if "secret" not in match.re.groupindex or match.group("secret") is None:
        return f"[redacted:{name}]"
    start, end = match.span("secret")
    whole = match.group(0)
    offset = match.start()
    return whole[:start - offset] + f"[redacted:{name}]" + whole[end - offset:]


def save(state_dir: str, patterns: Patterns) -> None:
    """Keep ``patterns`` for the fast path (written only when they changed); OSError
    when they cannot be kept.

    Compared as text, not compiled: every fresh decision saves, and compiling the shipped
    patterns to learn that they are the ones already saved cost it about 2.5 ms."""
    if saved(state_dir) == patterns:
        return
    import json

    secret = sealed.key(state_dir, create=True)
    if secret is None:
        raise OSError(f"no cache key in {state_dir}")
    body = json.dumps([[name, pattern, *hint(pattern)] for name, pattern in patterns],
                      ensure_ascii=True).encode("ascii")
    sealed.write(state_dir, _SUBDIRS, _NAME, sealed.seal(secret, _CONTEXT, body))


def saved(state_dir: str) -> Patterns | None:
    """The patterns the full path last saved, as text (a pattern that no longer compiles
    raises ``re.error`` where a text needs it, as in ``saved_redactor``); None when there
    are none that verify."""
    found = _saved(state_dir)
    return None if found is None else tuple((name, pattern) for name, pattern, _ in found)


def saved_redactor(state_dir: str) -> Callable[[str], str] | None:
    """The saved patterns as a redactor that compiles only what a text could match
    (``lazy``); None when there are none that verify. A pattern that no longer compiles
    raises ``re.error`` when a text needs it."""
    found = _saved(state_dir)
    return partial(lazy, found) if found is not None else None


def hinted(state_dir: str, patterns: Patterns) -> Callable[[str], str] | None:
    """``compiled(patterns)`` as a redactor that compiles only what a text could match
    (``lazy``), with the hints saved beside exactly these patterns; None when the saved
    patterns are others (or none verify): their hints may not be these patterns'."""
    found = _saved(state_dir)
    if found is None or tuple((name, pattern) for name, pattern, _ in found) != patterns:
        return None
    return partial(lazy, found)


def _saved(state_dir: str) -> tuple[tuple[str, str, Hint], ...] | None:
    import json

    secret = sealed.key(state_dir)
    data = sealed.read(state_dir, _SUBDIRS, _NAME) if secret is not None else None
    body = sealed.unseal(secret, _CONTEXT, data) if secret is not None and data else None
    if body is None:
        return None
    try:
        return tuple((_text(name), _text(pattern), (_count(low), _text(literal), icase is True))
                     for name, pattern, low, literal, icase in json.loads(body))
    except (ValueError, TypeError):
        return None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(value)
    return value


def lazy(found: tuple[tuple[str, str, Hint], ...], text: str) -> str:
    """``text`` redacted by each pattern in turn, as ``compiled`` does, but a pattern whose
    hint shows it cannot match the text as it stands is neither compiled nor applied."""
    for name, pattern, (low, literal, icase) in found:
        if may_match(text, low, literal, icase):
            text = re.compile(pattern).sub(partial(_replace, name=name), text)
    return text


def may_match(text: str, low: int, literal: str, icase: bool) -> bool:
    """Whether a match is possible: a shorter text, or one without the literal, has none.
    Ignoring case, a non-ASCII text is not ruled out (the Kelvin sign matches ``k``)."""
    if len(text) < low:
        return False
    if not literal:
        return True
    if icase:
        return not text.isascii() or literal.lower() in text.lower()
    return literal in text


def hint(pattern: str) -> Hint:
    """What every match of ``pattern`` needs, from the parse ``re.compile`` itself makes: its
    shortest length (as the regex engine's own check), and the longest run of plain
    characters in the pattern's top-level sequence, which every match contains as it stands
    (compared ignoring case when the pattern does; none unless it is ASCII).
    ``(0, "", False)`` when unknown."""
    import importlib

    try:
        parser = importlib.import_module("re._parser" if sys.version_info >= (3, 11)
                                         else "sre_parse")
        parsed = parser.parse(pattern)
        low = min(int(parsed.getwidth()[0]), 1 << 20)
        runs, run = [], ""
        for op, value in parsed.data:
            if op is parser.LITERAL:
                run += chr(value)
            else:
                runs.append(run)
                run = ""
        literal = max([*runs, run], key=len)
        icase = bool(parsed.state.flags & re.IGNORECASE)
    except Exception:  # a parser that changed: the pattern is always applied
        return 0, "", False
    return low, literal if literal.isascii() else "", icase
