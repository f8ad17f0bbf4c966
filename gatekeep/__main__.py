"""``gatekeep`` and ``python -m gatekeep``.

``gatekeep run`` runs before every agent command, so its plain forms are
dispatched here without importing typer or rich; everything else (help, other
commands, unusual options) goes through the typer application.
"""

from __future__ import annotations

import sys


def fast_request(args: list[str]) -> object | None:
    """The request for ``run [--policy P] (-c CMD | -- ARGV...)``, or None for typer."""
    policy = None
    if len(args) >= 2 and args[0] in ("--policy", "-p"):
        policy, args = args[1], args[2:]
    from gatekeep.session import Request

    if len(args) == 2 and args[0] in ("-c", "--command"):
        return Request(args[1], None, policy)
    if len(args) >= 2 and args[0] == "--":
        return Request(None, tuple(args[1:]), policy)
    return None


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["run"]:
        request = fast_request(args[1:])
        if request is not None:
            from gatekeep.commands.run import main as run_main

            return run_main(request)  # type: ignore[arg-type]
    from gatekeep.cli import app

    try:
        app(prog_name="gatekeep")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
