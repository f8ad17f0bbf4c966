"""What the operator is asked about: the command part by part, and what it would do.

``explain`` is pure: it reads the decision and the analysed command, never the
file system. Previews that read files or run read-only git commands are added
by ``gatekeep.approval.preview``.
"""

from __future__ import annotations

import posixpath
import unicodedata

from gatekeep.sandbox.records import NamedTuple
from gatekeep.text import invisible_reason

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:  # the signs (MARKS) are read by views that load no engine (gatekeep log)
    from gatekeep.core.engine import Decision, SegmentDecision
    from gatekeep.shell.analyze import Invocation
    from gatekeep.shell.knowledge import Knowledge

MARKS = {"allow": "+", "ask": "?", "deny": "-"}


class Flag(NamedTuple):
    """A character in the command that hides or disguises what it does."""

    position: int
    char: str
    reason: str


class Line(NamedTuple):
    """One part of the command, diff-style: ``+`` allowed, ``?`` asked, ``-`` denied."""

    mark: str
    decision: str
    text: str
    rules: tuple[str, ...]
    why: str
    risky: tuple[int, int] | None  # span inside ``text`` to underline
    wrapper: str | None
    does: str | None = None  # what it does, from its effects alone (asked and denied parts)
    binding: str | None = None  # in one pass of a loop over literal words: `d=src`


class Effect(NamedTuple):
    what: str  # "deletes", "writes", "reaches the network", ...
    target: str


class Preview(NamedTuple):
    title: str
    lines: tuple[str, ...]


class Explanation(NamedTuple):
    decision: str
    command: str
    flags: tuple[Flag, ...]
    cwd: str
    lines: tuple[Line, ...]
    effects: tuple[Effect, ...]
    suggestions: tuple[str, ...]
    previews: tuple[Preview, ...] = ()


def explain(decision: Decision, invocations: tuple[Invocation, ...], knowledge: Knowledge,
            cwd: str) -> Explanation:
    suggestions = tuple(dict.fromkeys(
        s.suggest for s in decision.segments if s.suggest and s.decision != "allow"))
    return Explanation(
        decision.decision, decision.command, flags(decision.command), cwd,
        tuple(line(s, decision.command) for s in decision.segments),
        tuple(dict.fromkeys(e for i, where in moved(invocations)
                            for e in effects(i, knowledge, where))),
        suggestions,
    )


def flags(command: str) -> tuple[Flag, ...]:
    """Control, invisible and look-alike characters, each with what it is."""
    found = []
    for index, char in enumerate(command):
        reason = invisible_reason(char) if char not in "\n\t" else None
        if reason is None and ord(char) > 127 and unicodedata.category(char).startswith("L"):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            reason = f"non-ASCII letter {char!r} U+{ord(char):04X} {name} (may look like ASCII)"
        if reason is not None:
            found.append(Flag(index, char, reason))
    return tuple(found)


def line(segment: SegmentDecision, command: str) -> Line:
    deciding = segment.deciding
    why = segment.reason or ""
    if segment.decision == "ask" and deciding and deciding[0].rule == "default":
        why = f"no rule matches ({why})" if why else "no rule matches"
    if "unparseable" in segment.rules and segment.span.end <= len(command):
        # the whole command, with the part gatekeep could not read underlined
        start, end = segment.span.start, max(segment.span.end, segment.span.start + 1)
        return Line(MARKS[segment.decision], segment.decision, command, segment.rules, why,
                    (start, min(end, len(command))), segment.wrapper)
    does = segment.does if segment.decision != "allow" and not segment.derived else None
    return Line(MARKS[segment.decision], segment.decision, segment.text, segment.rules, why,
                risky(segment), segment.wrapper, does, segment.binding)


def risky(segment: SegmentDecision) -> tuple[int, int] | None:
    """The word to underline: an option a hazard names, else the program."""
    if segment.decision == "allow":
        return None
    text = segment.text
    for verdict in segment.deciding:
        if verdict.rule.startswith("hazard:") and verdict.reason:
            for word in verdict.reason.split():
                if word.startswith("-") and word in text.split():
                    start = text.split().index(word)
                    offset = _word_offset(text, start)
                    return (offset, offset + len(word))
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    start = text.find(first)
    return (start, start + len(first)) if first else None


def _word_offset(text: str, number: int) -> int:
    position = 0
    for index, word in enumerate(text.split()):
        position = text.find(word, position)
        if index == number:
            return position
        position += len(word)
    return 0


def moved(invocations: tuple[Invocation, ...]) -> list[tuple[Invocation, str]]:
    """Each invocation with the directory a ``cd`` before it moved to, as written (``""``:
    none), so that ``cd sub && rm f`` is shown deleting ``sub/f``."""
    found = []
    top = ""  # where a `cd` of the command itself moved
    inner: tuple[tuple[str, ...], str] | None = None  # a `cd` inside a subshell or loop
    for invocation in invocations:
        via = invocation.segment.via
        if inner is not None and inner[0] != via:
            inner = None  # the subshell ended: its `cd` no longer applies
        where = inner[1] if inner is not None else top
        found.append((invocation, where))
        if invocation.changes_directory:
            target = invocation.positionals[0] if invocation.positionals else None
            where = "~" if target is None else at(target.shown, where)
            if via:
                inner = (via, where)
            else:
                top = where
    return found


def at(path: str, where: str) -> str:
    """``path`` as seen from the starting directory, after a ``cd`` to ``where``."""
    if not where or path.startswith(("/", "~", "$")):
        return path
    return posixpath.normpath(posixpath.join(where, path))


def effects(invocation: Invocation, knowledge: Knowledge, where: str = "") -> list[Effect]:
    program = invocation.program
    segment = invocation.segment
    found: list[Effect] = []
    spec = knowledge.spec(program.rsplit("/", 1)[-1]) if program else None
    if spec is not None and spec.subcommands and invocation.positionals:
        sub = spec.subcommands.get(invocation.positionals[0].value or "")
        spec = sub or spec
    what = spec.effect if spec is not None and spec.effect else None
    written = {w.shown for w in invocation.writes}
    for word in invocation.writes:
        found.append(Effect(what or "writes", at(word.shown, where)))
    if what and not invocation.writes:
        targets = [w.shown for w in invocation.positionals if w.shown not in written]
        subject = spec.name if spec is not None else ""
        found.append(Effect(what, " ".join(targets[1:] if targets and targets[0] == subject
                                           else targets) or segment.text))
    elif spec is not None and spec.network and not what:
        found.append(Effect("reaches the network", segment.text))
    if segment.background or "background" in segment.via:
        found.append(Effect("starts in the background", segment.text))
    return found
