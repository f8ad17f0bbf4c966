"""Human output of a decision (markup never interpreted, control characters shown)."""

from __future__ import annotations

from gatekeep.text import visible
from gatekeep.ui.marks import MARKS as MARKS  # the colour table, read from here too
from gatekeep.ui.marks import STYLES as STYLES
from gatekeep.ui.plain import Piece, emit, rich_text, without_rich

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:  # gatekeep log's table reads the marks and loads no engine
    from typing import TextIO

    from rich.text import Text

    from gatekeep.core.engine import Decision, SegmentDecision


def decision_pieces(decision: Decision) -> list[Piece]:
    style = MARKS[decision.decision][1]
    out = [(f"{decision.decision.upper()}", f"bold {style}"), ("  ", ""),
           (visible(decision.command), ""), ("\n", "")]
    for segment in decision.segments:
        out += segment_pieces(segment)
    policies = ", ".join(name for name, _ in decision.policies)
    out.append((f"policy: {policies}\n", "dim"))
    return out


def segment_pieces(segment: SegmentDecision) -> list[Piece]:
    mark, style = MARKS[segment.decision]
    out = [(f"{mark} {segment.decision:<5} ", style),
           (visible(segment.text), style if segment.decision != "allow" else "")]
    if segment.wrapper:
        out.append((f"  (run by {visible(segment.wrapper)})", "dim"))
    if segment.binding:
        out.append((f"  (with {visible(segment.binding)})", "dim"))
    out.append(("\n", ""))
    rules = ", ".join(segment.rules)
    out.append((f"          {rules}", "bold"))
    if segment.reason:
        out.append((f": {visible(segment.reason)}", ""))
    out.append(("\n", ""))
    if segment.does and segment.decision != "allow" and not segment.derived:
        out.append((f"          does: {visible(segment.does)}\n", ""))
    if segment.suggest and segment.decision != "allow":
        out.append((f"          instead: {visible(segment.suggest)}\n", "cyan"))
    return out


def decision_text(decision: Decision) -> Text:
    return rich_text(decision_pieces(decision))


def segment_text(segment: SegmentDecision) -> Text:
    return rich_text(segment_pieces(segment))


def print_decision(stdout: TextIO, decision: Decision, color: bool) -> None:
    """The decision as lines that are never wrapped; rich only where it would style them
    (rich writes such lines as they are: ``gatekeep.ui.plain``)."""
    pieces = decision_pieces(decision)
    text = "".join(piece for piece, _ in pieces)
    if without_rich(stdout) and text.replace("\n", "").isprintable():
        emit(stdout, text)
        return
    from gatekeep.ui.console import make_console

    make_console(stdout, color=color).print(rich_text(pieces), end="", soft_wrap=True,
                                            markup=False, highlight=False)
