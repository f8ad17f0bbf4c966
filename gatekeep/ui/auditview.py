"""The audit log on the terminal: entries as a table, and the stats report with bar charts.

Everything an entry holds came from the agent or from a file it could have written: it
is shown through ``visible`` and never as rich markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from rich.table import Table
from rich.text import Text

from gatekeep.offline.stats import Stats, Suggestion, median
from gatekeep.text import visible
from gatekeep.ui.console import make_console
from gatekeep.ui.decision import MARKS

BAR = 40  # characters of the longest bar
WIDE = 400  # columns when the output is not a terminal: one line per entry, never folded


def _console(stdout: TextIO, color: bool) -> Any:
    width = None if stdout.isatty() else WIDE
    return make_console(stdout, color=color, width=width)


def table(entries: Sequence[dict[str, Any]], stdout: TextIO, color: bool,
          header: bool = True) -> None:
    grid = Table(box=None, show_header=header, header_style="bold", pad_edge=False)
    for name in ("time", "decision", "exit", "command", "rules", "session"):
        grid.add_column(name, no_wrap=name != "command", overflow="fold")
    for entry in entries:
        grid.add_row(*_row(entry))
    _console(stdout, color).print(grid, soft_wrap=False, markup=False, highlight=False)


def _row(entry: dict[str, Any]) -> list[Text]:
    kind = str(entry["decision"])
    style = MARKS.get(kind, ("?", "dim"))[1]
    if "signal" in entry:
        ran = f"sig {visible(str(entry['signal']))}"  # a decision line may carry any value
    else:
        ran = "-" if entry.get("exit_code") is None else str(entry["exit_code"])
    command = visible(str(entry["command"]))
    if entry.get("why"):
        command += f"  (why: {visible(str(entry['why']))})"
    return [Text(visible(str(entry.get("time") or ""))[:19], style="dim"),
            Text(kind, style=style), Text(ran, style="dim"), Text(command),
            Text(visible(", ".join(entry.get("rules") or [])), style="dim"),
            Text(visible(str(entry.get("session") or ""))[:24], style="dim")]


def _bars(title: str, rows: Sequence[tuple[str, int]], out: Any, style: str = "cyan") -> None:
    out.print(Text(title, style="bold"))
    if not rows:
        out.print(Text("  (none)", style="dim"))
        return
    most = max(count for _, count in rows) or 1
    width = max(len(visible(name)) for name, _ in rows)
    for name, count in rows:
        line = Text(f"  {visible(name):<{width}}  ")
        line.append("█" * max(1, round(BAR * count / most)), style=style)
        line.append(f" {count}")
        out.print(line, markup=False, highlight=False)
    out.print()


def _days(stats: Stats, out: Any) -> None:
    out.print(Text("decisions per day (allow ask deny)", style="bold"))
    most = max((sum(c.values()) for _, c in stats.per_day), default=1) or 1
    for day, counts in stats.per_day:
        line = Text(f"  {visible(day):<10}  ")
        for kind in ("allow", "ask", "deny"):
            if counts.get(kind):
                line.append("█" * max(1, round(BAR * counts[kind] / most)),
                            style=MARKS[kind][1])
        line.append("  " + " ".join(f"{counts.get(k, 0)}" for k in ("allow", "ask", "deny")))
        out.print(line, markup=False, highlight=False)
    out.print()


def report(stats: Stats, suggested: Sequence[Suggestion], stdout: TextIO, color: bool) -> None:
    out = _console(stdout, color)
    _bars("decisions per rule", stats.per_rule, out)
    _days(stats, out)
    _bars("most asked commands", stats.most_asked, out, style="yellow")
    _bars("operator answers", stats.answers, out, style="magenta")
    waited = stats.waited
    out.print(Text("time waited for answers", style="bold"))
    out.print(Text(f"  {len(waited)} answers, {sum(waited):.1f} s in all, median "
                   f"{median(waited):.1f} s, longest {max(waited, default=0.0):.1f} s"),
              markup=False, highlight=False)
    out.print()
    out.print(Text("suggested rules (approved repeatedly; review, then paste under rules: "
                   "in your policy; nothing is applied)", style="bold"))
    if not suggested:
        out.print(Text("  (none)", style="dim"))
        return
    stdout.flush()
    stdout.write("rules:\n" + "".join(s.yaml() for s in suggested))
