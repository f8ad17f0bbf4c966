"""Human output of a decision (rich, markup never interpreted, control characters shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from gatekeep.text import visible
from gatekeep.ui.marks import MARKS as MARKS  # the colour table, read from here too
from gatekeep.ui.marks import STYLES as STYLES

if TYPE_CHECKING:  # gatekeep log's table reads the marks and loads no engine
    from gatekeep.core.engine import Decision, SegmentDecision


def decision_text(decision: Decision) -> Text:
    style = MARKS[decision.decision][1]
    out = Text()
    out.append(f"{decision.decision.upper()}", style=f"bold {style}")
    out.append("  ")
    out.append(visible(decision.command))
    out.append("\n")
    for segment in decision.segments:
        out.append_text(segment_text(segment))
    policies = ", ".join(name for name, _ in decision.policies)
    out.append(f"policy: {policies}\n", style="dim")
    return out


def segment_text(segment: SegmentDecision) -> Text:
    mark, style = MARKS[segment.decision]
    out = Text()
    out.append(f"{mark} {segment.decision:<5} ", style=style)
    out.append(visible(segment.text), style=style if segment.decision != "allow" else "")
    if segment.wrapper:
        out.append(f"  (run by {visible(segment.wrapper)})", style="dim")
    out.append("\n")
    rules = ", ".join(segment.rules)
    out.append(f"          {rules}", style="bold")
    if segment.reason:
        out.append(f": {visible(segment.reason)}")
    out.append("\n")
    if segment.does and segment.decision != "allow" and not segment.derived:
        out.append(f"          does: {visible(segment.does)}\n")
    if segment.suggest and segment.decision != "allow":
        out.append(f"          instead: {visible(segment.suggest)}\n", style="cyan")
    return out


def print_decision(console: Console, decision: Decision) -> None:
    console.print(decision_text(decision), end="", soft_wrap=True, markup=False,
                  highlight=False)
