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
        from gatekeep.commands.hook import main as hook_main

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


if __name__ == "__main__":
    sys.exit(main())
