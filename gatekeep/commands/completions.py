"""``gatekeep completions SHELL``: print the completion script for bash, zsh or fish."""

from __future__ import annotations

from typing import TextIO

from gatekeep.completion.scripts import completion_script
from gatekeep.exitcodes import ExitStatus


def completions(shell: str, *, stdout: TextIO) -> int:
    stdout.write(completion_script(shell))
    return ExitStatus.OK
