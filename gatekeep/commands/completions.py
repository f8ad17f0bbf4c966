"""``gatekeep completions SHELL``: print the completion script for bash, zsh or fish."""

from __future__ import annotations

from typing import Any, TextIO

from gatekeep.completion.scripts import completion_script
from gatekeep.exitcodes import ExitStatus


def completions(shell: str, command: Any, *, stdout: TextIO) -> int:
    stdout.write(completion_script(shell, command))
    return ExitStatus.OK
