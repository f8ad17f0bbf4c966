"""The operator's view of an :class:`Explanation`, rendered with rich.

Agent-sent text is always a ``Text`` with control characters escaped, never
markup; long lines fold instead of being cut.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from gatekeep.core.engine import Decision
from gatekeep.core.explain import Explanation, Line
from gatekeep.text import visible
from gatekeep.ui.console import make_console
from gatekeep.ui.decision import STYLES


def explanation(view: Explanation) -> RenderableType:
    parts: list[RenderableType] = [_title(view), _command(view)]
    for flag in view.flags:
        parts.append(Text(f"  ! character {flag.position + 1}: {flag.reason}", style="bold red",
                          overflow="fold"))
    parts.append(Text(f"  in {visible(view.cwd)}", style="dim", overflow="fold"))
    parts.append(Text(""))
    parts.extend(_line(line) for line in view.lines)
    if view.effects:
        parts.append(Text("\nWhat it would do:", style="bold"))
        for effect in view.effects:
            row = Text("  ")
            row.append(effect.what, style="bold")
            row.append(f"  {visible(effect.target)}")
            row.overflow = "fold"
            parts.append(row)
    for preview in view.previews:
        parts.append(Text(f"\n{visible(preview.title)}", style="bold", overflow="fold"))
        parts.extend(Text(f"    {visible(text)}", overflow="fold") for text in preview.lines)
    for suggestion in view.suggestions:
        parts.append(Text(f"\nInstead: {visible(suggestion)}", style="cyan", overflow="fold"))
    return Group(*parts)


def _title(view: Explanation) -> Text:
    if view.decision == "ask":
        return Text("gatekeep: the agent wants to run this command", style="bold yellow")
    return Text(f"gatekeep: {view.decision}", style=f"bold {STYLES[view.decision]}")


def _command(view: Explanation) -> Text:
    text = Text("  ")
    text.append("$ ", style="dim")
    text.append(visible(view.command), style="bold")
    text.overflow = "fold"
    return text


def _line(line: Line) -> Text:
    style = STYLES[line.decision]
    row = Text(f"  {line.mark} {line.decision:<5} ", style=style)
    shown = visible(line.text)
    body = Text(shown)
    if line.risky is not None:
        start = len(visible(line.text[: line.risky[0]]))
        end = len(visible(line.text[: line.risky[1]]))
        body.stylize("underline bold", start, end)
    row.append_text(body)
    if line.wrapper:
        row.append(f"  (run by {visible(line.wrapper)})", style="dim")
    if line.binding:
        row.append(f"  (with {visible(line.binding)})", style="dim")
    row.append("\n          ")
    row.append(", ".join(line.rules), style="bold")
    if line.why:
        row.append(f": {visible(line.why)}")
    if line.does:
        row.append(f"\n          does: {visible(line.does)}")
    row.overflow = "fold"
    return row


def details(decision: Decision) -> RenderableType:
    """The ``d`` answer: every part with how it is reached, every verdict, the policy files."""
    parts: list[RenderableType] = [Text("Details", style="bold")]
    for segment in decision.segments:
        via = " > ".join(segment.via) or "top level"
        parts.append(Text(f"  {visible(segment.text)}   [{visible(via)}]", overflow="fold"))
        does = segment.does
        for verdict in segment.verdicts:
            source = f"  ({verdict.source})" if verdict.source else ""
            # a rule's own words stand in only where no effect describes the part
            reason = does + segment.output if verdict.own and does is not None \
                else verdict.reason or ""
            parts.append(Text(f"      {verdict.decision:<5} {verdict.rule}: "
                              f"{visible(reason)}{source}", overflow="fold",
                              style=STYLES[verdict.decision]))
    for name, sha in decision.policies:
        parts.append(Text(f"  policy {visible(name)} sha256 {sha[:16]}", style="dim"))
    return Group(*parts)


def to_text(renderable: RenderableType, width: int, color: bool) -> str:
    """Render for a file or a test: fixed width, with or without colour."""
    from io import StringIO

    buffer = StringIO()
    console = make_console(buffer, color=color, system="standard", width=width,
                           force_terminal=color, legacy_windows=False, highlight=False)
    console.print(renderable)
    return buffer.getvalue()
