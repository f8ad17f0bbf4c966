"""The typer application: declares commands and options, and dispatches to gatekeep.commands.

Every subcommand runs inside one error boundary (``Boundary``): an unexpected exception is one
line, ``gatekeep: internal error: TYPE: MESSAGE``, and exit 70; Ctrl-C is 130; no traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from gatekeep import __version__
from gatekeep.cli_values import PlainValues
from gatekeep.errors import UsageError
from gatekeep.exitcodes import ExitStatus, internal_error

if TYPE_CHECKING:  # the engine loads only for the commands that judge something
    from datetime import datetime

    from gatekeep.core.inputs import Request
    from gatekeep.runtime.locations import Locations

# Click's usage errors, which typer re-exports only in part (and newer typer vendors click):
# the base class of its BadParameter.
_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__
                    if issubclass(c, Exception) and c.__name__ == "ClickException")


class Boundary(PlainValues, TyperGroup):
    """The error boundary around every subcommand, nested groups included."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, _USAGE_ERROR):
            raise  # exit codes and usage errors: click reports them
        except BrokenPipeError:
            raise  # a reader that went away (gatekeep log | head): click exits quietly
        except KeyboardInterrupt:
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
        except Exception as error:  # not typer's traceback and exit code 1
            typer.echo(internal_error(error), err=True, nl=False)
            raise typer.Exit(ExitStatus.INTERNAL_ERROR) from None


class Group(PlainValues, TyperGroup):
    """A nested group (log, approvals): plain values converted without pydantic."""


class Command(PlainValues, TyperCommand):
    """Every subcommand: plain values converted without pydantic (``gatekeep.cli_values``)."""


_APPLICATION: dict[str, Any] = {
    "cls": Boundary,
    "name": "gatekeep",
    "help": "Judge every shell command an AI agent wants to run against a YAML policy; run the "
    "safe ones, refuse the rest.",
    "no_args_is_help": True,
    "pretty_exceptions_show_locals": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
    "rich_markup_mode": None,
    "add_completion": False,  # static scripts instead: gatekeep completions SHELL
}
app = typer.Typer(**_APPLICATION)

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


PoliciesArgument = Annotated[
    Optional[list[str]],
    typer.Argument(help="Policy files or builtin:NAME.", show_default=False, metavar="POLICY"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def invoke(args: list[str]) -> int:
    """``gatekeep ARGS`` through the typer application: its exit status.

    typer reads every command's signature to build the application; a call that names a
    subcommand builds that one alone (``_narrowed``): the same command, options and help,
    at a fraction of the start-up. Anything else (no command, root options, an unknown
    name) gets the whole application and its help and suggestions."""
    command = _narrowed(args[0]) if args else None
    try:
        if command is None:
            app(args=args, prog_name="gatekeep")
        else:
            command(args=args, prog_name="gatekeep")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def _narrowed(name: str) -> Any:
    """The application with the subcommand or group ``name`` alone, as click runs it; None
    when no subcommand has that name."""
    from typer.main import get_command_name, get_group

    commands = [info for info in app.registered_commands
                if (info.name or get_command_name(info.callback.__name__  # type: ignore[union-attr]
                                                  )) == name]
    groups = [info for info in app.registered_groups
              if info.typer_instance is not None and info.typer_instance.info.name == name]
    if len(commands) + len(groups) != 1:
        return None
    narrow = typer.Typer(**_APPLICATION)
    narrow.registered_commands, narrow.registered_groups = commands, groups
    return get_group(narrow)


def _locations() -> Locations:
    """gatekeep's files, from the environment (loaded only by the commands that use them)."""
    from gatekeep.runtime.locations import Locations

    return Locations.from_env(os.environ)


def _usable(what: str, *values: object) -> None:
    """Exit 2 with one line unless every value can be a path or name (``gatekeep.validate``)."""
    from gatekeep.validate import problem

    for value in values:
        reason = None if value is None else problem(str(value))
        if reason is not None:
            typer.echo(f"gatekeep: {what}: {reason}", err=True)
            raise typer.Exit(ExitStatus.USAGE)


def _request(command: str | None, argv: list[str] | None, policy: str | None) -> Request:
    from gatekeep.core.inputs import Request

    if (command is None) == (not argv):
        typer.echo("gatekeep: give either -c 'COMMAND' or -- PROGRAM ARGS...", err=True)
        raise typer.Exit(ExitStatus.USAGE)
    _usable("--policy", policy)
    _usable("GATEKEEP_POLICY", os.environ.get("GATEKEEP_POLICY"))
    return Request(command, tuple(argv) if argv else None, policy)


WhyOption = Annotated[
    Optional[str],
    typer.Option("--why", help="What the command is for, in the agent's words: shown to the "
                 "operator and logged.", show_default=False),
]


@app.command(cls=Command)
def run(command: CommandOption = None, argv: ArgvArgument = None,
        policy: PolicyOption = None, why: WhyOption = None) -> None:
    """Judge a command and run it only if every part of it is allowed.

    Allowed: runs with the same stdin, stdout, stderr, exit code and signals.
    Denied or needing approval: prints why on stderr and exits 126; nothing runs.
    --policy and GATEKEEP_POLICY can only tighten the operator's policy.
    """
    from gatekeep.commands.run import main

    raise typer.Exit(main(_request(command, argv, policy), why))


@app.command(cls=Command)
def check(command: CommandOption = None, argv: ArgvArgument = None,
          policy: PolicyOption = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
          at: Annotated[Optional[str], typer.Option(
              "--at", help="Judge time windows at this moment (ISO 8601, such as "
              "2026-12-02T03:00:00+01:00; no offset: local time).", show_default=False)] = None,
          count: Annotated[Optional[int], typer.Option(
              "--count", help="Take every rate counter to hold this many runs.", min=0,
              show_default=False)] = None,
          ) -> None:
    """Dry run: print the decision and its explanation; run nothing.

    Exit codes: 0 allow, 3 ask, 4 deny, 2 usage error, 5 policy error.
    With --policy, that policy alone decides; without it, the policies run would use.
    """
    from gatekeep.commands.check import check as do_check

    request = _request(command, argv, policy)
    raise typer.Exit(do_check(request, as_json=as_json, env=os.environ, cwd=Path.cwd(),
                              locations=_locations(), stdout=sys.stdout,
                              stderr=sys.stderr, at=_moment(at), count=count))


def _moment(text: str | None) -> datetime | None:
    from gatekeep.policy.guardrails import moment

    if text is None:
        return None
    try:
        return moment(text)
    except ValueError:
        typer.echo(f"gatekeep: --at takes an ISO 8601 time such as 2026-12-02T03:00:00+01:00, "
                   f"got {text!r}", err=True)
        raise typer.Exit(ExitStatus.USAGE) from None


log_app = typer.Typer(
    name="log", cls=Group, help="Read the audit log ($XDG_STATE_HOME/gatekeep/audit.jsonl), "
    "oldest first; verify its hash chain; sum it up.")
app.add_typer(log_app)


@log_app.callback(invoke_without_command=True)
def log(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Newest entries to show; 0 for all.",
                                       min=0)] = 20,
    decision: Annotated[Optional[str], typer.Option(
        "--decision", help="Only entries with this decision: allow, ask or deny.",
        show_default=False)] = None,
    rule: Annotated[Optional[str], typer.Option(
        "--rule", help="Only entries this rule decided.", show_default=False)] = None,
    since: Annotated[Optional[str], typer.Option(
        "--since", help="Only entries since a duration ago (30m, 2h, 7d) or a date or time.",
        show_default=False)] = None,
    grep: Annotated[Optional[str], typer.Option(
        "--grep", help="Only entries whose command or purpose matches this regular "
        "expression (case-insensitive).", show_default=False)] = None,
    session: Annotated[Optional[str], typer.Option(
        "--session", help="Only entries of this session.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON lines.")
                       ] = False,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Then print new records as "
                                         "they are written, until interrupted.")] = False,
) -> None:
    """Read the audit log ($XDG_STATE_HOME/gatekeep/audit.jsonl), oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from gatekeep.commands.log import filters
    from gatekeep.commands.log import log as do_log

    if decision not in (None, "allow", "ask", "deny"):
        typer.echo("gatekeep: --decision takes allow, ask or deny", err=True)
        raise typer.Exit(ExitStatus.USAGE)
    try:
        chosen = filters(decision, rule, since, grep, session)
    except UsageError as error:
        typer.echo(f"gatekeep: {error}", err=True)
        raise typer.Exit(ExitStatus.USAGE) from None
    raise typer.Exit(do_log(limit=limit, chosen=chosen, as_json=as_json, follow=follow,
                            env=os.environ, locations=_locations(),
                            stdout=sys.stdout, stderr=sys.stderr))


@log_app.command("verify", cls=Command)
def log_verify(
    files: Annotated[Optional[list[Path]], typer.Argument(
        help="Log files, oldest first (default: the audit log and its rotated files).",
        show_default=False)] = None,
    partial: Annotated[bool, typer.Option(
        "--partial", help="The first record may follow one that is not in these files.")
                       ] = False,
) -> None:
    """Check the hash chain: 0 valid, 1 a bad record (named with file:line), 2 unreadable."""
    from gatekeep.commands.log import verify

    raise typer.Exit(verify([str(f) for f in files or []], partial=partial,
                            locations=_locations(), stdout=sys.stdout,
                            stderr=sys.stderr))


@log_app.command("stats", cls=Command)
def log_stats(
    least: Annotated[int, typer.Option(
        "--min-approvals", help="Suggest an allow rule for a command approved this often.",
        min=1)] = 3,
) -> None:
    """Decisions per rule and per day, most asked commands, answers, time waited, and
    suggested allow rules (printed, never applied)."""
    from gatekeep.commands.log import stats

    raise typer.Exit(stats(least=least, env=os.environ,
                           locations=_locations(), stdout=sys.stdout,
                           stderr=sys.stderr))


@app.command("test", cls=Command)
def test_command(
    policies: PoliciesArgument = None,
    cases: Annotated[Optional[list[Path]], typer.Option(
        "--cases", help="A case file (cases: a list of {cmd, expect, cwd}); repeatable.",
        metavar="FILE", show_default=False)] = None,
    min_coverage: Annotated[Optional[float], typer.Option(
        "--min-coverage", help="Fail unless this percentage of rules is covered.", min=0,
        max=100, metavar="PERCENT", show_default=False)] = None,
    junit: Annotated[Optional[Path], typer.Option(
        "--junit", help="Also write the results as JUnit XML to FILE.", metavar="FILE",
        show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the policies' tests: examples and case files; report failures and rule coverage.

    With no POLICY, tests builtin:default. Each policy is judged alone, from a fixed
    working directory /gatekeep-test/work and home /gatekeep-test/home.
    Exit codes: 0 all passed, 1 a failure or coverage below --min-coverage, 5 policy error.
    """
    from gatekeep.commands.test import run_tests

    _usable("POLICY", *(policies or []))
    _usable("--cases", *(cases or []))
    _usable("--junit", junit)
    raise typer.Exit(run_tests(
        policies or [], cases=cases or [], min_coverage=min_coverage, junit=junit,
        as_json=as_json, env=os.environ, locations=_locations(),
        stdout=sys.stdout, stderr=sys.stderr, interactive=sys.stderr.isatty()))


@app.command(cls=Command)
def lint(
    policies: Annotated[list[str], typer.Argument(
        help="Policy files or builtin:NAME.", show_default=False, metavar="POLICY")],
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Check policies: load errors (file:line:col), duplicate ids, rules that cannot match,
    rules that can never decide (shadowed by a stricter rule), dangerously broad allows.

    Exit codes: 0 clean, 1 an error (or with --strict a warning), 5 a policy does not load.
    """
    from gatekeep.commands.lint import lint as do_lint

    _usable("POLICY", *policies)
    raise typer.Exit(do_lint(policies, strict=strict, as_json=as_json,
                            locations=_locations(), stdout=sys.stdout,
                            stderr=sys.stderr))


approvals_app = typer.Typer(
    name="approvals", cls=Group, no_args_is_help=True,
    help="Review, revoke and answer approvals (operator only: agents are denied these).")
app.add_typer(approvals_app)


@approvals_app.command("list", cls=Command)
def approvals_list() -> None:
    """List saved "always" approvals: id, validity, scope and the exact words allowed."""
    import time

    from gatekeep.commands.approvals import list_approvals

    raise typer.Exit(list_approvals(locations=_locations(), now=time.time(),
                                    stdout=sys.stdout, stderr=sys.stderr))


@approvals_app.command("revoke", cls=Command)
def approvals_revoke(
    approval_id: Annotated[str, typer.Argument(help="The id shown by 'approvals list'.")],
) -> None:
    """Withdraw a saved approval."""
    from gatekeep.commands.approvals import revoke

    raise typer.Exit(revoke(approval_id, locations=_locations(),
                            stdout=sys.stdout, stderr=sys.stderr))


@approvals_app.command("watch", cls=Command)
def approvals_watch() -> None:
    """Answer queued requests from runs without a terminal (policy prompt.no_tty: queue).

    Needs a real terminal; shows the same explanation and choices as the prompt.
    """
    from gatekeep.commands.approvals import watch

    raise typer.Exit(watch(locations=_locations(), stderr=sys.stderr))


@app.command(cls=Command)
def replay(
    log: Annotated[Path, typer.Argument(help="An audit log (JSON lines), such as "
                                        "$XDG_STATE_HOME/gatekeep/audit.jsonl.",
                                        metavar="AUDIT.jsonl", show_default=False)],
    policy: Annotated[str, typer.Option("--policy", "-p", help="The policy to judge with: a "
                                        "file or builtin:NAME.", show_default=False)],
    fail_on_loosen: Annotated[bool, typer.Option(
        "--fail-on-loosen", help="Exit 1 if any decision became more permissive.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Re-decide every logged command under a policy and show the decisions that change.

    Each command is judged by that policy alone, from its logged working directory, with
    this process's HOME and PATH. Exit codes: 0 done, 1 a looser decision with
    --fail-on-loosen, 2 an unreadable audit log, 5 policy error.
    """
    from gatekeep.commands.replay import replay_log

    _usable("AUDIT.jsonl", log)
    _usable("--policy", policy)
    raise typer.Exit(replay_log(
        log, policy, fail_on_loosen=fail_on_loosen, as_json=as_json, env=os.environ,
        locations=_locations(), stdout=sys.stdout, stderr=sys.stderr,
        interactive=sys.stderr.isatty()))


@app.command(cls=Command)
def schema() -> None:
    """Print the JSON Schema of the policy format (policies/policy.schema.json)."""
    from gatekeep.commands.schema import schema as do_schema

    raise typer.Exit(do_schema(stdout=sys.stdout))


@app.command(cls=Command)
def completions(
    shell: Annotated[Literal["bash", "zsh", "fish"], typer.Argument(
        help="The shell: bash, zsh or fish.", metavar="SHELL", show_default=False)],
) -> None:
    """Print the completion script for a shell (the files in completions/).

    Install: bash, copy to ~/.local/share/bash-completion/completions/gatekeep; zsh, copy
    to a directory on $fpath as _gatekeep; fish, copy to ~/.config/fish/completions/.
    """
    from typer.main import get_command

    from gatekeep.commands.completions import completions as do_completions

    # the whole application: a run builds only the subcommand it names (`_narrowed`)
    raise typer.Exit(do_completions(shell, get_command(app), stdout=sys.stdout))


AgentArgument = Annotated[str, typer.Argument(
    help="claude-code, codex, gemini-cli or cursor.", metavar="AGENT", show_default=False)]


@app.command(cls=Command)
def hook(
    agent: Annotated[str, typer.Argument(
        help="claude-code, codex, gemini-cli, cursor or json.", metavar="AGENT",
        show_default=False)],
) -> None:
    """Answer one pre-tool hook call (JSON on stdin) in AGENT's format.

    Allowed: the agent's allow. Denied, or anything gatekeep cannot judge: the agent's
    blocking reply, exit 2, the reason on stderr. Asked: by the policy's prompt.via.
    """
    from gatekeep.commands.hook import main as hook_main

    raise typer.Exit(hook_main(agent))


ProjectOption = Annotated[bool, typer.Option(
    "--project", help="The project's settings (in the current directory), not the user's.")]
UserOption = Annotated[bool, typer.Option("--user", help="The user's settings (the default).")]


def _one_place(user: bool, project: bool) -> None:
    if user and project:
        typer.echo("gatekeep: give --user or --project, not both", err=True)
        raise typer.Exit(ExitStatus.USAGE)


@app.command(cls=Command)
def install(agent: AgentArgument, user: UserOption = False,
            project: ProjectOption = False) -> None:
    """Add gatekeep's hook to AGENT's settings: idempotent, with a backup, nothing else changed.

    Refuses to edit a file it cannot parse, and to name a gatekeep command the agent could
    not start (a hook that cannot start lets every command through). Exit codes: 0 done,
    1 refused, 2 usage error.
    """
    from gatekeep.commands.install import executable_path
    from gatekeep.commands.install import install as do_install

    _one_place(user, project)
    raise typer.Exit(do_install(agent, project=os.getcwd() if project else None, env=os.environ,
                               executable=executable_path(), stdout=sys.stdout,
                               stderr=sys.stderr))


@app.command(cls=Command)
def uninstall(agent: AgentArgument, user: UserOption = False,
              project: ProjectOption = False) -> None:
    """Remove exactly gatekeep's hook from AGENT's settings (with a backup)."""
    from gatekeep.commands.install import uninstall as do_uninstall

    _one_place(user, project)
    raise typer.Exit(do_uninstall(agent, project=os.getcwd() if project else None,
                                 env=os.environ, stdout=sys.stdout, stderr=sys.stderr))


@app.command(cls=Command)
def mcp() -> None:
    """An MCP server on stdin/stdout with the tools run_command and check_command.

    Each tool call is judged, prompted for, run and logged as `gatekeep run` would.
    Needs the mcp package (the mcp extra, or pip install mcp).
    """
    from gatekeep.commands.mcp import main as mcp_main

    raise typer.Exit(mcp_main())


@app.command(cls=Command)
def doctor() -> None:
    """Check the set-up: policy, audit log, prompt route and agent hooks, with a fix for each
    failure. Exit codes: 0 no failure, 1 a failure."""
    from gatekeep.commands.doctor import doctor as do_doctor

    raise typer.Exit(do_doctor(env=os.environ, cwd=Path.cwd(),
                              locations=_locations(), stdout=sys.stdout))


@app.command(cls=Command)
def resident(
    foreground: Annotated[bool, typer.Option(
        "--foreground", help="Serve in this process until idle or stopped.")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the running one.")] = False,
    status: Annotated[bool, typer.Option(
        "--status", help="Say whether one runs (exit 0) or not (exit 1).")] = False,
) -> None:
    """Keep gatekeep loaded, so that a fresh `check`, `run` or hook call, and `log`, `lint`,
    `test`, `replay` and the other commands that neither keep running nor prompt, do not
    load it again. It serves only this user's calls with this state directory, interpreter,
    confinement and code, and stops after 15 minutes without one. GATEKEEP_RESIDENT=1
    starts it when a call finds none; =0 never asks it. Exit codes: 0 done, 1 not running
    (--status) or not started."""
    from gatekeep.commands.resident import command

    raise typer.Exit(command(str(_locations().state_dir), foreground=foreground, stop=stop,
                             status=status, stdout=sys.stdout, stderr=sys.stderr,
                             invoke=invoke))


@app.command(cls=Command)
def version() -> None:
    """Print gatekeep's version."""
    typer.echo(__version__)
