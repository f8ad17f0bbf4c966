"""Asking the operator on the controlling terminal, never on the agent's stdin or stdout.

The terminal is opened as ``/dev/tty``; without one the policy's ``prompt.no_tty``
decides. No answer before the timeout, Ctrl-C, end of input or an answer that
cannot be read all mean deny; so does Enter alone.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable

from gatekeep.sandbox.records import NamedTuple

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # Terminal is a type checkers' protocol only

CHOICES = "[y] run once   [n] deny   [a] always   [d] details   (Enter: deny)"
QUESTION = "Run it? "


class Terminal(Protocol):
    def show(self, text: str) -> None: ...
    def readline(self, timeout: float) -> str | None:
        """A line without its newline; None on timeout; raises EOFError at end of input."""
        ...


class Answer(NamedTuple):
    choice: str  # run | always | deny
    how: str  # what the operator did: y, a, n, enter, timeout, eof, interrupt, unreadable
    message: str = ""

    @property
    def runs(self) -> bool:
        """Only an explicit run or always runs the command; any other choice refuses it."""
        return self.choice in ("run", "always")


class NoTerminal(Exception):
    """There is no controlling terminal to ask on."""


class DevTTY:
    """The controlling terminal, opened for this prompt only."""

    def __init__(self) -> None:
        try:
            self.fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
        except OSError as error:
            raise NoTerminal(str(error)) from None
        import contextlib
        import termios

        # what was typed (or pushed into the terminal) before the question is no answer
        with contextlib.suppress(termios.error):
            termios.tcflush(self.fd, termios.TCIFLUSH)

    def show(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def readline(self, timeout: float) -> str | None:
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return None
        data = os.read(self.fd, 4096)
        if not data:
            raise EOFError
        return data.decode("utf-8").rstrip("\r\n")

    def close(self) -> None:
        os.close(self.fd)


def ask(terminal: Terminal, render: Callable[[], str], timeout: float,
        details: Callable[[], str], always: Callable[[], str | None],
        clock: Callable[[], float]) -> Answer:
    """Show the explanation and read the operator's choice.

    ``always`` returns the approval text to confirm, or None with a reason shown
    when nothing can be saved; ``clock`` gives monotonic seconds for the deadline.
    """
    deadline = clock() + timeout
    terminal.show(render())
    while True:
        terminal.show(f"{CHOICES}\n{QUESTION}")
        answer = _read(terminal, deadline, clock)
        if isinstance(answer, Answer):
            return answer
        choice = answer.strip().lower()
        if choice in ("y", "yes"):
            return Answer("run", "y")
        if choice in ("", "n", "no"):
            if choice == "":
                terminal.show("\nNot run (Enter alone means deny).\n")
                return Answer("deny", "enter")
            terminal.show("Message for the agent (optional, Enter to skip): ")
            message = _read(terminal, deadline, clock)
            text = message.strip() if isinstance(message, str) else ""
            return Answer("deny", "n", text)
        if choice in ("d", "details"):
            terminal.show(details())
            continue
        if choice in ("a", "always"):
            offer = always()
            if offer is None:
                continue
            terminal.show(f"{offer}\nSave it and run? [y/N] ")
            confirm = _read(terminal, deadline, clock)
            if isinstance(confirm, Answer):
                return confirm
            if confirm.strip().lower() in ("y", "yes"):
                return Answer("always", "a")
            terminal.show("Not saved.\n")
            continue
        terminal.show(f"Unknown answer {choice[:20]!r}.\n")


def _read(terminal: Terminal, deadline: float, clock: Callable[[], float]) -> str | Answer:
    try:
        line = terminal.readline(deadline - clock())
    except EOFError:
        return Answer("deny", "eof")
    except KeyboardInterrupt:
        return Answer("deny", "interrupt")
    except (UnicodeDecodeError, OSError):
        return Answer("deny", "unreadable")
    if line is None:
        terminal.show("\nNo answer in time: not run.\n")
        return Answer("deny", "timeout")
    return line
