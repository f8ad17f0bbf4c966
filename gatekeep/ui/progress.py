"""A progress bar for long batches, shown only on a terminal; otherwise nothing at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Advance = Callable[[int], None]

# Fewer items than this finish before a bar would be worth drawing.
THRESHOLD = 500


@contextmanager
def progress(stream: TextIO, total: int, label: str, *, enabled: bool,
             color: bool = True) -> Iterator[Advance]:
    """Yield ``advance(n)``; draws a transient rich bar on ``stream`` when ``enabled``."""
    if not enabled or total < THRESHOLD:
        yield _ignore
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from gatekeep.ui.console import make_console

    console = make_console(stream, color=color)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _ignore(_: int) -> None:
    return None
