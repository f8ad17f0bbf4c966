"""Exit codes, as fixed by the CLI contract."""

from __future__ import annotations

from enum import IntEnum

TYPE_CHECKING = False  # not typing's: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable


class ExitStatus(IntEnum):
    ALLOW = 0
    OK = 0
    FAILED = 1  # test, lint, replay: a failed example, a lint finding, a loosened decision
    USAGE = 2
    ASK = 3
    DENY = 4
    POLICY_ERROR = 5
    INTERNAL_ERROR = 70
    REFUSED = 126
    INTERRUPTED = 130


CHECK_CODES = {"allow": ExitStatus.ALLOW, "ask": ExitStatus.ASK, "deny": ExitStatus.DENY}


def flushed(command: Callable[[], int]) -> int:
    """``command()``'s exit status once its stdout is flushed; when the reader went away
    (``gatekeep check ... | head -c0``), quietly 1, as the typer application ends (stdout
    then goes to /dev/null, so that the interpreter's last flush fails no more)."""
    import os
    import sys

    try:
        status = command()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


def internal_error(error: BaseException) -> str:
    """The one line an unexpected exception becomes (with exit code 70), never a traceback:
    its message may quote a file or a command the agent wrote, so it is made visible."""
    from gatekeep.text import visible

    return f"gatekeep: internal error: {type(error).__name__}: {visible(str(error))}\n"


def policy_error(error: BaseException) -> str:
    """The line a policy that cannot be used becomes (with exit code 5, or a block)."""
    from gatekeep.text import visible

    return f"gatekeep: policy error: {visible(str(error))}\n"
