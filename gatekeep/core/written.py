"""Code a command writes and then runs (``cp /bin/rm ./t && ./t``): not the project's code.

A program or script inside the working tree counts as the project's own code, trusted as
``make`` is. That trust is about what the tree holds when the command is judged; a file
another part of the same command writes, copies or downloads is code gatekeep never saw.
The check runs once every part is judged, so every directory a ``cd`` may move to is known,
and it looks at every other part, before or after (a loop runs a later part first).
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, NamedTuple

from gatekeep.core.paths import within
from gatekeep.policy.model import strictest

if TYPE_CHECKING:
    from gatekeep.core.engine import SegmentDecision, Verdict, _Judge
    from gatekeep.shell.analyze import Invocation


class Write(NamedTuple):
    writer: Invocation
    paths: frozenset[str]


def check(judge: _Judge, invocations: tuple[Invocation, ...],
          judged: list[tuple[Invocation, SegmentDecision]]
          ) -> list[tuple[Invocation, SegmentDecision]]:
    """``judged`` with a verdict added to every part that runs a file another part writes."""
    writes = _writes(judge, invocations)
    if not writes:
        return judged
    found = []
    for invocation, segment in judged:
        verdict = _verdict(judge, invocation, writes)
        if verdict is not None:  # first: its reason is the one shown
            segment = segment._replace(decision=strictest(segment.decision, verdict.decision),
                                       verdicts=(verdict, *segment.verdicts))
        found.append((invocation, segment))
    return found


def _writes(judge: _Judge, invocations: tuple[Invocation, ...]) -> list[Write]:
    """Every path a part may write the content of; a write known only at run time is
    asked on its own (``path:unknown``), and chmod or touch change no content."""
    from gatekeep.core.engine import _process_substitution

    found = []
    for invocation in invocations:
        if invocation.program is None and not invocation.writes:
            continue
        spec = judge.knowledge.spec(_base(invocation.program or ""))
        if spec.keeps_content:
            continue
        paths = {p for word in invocation.writes if not _process_substitution(word)
                 for p in judge.paths(word) or ()}
        if paths:
            found.append(Write(invocation, frozenset(paths)))
    return found


def _verdict(judge: _Judge, invocation: Invocation, writes: list[Write]) -> Verdict | None:
    from gatekeep.core.engine import Verdict

    code = _code(judge, invocation)
    for write in writes:
        if write.writer is invocation:
            continue  # its own redirect: `./t > log` runs ./t as it was
        hit = next((path for path in code if any(within(path, w) for w in write.paths)), None)
        if hit is None:
            continue
        writer = write.writer.program or "a redirection"
        runner = invocation.program or invocation.text
        if judge.knowledge.spec(_base(writer)).network:
            return Verdict("download-and-run", "deny",
                           f"{runner} runs {_shown(judge, hit)}, which {writer} downloads in "
                           "this same command",
                           "download to a file, read it, then run it as a separate command")
        return Verdict("path:written-code", "ask",
                       f"{runner} runs {_shown(judge, hit)}, which this command writes "
                       f"({writer}): code gatekeep never saw",
                       "write the file first, read it, then run it as a separate command")
    return None


def _code(judge: _Judge, invocation: Invocation) -> list[str]:
    """The files whose code the part runs: its program, its script, a package's tool."""
    program = invocation.program
    if program is None:
        return []
    words = list(invocation.runs_from)
    if "/" in program:
        words.insert(0, invocation.segment.argv[0])
    found = [p for word in words for p in judge.paths(word) or ()]
    system = judge.context.resolver.which(_base(program)) if "/" not in program else None
    if system is not None:
        found.extend((system, judge.context.resolver.realpath(system)))
    package = invocation.package.value if invocation.package is not None else None
    if package:
        found.extend(posixpath.join(cwd, "node_modules", package if package.startswith("@")
                                    else posixpath.join(".bin", package))
                     for cwd in judge.cwds if cwd is not None)
    return found


def _shown(judge: _Judge, path: str) -> str:
    cwd = judge.context.cwd
    return posixpath.relpath(path, cwd) if within(path, cwd) else path


def _base(program: str) -> str:
    return program.rsplit("/", 1)[-1]
