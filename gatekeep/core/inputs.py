"""Building what a decision needs from the process: context, policies, the parsed command."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gatekeep.core.approvals import Approval
from gatekeep.core.engine import Decision, combine, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.model import Policy
from gatekeep.policy.select import load_run_policies
from gatekeep.runtime.locations import Locations
from gatekeep.sandbox.records import NamedTuple
from gatekeep.shell.analyze import literal_segment
from gatekeep.shell.model import ParsedCommand, Problem, Span
from gatekeep.text import invisible_reason

SYSTEM_TEMP_DIRS = ("/tmp", "/var/tmp")  # noqa: S108 - named to recognise them, not to use them


class Request(NamedTuple):
    """What to judge: a shell string (``-c``) or an argv (``-- ARGV``)."""

    command: str | None
    argv: tuple[str, ...] | None
    policy: str | None = None

    @property
    def shown(self) -> str:
        return self.command if self.command is not None else _join(self.argv or ())


def parse_request(request: Request) -> ParsedCommand:
    if request.command is not None:
        from gatekeep.shell.parse import parse

        return parse(request.command)
    argv = list(request.argv or ())
    source = _join(argv)
    if not argv:
        return ParsedCommand(source, (), (Problem("no command given", Span(0, 0)),))
    for arg in argv:
        for char in arg:
            reason = invisible_reason(char)
            if reason is not None:
                return ParsedCommand(source, (), (Problem(reason, Span(0, len(source))),))
    segment = literal_segment(argv)
    return ParsedCommand(source, (segment,))


def temp_dirs(env: Mapping[str, str]) -> tuple[str, ...]:
    """The temp dirs every box writes, where an allowed command may write too: ``$TMPDIR``
    when the box takes it for one (``plan.temp_dir``: not the home, nor a place of the
    system's or of the operator's settings), ``/tmp`` and ``/var/tmp``."""
    value = env.get("TMPDIR", "").rstrip("/")
    if value:
        from gatekeep.sandbox.plan import temp_dir

        value = temp_dir(value, env.get("HOME", "/"))
    return tuple(dict.fromkeys(p for p in (value, *SYSTEM_TEMP_DIRS) if p))


def context(env: Mapping[str, str], cwd: Path, locations: Locations,
            approvals: tuple[Approval, ...] = ()) -> Context:
    return Context(
        cwd=str(cwd), home=env.get("HOME", "/"),
        resolver=SystemResolver(env.get("PATH", "/usr/bin:/bin")), temp_dirs=temp_dirs(env),
        self_paths=(str(locations.config_dir), str(locations.state_dir)), approvals=approvals,
    )


def run_policies(locations: Locations, cwd: Path, request: Request,
                 env: Mapping[str, str]) -> list[Policy]:
    return load_run_policies(locations, cwd, request.policy, env.get("GATEKEEP_POLICY"))


def judge(policies: list[Policy], parsed: ParsedCommand, ctx: Context) -> Decision:
    return combine([decide(policy, parsed, ctx) for policy in policies])


def _join(argv: tuple[str, ...] | list[str]) -> str:
    import shlex

    return shlex.join(argv)
