"""``gatekeep`` and ``python -m gatekeep``.

``gatekeep run`` runs before every agent command: its plain forms first try a
stored allow decision (``gatekeep.runtime.fastpath``), then the full path without typer
or rich; the plain forms of ``check``, ``version`` and ``doctor`` also run without
typer; everything else (help, other commands, unusual options) goes through the typer
application. ``gatekeep hook
AGENT`` also runs without typer or rich, with an error boundary of its own that answers
in the form every agent honours as a block.

``main()`` is gatekeep's outer error boundary: an exception that escapes
everything below becomes one line and exit 70 (Ctrl-C: 130), never a traceback
and never a command run. The typer application holds the same boundary around
its subcommands (``gatekeep.cli``), so it also applies when it is called directly.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "hook" and not args[1].startswith("-"):  # no typer, rich
        return _hook(args[1])
    try:
        return dispatch(args)
    except KeyboardInterrupt:
        from gatekeep.exitcodes import ExitStatus

        return ExitStatus.INTERRUPTED
    except Exception as error:
        from gatekeep.exitcodes import ExitStatus, internal_error

        sys.stderr.write(internal_error(error))
        return ExitStatus.INTERNAL_ERROR


def _hook(agent: str) -> int:
    """``gatekeep hook AGENT``: whatever escapes it is a block, never exit 70 (which every
    agent tested treats as no objection)."""
    for name in ("stdout", "stderr"):  # started with a closed descriptor: exit 2 still counts
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    try:
        from gatekeep.commands.hook import main as hook_main
    except BaseException as error:  # an agent runs the tool when its hook crashes
        return _hook_unavailable(error)
    try:
        return hook_main(agent)
    except BaseException as error:
        return _hook_unavailable(error, "the hook failed")


def dispatch(args: list[str]) -> int:
    """Run ``gatekeep ARGS``: the fast path for plain ``run``, the typer application else."""
    if args[:1] == ["run"]:
        from gatekeep.runtime import fastpath

        rest, why = args[1:], None
        if len(rest) >= 2 and rest[0] == "--why":  # as a hook's rewritten command passes it
            why, rest = rest[1], rest[2:]
        parts = fastpath.request_parts(rest)
        if parts is not None:
            status = fastpath.run(*parts, why=why)
            if status is not None:
                return status
            from gatekeep.runtime import resident

            if resident.ask("prepare", ["run", *rest]) == 0:  # judged there; stored
                status = fastpath.run(*parts, why=why)
                if status is not None:
                    return status
            from gatekeep.commands.run import main as run_main
            from gatekeep.core.inputs import Request

            return run_main(Request(*parts), why)
    if args[:1] == ["check"]:
        status = _check(args)
        if status is not None:
            return status
    if args == ["version"]:  # typer's option handling alone costs several times this
        from gatekeep import __version__

        sys.stdout.write(f"{__version__}\n")
        return 0
    if args == ["doctor"]:  # no options to convert: typer would cost about as much as it
        return _doctor()
    from gatekeep.runtime import resident

    status = resident.ask("cli", args) if resident.servable(args) else None
    if status is not None:
        return status
    from gatekeep.cli import invoke

    return invoke(args)


def _check(args: list[str]) -> int | None:
    """The plain forms of ``check``: a resident judge's answer when one serves it, else this
    process's; None for the typer application (another form, or a value it refuses)."""
    from gatekeep.runtime.fastpath import check_parts

    if check_parts(args[1:]) is None:
        return None
    from gatekeep.runtime import resident

    status = resident.ask("check", args)
    if status is not None:
        return status
    from gatekeep.commands.check import plain

    return plain(args[1:])


def _doctor() -> int:
    """``gatekeep doctor`` as the typer application runs it, without typer."""
    from pathlib import Path

    from gatekeep.commands.doctor import doctor
    from gatekeep.exitcodes import flushed
    from gatekeep.runtime.locations import Locations

    return flushed(lambda: doctor(env=os.environ, cwd=Path.cwd(),
                                  locations=Locations.from_env(os.environ), stdout=sys.stdout))


def _hook_unavailable(error: BaseException, what: str = "the hook's code does not load") -> int:
    """The reply every agent honours as a block, when the hook's own code cannot run."""
    reason = f"gatekeep: internal error: {what}"
    reply = ('{"decision": "block", "reason": "' + reason + '", "hookSpecificOutput": '
             '{"hookEventName": "PreToolUse", "permissionDecision": "deny", '
             '"permissionDecisionReason": "' + reason + '"}}\n')
    for descriptor, text in ((1, reply), (2, f"{reason} ({type(error).__name__})\n")):
        try:  # noqa: SIM105 - contextlib would cost every hook call its import
            os.write(descriptor, text.encode())
        except OSError:
            pass  # the exit status alone still blocks
    return 2


if __name__ == "__main__":
    sys.exit(main())
