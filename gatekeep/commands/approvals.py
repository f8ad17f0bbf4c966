"""``gatekeep approvals list|revoke``: review and withdraw saved "always" answers."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, TextIO

from gatekeep.approval import store
from gatekeep.exitcodes import ExitStatus
from gatekeep.runtime.locations import Locations
from gatekeep.text import visible

if TYPE_CHECKING:
    from gatekeep.approval.terminal import Terminal

# What a malformed approvals file raises while it is loaded: a wrong type or a missing key
# anywhere, too deep nesting, a number too large for a time.
UNREADABLE = (OSError, ValueError, KeyError, TypeError, AttributeError, ArithmeticError,
              RecursionError)


def list_approvals(*, locations: Locations, now: float, stdout: TextIO, stderr: TextIO) -> int:
    config = str(locations.config_dir)
    try:
        saved = store.load(config)
    except UNREADABLE as error:
        return _unusable("read", config, error, stderr)
    if not saved:
        stderr.write(f"gatekeep: no saved approvals in {store.path(config)}\n")
        return ExitStatus.ALLOW
    for approval in saved:
        state = "EXPIRED" if approval.expired(now) else "valid"
        until = time.strftime("%Y-%m-%d %H:%M", time.localtime(approval.expires))
        stdout.write(f"{approval.id}  {state:<7}  until {until}  in {visible(approval.scope)}\n"
                     f"    allow {visible(approval.shown())}\n")
    return ExitStatus.ALLOW


def revoke(approval_id: str, *, locations: Locations, stdout: TextIO, stderr: TextIO) -> int:
    config = str(locations.config_dir)
    try:
        removed = store.revoke(config, approval_id)
    except UNREADABLE as error:
        return _unusable("update", config, error, stderr)
    if not removed:
        stderr.write(f"gatekeep: no approval with id {visible(approval_id)}\n")
        return ExitStatus.USAGE
    stdout.write(f"revoked {approval_id}\n")
    return ExitStatus.ALLOW


def watch(*, locations: Locations, stderr: TextIO, once: bool = False) -> int:
    """Answer queued requests from headless runs, on this terminal, until Ctrl-C."""
    from gatekeep.approval import pending
    from gatekeep.approval.terminal import Answer, DevTTY, NoTerminal, ask

    try:
        terminal = DevTTY()
    except NoTerminal:
        stderr.write("gatekeep: approvals watch needs a terminal (it answers for the operator)\n")
        return ExitStatus.USAGE
    terminal.show("gatekeep: waiting for approval requests (Ctrl-C to stop)\n")
    try:
        with pending.connect(pending.database(locations)) as connection:
            while True:
                for request in pending.pending(connection, time.time()):
                    result: Answer = ask(terminal, functools.partial(str, request.view),
                                         request.deadline - time.time(),
                                         functools.partial(str, request.details),
                                         functools.partial(_offer, terminal, request.offer),
                                         time.time)
                    if result.how == "interrupt":
                        raise KeyboardInterrupt
                    if not pending.answer(connection, request.id, result.choice, result.how,
                                        result.message):
                        terminal.show("Too late: that request was already answered or timed "
                                      "out.\n")
                    if once:
                        return ExitStatus.ALLOW
                time.sleep(pending.POLL * 3)
    except KeyboardInterrupt:
        terminal.show("\n")
        return ExitStatus.INTERRUPTED
    finally:
        terminal.close()


def _unusable(verb: str, config: str, error: Exception, stderr: TextIO) -> int:
    stderr.write(f"gatekeep: cannot {verb} {visible(store.path(config))}: {_why(error)}\n")
    return ExitStatus.POLICY_ERROR


def _why(error: Exception) -> str:
    """The error's message; a bare KeyError says only the key, so name the type too."""
    return visible(f"{type(error).__name__}: {error}")


def _offer(terminal: Terminal, offer: str) -> str | None:
    """What "always" would save, as the waiting run computed it; "!" marks a refusal."""
    if offer.startswith("!"):
        terminal.show(offer[1:] + "\n")
        return None
    return offer
