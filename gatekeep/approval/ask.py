"""Asking the operator about a command: on the terminal, or through the queue without one."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TextIO

from gatekeep.approval.terminal import Answer, DevTTY, NoTerminal, Terminal, ask
from gatekeep.approval.view import approval_offer, explanation_text, stated_purpose
from gatekeep.core import approvals
from gatekeep.core.engine import Decision
from gatekeep.policy.model import Policy, strictest
from gatekeep.runtime.locations import Locations
from gatekeep.shell.analyze import analyze
from gatekeep.shell.model import ParsedCommand
from gatekeep.text import visible


def warn_expired(decision: Decision, expired: list[approvals.Approval], cwd: str,
                 stderr: TextIO) -> None:
    """Say so when an expired approval would have covered a part that is now asked."""
    for segment in decision.segments:
        if not isinstance(segment.shape, approvals.Shape):
            continue
        for approval in expired:
            if approval.covers(segment.shape, approval.lifts, [cwd]):
                day = time.strftime("%Y-%m-%d", time.localtime(approval.expires))
                stderr.write(f"gatekeep: warning: approval {approval.id} for "
                             f"{visible(approval.shown())} expired on {day}; ignored\n")


def prompt_settings(policies: list[Policy]) -> tuple[float, str]:
    """The strictest prompt settings of all policies: shortest timeout, deny over queue."""
    timeout = min(p.prompt_timeout for p in policies)
    no_tty = strictest(*("deny" if p.prompt_no_tty == "deny" else "ask" for p in policies))
    return timeout, "deny" if no_tty == "deny" else "queue"


def ask_operator(decision: Decision, parsed: ParsedCommand, policies: list[Policy], cwd: str,
                 env: Mapping[str, str], locations: Locations,
                 terminal: Terminal | None = None, why: str | None = None) -> Answer:
    """Explain ``decision`` on the terminal and return the operator's answer.

    ``why`` is the purpose the agent stated, shown above the explanation. The operator's
    ``prompt.via: queue`` sends the question to ``gatekeep approvals watch`` even where there
    is a terminal (one an agent's full-screen interface owns), as hooks do; otherwise the
    terminal, and without one the queue only if ``prompt.no_tty`` says so.
    """
    timeout, no_tty = prompt_settings(policies)
    if terminal is None:
        try:
            if policies[0].prompt_via == "queue":
                raise NoTerminal("the operator's policy sends questions to the queue")
            terminal = DevTTY()
        except NoTerminal:
            if no_tty == "queue" or policies[0].prompt_via == "queue":
                from gatekeep.approval.pending import wait_for_answer

                return wait_for_answer(decision, parsed, policies, cwd, env, locations, timeout,
                                       why)
            return Answer("deny", "no-tty")
    invocations = analyze(parsed, policies[0].knowledge).invocations
    color = not env.get("NO_COLOR") and env.get("TERM", "dumb") != "dumb"
    view, detail = explanation_text(decision, invocations, policies, cwd, env,
                                    _width(terminal), color)
    view = stated_purpose(why) + view

    def always() -> str | None:
        offer = approval_offer(decision, cwd)
        if isinstance(offer, str):
            terminal.show(f"Cannot save an approval: {offer}\n")
            return None
        lines = [f"  allow {visible(a.shown())}" for a in offer]
        day = time.strftime("%Y-%m-%d", time.localtime(offer[0].expires))
        return (f"Will save, for {visible(offer[0].scope)} until {day}:\n" + "\n".join(lines))

    try:
        return ask(terminal, lambda: view, timeout, lambda: detail, always, time.monotonic)
    except KeyboardInterrupt:
        return Answer("deny", "interrupt")


def _width(terminal: Terminal) -> int:
    fd = getattr(terminal, "fd", None)
    if isinstance(fd, int):
        try:
            return max(os.get_terminal_size(fd).columns, 40)
        except OSError:
            pass
    return 80
