"""How ``gatekeep replay`` shows changed decisions: a diff, then counts per kind."""

from __future__ import annotations

from rich.text import Text

from gatekeep.offline.replay import Change, Replay
from gatekeep.policy.model import STRICTNESS
from gatekeep.text import visible
from gatekeep.ui.decision import MARKS


def change_text(change: Change) -> Text:
    """``- allow  CMD`` (the logged decision), ``+ deny   CMD`` (the new one), and why."""
    old, new = change.logged.decision, change.new.decision
    shown = visible(change.logged.request.shown)
    out = Text()
    out.append(f"- {old:<5}  {shown}", style="red")
    if change.times > 1:
        out.append(f"  ({change.times} times)", style="dim")
    out.append("\n")
    out.append(f"+ {new:<5}  {shown}", style="green")
    out.append(f"  {'looser' if change.looser else 'tighter'}\n",
               style="bold red" if change.looser else "dim")
    for segment in change.new.deciding:
        out.append(f"           {', '.join(segment.rules)}", style=MARKS[new][1])
        if segment.reason:
            out.append(f": {visible(segment.reason)}")
        if segment.text != change.new.command:
            out.append(f"  (in: {visible(segment.text)})", style="dim")
        out.append("\n")
    return out


def summary_text(result: Replay, policy: str) -> Text:
    out = Text()
    out.append(f"{result.total} logged decisions ({result.distinct} distinct) replayed "
               f"under {visible(policy)}: ", style="bold")
    out.append(f"{result.unchanged} unchanged, {result.tighter} tighter, ")
    out.append(f"{result.looser} looser\n", style="bold red" if result.looser else "")
    for kind, times in result.kinds().items():
        old, new = kind.split(" -> ")
        looser = STRICTNESS[new] < STRICTNESS[old]
        out.append(f"  {kind:<14} {times}", style="red" if looser else "")
        out.append("  looser\n" if looser else "\n", style="red" if looser else "")
    return out
