"""The typer application: declares commands and options, and dispatches to gatekeep.commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from gatekeep import __version__
from gatekeep.exitcodes import ExitStatus
from gatekeep.locations import Locations
from gatekeep.session import Request

app = typer.Typer(
    name="gatekeep",
    help="Judge every shell command an AI agent wants to run against a YAML policy; run the "
    "safe ones, refuse the rest.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)

CommandOption = Annotated[
    Optional[str],
    typer.Option("-c", "--command", help="A shell command string, parsed with bash's grammar."),
]
ArgvArgument = Annotated[
    Optional[list[str]],
    typer.Argument(help="A program and its arguments (after --); no shell is involved.",
                   show_default=False),
]
PolicyOption = Annotated[
    Optional[str],
    typer.Option("--policy", "-p", help="A policy file or builtin:NAME.", show_default=False),
]


def _request(command: str | None, argv: list[str] | None, policy: str | None) -> Request:
    if (command is None) == (not argv):
        typer.echo("gatekeep: give either -c 'COMMAND' or -- PROGRAM ARGS...", err=True)
        raise typer.Exit(ExitStatus.USAGE)
    return Request(command, tuple(argv) if argv else None, policy)


@app.command()
def run(command: CommandOption = None, argv: ArgvArgument = None,
        policy: PolicyOption = None) -> None:
    """Judge a command and run it only if every part of it is allowed.

    Allowed: runs with the same stdin, stdout, stderr, exit code and signals.
    Denied or needing approval: prints why on stderr and exits 126; nothing runs.
    --policy and GATEKEEP_POLICY can only tighten the operator's policy.
    """
    from gatekeep.commands.run import main

    raise typer.Exit(main(_request(command, argv, policy)))


@app.command()
def check(command: CommandOption = None, argv: ArgvArgument = None,
          policy: PolicyOption = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
          ) -> None:
    """Dry run: print the decision and its explanation; run nothing.

    Exit codes: 0 allow, 3 ask, 4 deny, 2 usage error, 5 policy error.
    With --policy, that policy alone decides; without it, the policies run would use.
    """
    from gatekeep.commands.check import check as do_check

    request = _request(command, argv, policy)
    try:
        code = do_check(request, as_json=as_json, env=os.environ, cwd=Path.cwd(),
                        locations=Locations.from_env(os.environ), stdout=sys.stdout,
                        stderr=sys.stderr)
    except Exception as error:  # the contract's 70, not typer's traceback and 1
        from gatekeep.text import visible

        typer.echo(f"gatekeep: internal error: {type(error).__name__}: {visible(str(error))}",
                   err=True)
        code = ExitStatus.INTERNAL_ERROR
    raise typer.Exit(code)


@app.command()
def log(
    limit: Annotated[int, typer.Option("--limit", "-n", help="Newest entries to show; 0 for all.",
                                       min=0)] = 20,
    decision: Annotated[Optional[str], typer.Option(
        "--decision", help="Only entries with this decision: allow, ask or deny.",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON lines.")] = False,
) -> None:
    """Read the audit log ($XDG_STATE_HOME/gatekeep/audit.jsonl), oldest first."""
    from gatekeep.commands.log import log as do_log

    if decision not in (None, "allow", "ask", "deny"):
        typer.echo("gatekeep: --decision takes allow, ask or deny", err=True)
        raise typer.Exit(ExitStatus.USAGE)
    raise typer.Exit(do_log(limit=limit, decision=decision, as_json=as_json, env=os.environ,
                            locations=Locations.from_env(os.environ), stdout=sys.stdout,
                            stderr=sys.stderr))


@app.command()
def version() -> None:
    """Print gatekeep's version."""
    typer.echo(__version__)
