"""``gatekeep`` and ``python -m gatekeep``.

``gatekeep run`` runs before every agent command: its plain forms first try a
stored allow decision (``gatekeep.fastpath``), then the full path without typer
or rich; everything else (help, other commands, unusual options) goes through
the typer application.

``main()`` is gatekeep's outer error boundary: an exception that escapes
everything below becomes one line and exit 70 (Ctrl-C: 130), never a traceback
and never a command run. The typer application holds the same boundary around
its subcommands (``gatekeep.cli``), so it also applies when it is called directly.
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        return dispatch(sys.argv[1:])
    except KeyboardInterrupt:
        from gatekeep.exitcodes import ExitStatus

        return ExitStatus.INTERRUPTED
    except Exception as error:
        from gatekeep.exitcodes import ExitStatus, internal_error

        sys.stderr.write(internal_error(error))
        return ExitStatus.INTERNAL_ERROR


def dispatch(args: list[str]) -> int:
    """Run ``gatekeep ARGS``: the fast path for plain ``run``, the typer application else."""
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
        app(args=args, prog_name="gatekeep")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
