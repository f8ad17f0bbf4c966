"""``gatekeep`` and ``python -m gatekeep``.

``gatekeep run`` runs before every agent command: its plain forms first try a
stored allow decision (``gatekeep.fastpath``), then the full path without typer
or rich. ``gatekeep hook AGENT`` also runs without them. Everything else (help,
other commands, unusual options) goes through the typer application.
"""

from __future__ import annotations

import sys


def main() -> int:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "hook" and not args[1].startswith("-"):  # no typer, rich
        try:
            from gatekeep.commands.hook import main as hook_main
        except BaseException as error:  # an agent runs the tool when its hook crashes
            return _hook_unavailable(error)
        return hook_main(args[1])
    if args[:1] == ["run"]:
        from gatekeep import fastpath

        parts = fastpath.request_parts(args[1:])
        if parts is not None:
            status = fastpath.run(*parts)
            if status is not None:
                return status
            from gatekeep.commands.run import main as run_main
            from gatekeep.session import Request

            return run_main(Request(*parts))
    from gatekeep.cli import app

    try:
        app(prog_name="gatekeep")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def _hook_unavailable(error: BaseException) -> int:
    """The reply every agent honours as a block, when the hook's own code cannot load."""
    reason = "gatekeep: internal error: the hook's code does not load"
    sys.stdout.write('{"decision": "block", "reason": "' + reason + '", "hookSpecificOutput": '
                     '{"hookEventName": "PreToolUse", "permissionDecision": "deny", '
                     '"permissionDecisionReason": "' + reason + '"}}\n')
    sys.stderr.write(f"{reason} ({type(error).__name__})\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
