"""The one way gatekeep builds a rich console."""

from __future__ import annotations

from typing import Any, Literal, TextIO

from rich.console import Console


def make_console(file: TextIO, *, color: bool, system: Literal["auto", "standard"] = "auto",
                 **options: Any) -> Console:
    """A console writing to ``file``; without ``color``, no escape sequence at all (not even
    the bold and dim that rich still sends under ``NO_COLOR``)."""
    return Console(file=file, color_system=system if color else None, **options)
