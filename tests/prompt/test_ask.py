"""The prompt's choices, driven through an injected terminal (no real tty needed)."""

from __future__ import annotations

import pytest

from gatekeep.approval.terminal import Answer, ask


class ScriptedTerminal:
    """Answers from a script: a string is typed, None is a timeout, an exception is raised."""

    def __init__(self, *lines: object) -> None:
        self.lines = list(lines)
        self.shown: list[str] = []
        self.timeouts: list[float] = []

    def show(self, text: str) -> None:
        self.shown.append(text)

    def readline(self, timeout: float) -> str | None:
        self.timeouts.append(timeout)
        line = self.lines.pop(0)
        if isinstance(line, BaseException):
            raise line
        return line  # type: ignore[return-value]

    @property
    def output(self) -> str:
        return "".join(self.shown)


def run(terminal: ScriptedTerminal, offer: str | None = "Will save: allow rm -rf build",
        timeout: float = 60) -> Answer:
    return ask(terminal, lambda: "EXPLANATION\n", timeout, lambda: "DETAILS\n",
               lambda: offer, lambda: 1000.0)


def test_y_runs_once() -> None:
    terminal = ScriptedTerminal("y")
    assert run(terminal) == Answer("run", "y")
    assert terminal.output.startswith("EXPLANATION\n[y] run once   [n] deny   [a] always   "
                                      "[d] details   (Enter: deny)\nRun it? ")


def test_n_denies_with_the_operators_message() -> None:
    terminal = ScriptedTerminal("n", "  use git clean -n first  ")
    assert run(terminal) == Answer("deny", "n", "use git clean -n first")
    assert "Message for the agent (optional, Enter to skip): " in terminal.output


def test_n_without_a_message() -> None:
    assert run(ScriptedTerminal("no", "")) == Answer("deny", "n", "")


def test_enter_alone_denies() -> None:
    terminal = ScriptedTerminal("")
    assert run(terminal) == Answer("deny", "enter")
    assert terminal.output.endswith("\nNot run (Enter alone means deny).\n")


@pytest.mark.parametrize(("event", "how"), [
    (None, "timeout"), (EOFError(), "eof"), (KeyboardInterrupt(), "interrupt"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), "unreadable"), (OSError(5, "EIO"),
                                                                        "unreadable"),
])
def test_no_usable_answer_denies(event: object, how: str) -> None:
    assert run(ScriptedTerminal(event)) == Answer("deny", how)


def test_timeout_during_the_message_still_denies() -> None:
    assert run(ScriptedTerminal("n", None)) == Answer("deny", "n", "")


def test_details_then_run() -> None:
    terminal = ScriptedTerminal("d", "y")
    assert run(terminal) == Answer("run", "y")
    assert "DETAILS\n" in terminal.shown


def test_always_shows_the_rule_before_saving() -> None:
    terminal = ScriptedTerminal("a", "y")
    assert run(terminal) == Answer("always", "a")
    assert "Will save: allow rm -rf build\nSave it and run? [y/N] " in terminal.output


def test_always_not_confirmed_asks_again() -> None:
    terminal = ScriptedTerminal("a", "", "n", "")
    assert run(terminal) == Answer("deny", "n", "")
    assert "Not saved.\n" in terminal.output


def test_always_when_nothing_can_be_saved_asks_again() -> None:
    assert run(ScriptedTerminal("a", ""), offer=None) == Answer("deny", "enter")


def test_unknown_answers_are_asked_again() -> None:
    terminal = ScriptedTerminal("maybe", "y")
    assert run(terminal) == Answer("run", "y")
    assert "Unknown answer 'maybe'.\n" in terminal.output


def test_one_deadline_for_the_whole_prompt() -> None:
    clock = iter([0.0, 10.0, 25.0, 40.0])
    terminal = ScriptedTerminal("d", "d", "y")
    ask(terminal, lambda: "", 60, lambda: "", lambda: None, lambda: next(clock))
    assert terminal.timeouts == [50.0, 35.0, 20.0]
