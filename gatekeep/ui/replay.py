"""How ``gatekeep replay`` shows changed decisions: a diff, then counts per kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatekeep.offline.replay import Change, Replay
from gatekeep.policy.model import STRICTNESS
from gatekeep.text import visible
from gatekeep.ui.marks import MARKS
from gatekeep.ui.plain import Piece, rich_text

if TYPE_CHECKING:
    from rich.text import Text


def change_text(change: Change) -> Text:
    return rich_text(change_pieces(change))


def change_pieces(change: Change) -> list[Piece]:
    """``- allow  CMD`` (the logged decision), ``+ deny   CMD`` (the new one), and why."""
    old, new = change.logged.decision, change.new.decision
    shown = visible(change.logged.request.shown)
    out: list[Piece] = [(f"- {old:<5}  {shown}", "red")]
    if change.times > 1:
        out.append((f"  ({change.times} times)", "dim"))
    out.append(("\n", ""))
    out.append((f"+ {new:<5}  {shown}", "green"))
    out.append((f"  {'looser' if change.looser else 'tighter'}\n",
                "bold red" if change.looser else "dim"))
    for segment in change.new.deciding:
        out.append((f"           {', '.join(segment.rules)}", MARKS[new][1]))
        if segment.reason:
            out.append((f": {visible(segment.reason)}", ""))
        if segment.text != change.new.command:
            out.append((f"  (in: {visible(segment.text)})", "dim"))
        out.append(("\n", ""))
    return out


def summary_text(result: Replay, policy: str) -> Text:
    return rich_text(summary(result, policy))


def summary(result: Replay, policy: str) -> list[Piece]:
    out: list[Piece] = [
        (f"{result.total} logged decisions ({result.distinct} distinct) replayed "
         f"under {visible(policy)}: ", "bold"),
        (f"{result.unchanged} unchanged, {result.tighter} tighter, ", ""),
        (f"{result.looser} looser\n", "bold red" if result.looser else "")]
    for kind, times in result.kinds().items():
        old, new = kind.split(" -> ")
        looser = STRICTNESS[new] < STRICTNESS[old]
        out.append((f"  {kind:<14} {times}", "red" if looser else ""))
        out.append(("  looser\n" if looser else "\n", "red" if looser else ""))
    return out
