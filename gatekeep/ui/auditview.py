"""The audit log on the terminal: entries as a table, and the stats report with bar charts.

Everything an entry holds came from the agent or from a file it could have written: it
is shown through ``visible`` and never as rich markup. On a pipe, plain text of the
same bytes where rich would write no more than the text (``gatekeep.ui.plain``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from gatekeep.text import visible
from gatekeep.ui import plain
from gatekeep.ui.decision import MARKS
from gatekeep.ui.plain import Line, Piece

if TYPE_CHECKING:  # the table alone loads no statistics
    from gatekeep.offline.stats import Stats, Suggestion

BAR = 40  # characters of the longest bar
WIDE = 400  # columns when the output is not a terminal: one line per entry, never folded
COLUMNS = ("time", "decision", "exit", "command", "rules", "session")


def _console(stdout: TextIO, color: bool) -> Any:
    from gatekeep.ui.console import make_console

    width = None if stdout.isatty() else WIDE
    return make_console(stdout, color=color, width=width)


def table(entries: Sequence[dict[str, Any]], stdout: TextIO, color: bool,
          header: bool = True) -> None:
    rows = [_row(entry) for entry in entries]
    if plain.without_rich(stdout):
        text = plain.table([COLUMNS, *([text for text, _ in row] for row in rows)]
                           if header else [[text for text, _ in row] for row in rows], WIDE)
        if text is not None:
            plain.emit(stdout, text)
            return
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=None, show_header=header, header_style="bold", pad_edge=False)
    for name in COLUMNS:
        grid.add_column(name, no_wrap=name != "command", overflow="fold")
    for row in rows:
        grid.add_row(*(Text(text, style=style) for text, style in row))
    _console(stdout, color).print(grid, soft_wrap=False, markup=False, highlight=False)


def _row(entry: dict[str, Any]) -> list[Piece]:
    kind = str(entry["decision"])
    style = MARKS.get(kind, ("?", "dim"))[1]
    if "signal" in entry:
        ran = f"sig {visible(str(entry['signal']))}"  # a decision line may carry any value
    else:
        ran = "-" if entry.get("exit_code") is None else str(entry["exit_code"])
    command = visible(str(entry["command"]))
    if entry.get("why"):
        command += f"  (why: {visible(str(entry['why']))})"
    return [(visible(str(entry.get("time") or ""))[:19], "dim"), (kind, style), (ran, "dim"),
            (command, ""), (visible(", ".join(entry.get("rules") or [])), "dim"),
            (visible(str(entry.get("session") or ""))[:24], "dim")]


def _bars(title: str, rows: Sequence[tuple[str, int]], style: str = "cyan") -> list[Line]:
    if not rows:
        return [[(title, "bold")], [("  (none)", "dim")]]
    most = max(count for _, count in rows) or 1
    width = max(len(visible(name)) for name, _ in rows)
    return [[(title, "bold")], *([(f"  {visible(name):<{width}}  ", ""),
                                  ("█" * max(1, round(BAR * count / most)), style),
                                  (f" {count}", "")] for name, count in rows), []]


def _days(stats: Stats) -> list[Line]:
    most = max((sum(c.values()) for _, c in stats.per_day), default=1) or 1
    lines: list[Line] = [[("decisions per day (allow ask deny)", "bold")]]
    for day, counts in stats.per_day:
        line = [(f"  {visible(day):<10}  ", "")]
        line += [("█" * max(1, round(BAR * counts[kind] / most)), MARKS[kind][1])
                 for kind in ("allow", "ask", "deny") if counts.get(kind)]
        line.append(("  " + " ".join(f"{counts.get(k, 0)}" for k in ("allow", "ask", "deny")),
                     ""))
        lines.append(line)
    return [*lines, []]


def _lines(stats: Stats, suggested: Sequence[Suggestion]) -> list[Line]:
    """The report's lines (an empty one: a blank line), up to the suggested rules."""
    from gatekeep.offline.stats import median

    waited = stats.waited
    return [*_bars("decisions per rule", stats.per_rule), *_days(stats),
            *_bars("most asked commands", stats.most_asked, style="yellow"),
            *_bars("operator answers", stats.answers, style="magenta"),
            [("time waited for answers", "bold")],
            [(f"  {len(waited)} answers, {sum(waited):.1f} s in all, median "
              f"{median(waited):.1f} s, longest {max(waited, default=0.0):.1f} s", "")], [],
            [("suggested rules (approved repeatedly; review, then paste under rules: "
              "in your policy; nothing is applied)", "bold")],
            *([] if suggested else [[("  (none)", "dim")]])]


def report(stats: Stats, suggested: Sequence[Suggestion], stdout: TextIO, color: bool) -> None:
    lines = _lines(stats, suggested)
    texts = [plain.joined(line) for line in lines]
    if plain.without_rich(stdout) and all(
            plain.one_cell(text) and len(text) <= WIDE for text in texts):
        plain.emit(stdout, "".join(text + "\n" for text in texts))
    else:
        _print(lines, _console(stdout, color))
    if suggested:
        stdout.flush()
        stdout.write("rules:\n" + "".join(s.yaml() for s in suggested))


def _print(lines: Sequence[Line], out: Any) -> None:
    """Each line a rich ``Text`` styled as its first piece, the others appended."""
    from rich.text import Text

    for line in lines:
        if not line:
            out.print()
            continue
        text = Text(line[0][0], style=line[0][1])
        for piece, style in line[1:]:
            text.append(piece, style=style)
        out.print(text, markup=False, highlight=False)
