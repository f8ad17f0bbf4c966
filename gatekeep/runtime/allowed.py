"""Running an allowed command and logging it: shared by the full path and the fast path."""

from __future__ import annotations

import os
import time

from gatekeep.runtime import audit

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import TextIO

    from gatekeep.runtime import execute
    from gatekeep.runtime.keeper import Keeper
    from gatekeep.sandbox.boundary import Boundary
    from gatekeep.sandbox.plan import Plan

TIMED_OUT = 124  # as timeout(1) reports it
REFUSED = 126  # ExitStatus.REFUSED, without importing enum on the fast path


def run_allowed(command: str | None, argv: tuple[str, ...] | None, program: str | None,
                env: Mapping[str, str], audit_log: str, fields: str, stderr: TextIO,
                operator: Mapping[str, object] | None = None, plan: Plan | None = None
                ) -> int | None:
    """Run an allowed command, log it with its exit code, and exit as it did.

    A shell string runs in the system's bash; an argv runs ``program``, the very file the
    decision judged (None: no such program), never a second lookup on PATH. With a
    ``plan``, it runs in that plan's box and limits; None when the box did not start
    (nothing ran: the caller decides what happens instead).

    The decision is logged before anything runs: when it cannot be, nothing runs (126).
    """
    from gatekeep.runtime import execute  # here: a hook call only logs (no signal handling)

    if command is not None:
        command, env = reporting_cwd(command, env)
    record = audit.new_record(env)
    if not log(audit_log, audit.line(fields, operator=operator, record=record), stderr,
               required=True):
        return REFUSED
    started = time.monotonic()
    args = execute.shell_argv(command) if command is not None else list(argv or ())
    timed_out = False
    named: list[str] = []  # the variables a box went without for naming a place it writes
    try:
        if command is not None:
            program = execute.system_shell()
        if program is None:
            raise FileNotFoundError(2, "command not found")
        if plan is not None and plan.warning:
            stderr.write(plan.warning)
        if plan is not None and plan.box is not None:
            _warn_linked(plan.box.linked, stderr)
        if plan is None or (plan.box is None and not any(plan.limits)):
            status = execute.run(program, args, execute.scrub(env))
        else:
            keeper = _keeper(plan, audit_log, record, started, stderr)
            if plan.box is not None and plan.box.network and plan.box.steady_path:
                from gatekeep.sandbox.bwrap import box_named

                named = box_named(plan.box, execute.scrub(env))  # as the box starts
            try:
                ran = _run_planned(plan, program, args, env, keeper, named)
            finally:
                _after_box(plan, stderr, keeper)
                if keeper is not None:
                    keeper.done()
            status, timed_out = ran.status, ran.timed_out
    except execute.BoxFailed:
        log(audit_log, audit.end(record, None, time.monotonic() - started,
                                 "the boundary did not start"), stderr)
        return None
    except OSError as error:
        from gatekeep.text import visible

        stderr.write(f"gatekeep: {visible(args[0])}: {error.strerror}\n")
        status = 127 if isinstance(error, FileNotFoundError) else 126
    stopped = _stopped(status, timed_out, plan)
    if timed_out:
        stderr.write(f"gatekeep: stopped: the command ran past its time limit of "
                     f"{plan.limits.timeout:g} seconds (limits: timeout in the policy)\n")  # type: ignore[union-attr]
        status = TIMED_OUT
    elif 0 < status <= 128 and plan is not None and plan.box is not None:
        from gatekeep.sandbox.bwrap import path_dropped, unset_secrets
        from gatekeep.sandbox.plan import (
            NAMED_NOTE,
            NETWORK_NOTE,
            NOTE,
            OWN_TEMP_NOTE,
            PATH_NOTE,
            UNSET_NOTE,
        )
        from gatekeep.text import visible

        stderr.write(OWN_TEMP_NOTE if plan.box.own_temp else
                     NETWORK_NOTE if plan.box.network else NOTE)
        unset = unset_secrets(plan.box, env) if plan.box.network else []
        if unset:  # a credential the networked program needed may be one
            stderr.write(UNSET_NOTE.format(visible(", ".join(unset))))
        dropped = path_dropped(plan.box, execute.scrub(env))
        if dropped:  # a program the networked one looks up may have been there
            stderr.write(PATH_NOTE.format(visible(", ".join(dropped))))
        if named:  # a program or a setting one names may have been there
            stderr.write(NAMED_NOTE.format(visible(", ".join(named))))
        stderr.writelines(f"gatekeep: note: {visible(n)}\n" for n in plan.box.notes_failed)
    if plan is not None and plan.box is not None and plan.box.notes_always:
        from gatekeep.text import visible

        stderr.writelines(f"gatekeep: note: {visible(n)}\n" for n in plan.box.notes_always)
    log(audit_log, audit.end(record, status, time.monotonic() - started, stopped), stderr)
    return execute.exit_like(status)


# The descriptor a hook's rewritten command opens for the directory the command ends in
# (gatekeep.hooks.rewrite): bash writes its working directory there when it exits.
CWD_FD = 9


def reporting_cwd(command: str, env: Mapping[str, str]) -> tuple[str, Mapping[str, str]]:
    """``command``, made to report where it ends when the caller asked for it, and the
    environment it runs with.

    The report is gatekeep's own text before the judged command, on the same line so that
    line numbers stay as they were. What the command itself writes to the descriptor can
    only move the caller's shell to a directory, where its next command is judged again.
    The request is not passed on: a gatekeep that the command runs reports nothing there.
    """
    if env.get("GATEKEEP_CWD_FD") is None:
        return command, env
    rest = {key: value for key, value in env.items() if key != "GATEKEEP_CWD_FD"}
    if env["GATEKEEP_CWD_FD"] != str(CWD_FD):
        return command, rest
    try:
        os.fstat(CWD_FD)
    except OSError:
        return command, rest
    return f"trap 'builtin pwd -P >&{CWD_FD} 2>/dev/null' EXIT; {command}", rest


def _stopped(status: int, timed_out: bool, plan: Plan | None) -> str | None:
    """Which limit ended the run, when one did: the audit record says so."""
    from gatekeep.runtime.signals import signal

    if timed_out:
        return "timeout"
    if plan is None:
        return None
    if status == -signal.SIGXCPU and plan.limits.cpu:
        return "cpu"
    if status == -signal.SIGXFSZ and plan.limits.output:
        return "output"
    return None


def _run_planned(plan: Plan, program: str, args: list[str], env: Mapping[str, str],
                 keeper: Keeper | None, named: list[str]) -> execute.Ran:
    from gatekeep.runtime import execute

    if plan.box is None or plan.bwrap is None:
        return execute.run_limited(program, args, execute.scrub(env), plan.limits)
    return execute.run_boxed(plan.box, plan.bwrap, program, args, execute.scrub(env), keeper,
                             named if plan.box.network and plan.box.steady_path else None)


def _keeper(plan: Plan, audit_log: str, record: tuple[str, str], started: float,
            stderr: TextIO) -> Keeper | None:
    """A keeper for a boxed run: if gatekeep is killed before its clean-up, the keeper ends
    the box, cleans up, logs the run's end and then says what it held. One that cannot be
    started is a box that did not start: nothing runs."""
    from gatekeep.runtime import execute, keeper

    box = plan.box
    if box is None or plan.bwrap is None:
        return None

    def clean_up(held: Sequence[str]) -> None:
        lines: list[str] = []
        stopped = "gatekeep was killed: the keeper ended the box"
        try:
            lines = _clean_up(box, list(held))
        except Exception as error:  # reported in the log, and below
            stopped += f"; its clean-up failed ({type(error).__name__})"
            lines = [_failed(error)]
        import io

        failure = io.StringIO()  # said after the clean-up's own lines
        log(audit_log, audit.end(record, None, time.monotonic() - started, stopped), failure)
        keeper.speak([*lines, failure.getvalue()])

    try:
        return keeper.start(clean_up)
    except OSError as error:
        stderr.write(f"gatekeep: the box cannot start without its keeper, the process that "
                     f"cleans up if gatekeep is killed: {error.strerror}\n")
        raise execute.BoxFailed(error.strerror) from error


def _warn_linked(paths: Sequence[str], stderr: TextIO) -> None:
    if not paths:
        return  # the usual case: the fast path imports nothing more
    from gatekeep.text import visible

    for path in paths:
        stderr.write(f"gatekeep: warning: {visible(path)} has another hard link: a write "
                     "through it changes this protected file\n")


def _after_box(plan: Plan, stderr: TextIO, keeper: Keeper | None = None) -> None:
    """Settings the boxed command created where the box could not bind them are removed,
    links on the way to protected paths that it replaced are put back, and repositories it
    staged as gitlinks, or made with settings that run code, are held. The command ran: a
    failure here is a warning to check the tree, never "nothing was run". Every step runs
    before anything is written: a caller that stopped reading cannot cut it short."""
    if plan.box is None:
        return
    from gatekeep.runtime.signals import signal

    ending = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ending)  # a second Ctrl-C waits
    try:
        try:
            lines = _clean_up(plan.box, _Told(keeper) if keeper is not None else [])
        except Exception as error:  # reported, and the run's own outcome kept
            lines = [_failed(error)]
        for line in lines:
            try:  # noqa: SIM105 - contextlib costs start-up on the fast path
                stderr.write(line)
            except OSError:  # a caller that stopped reading: the clean-up is done
                pass
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _failed(error: Exception) -> str:
    from gatekeep.text import visible  # the error can name the command's files

    return (f"gatekeep: warning: the clean-up after the run failed "
            f"({type(error).__name__}: {visible(str(error))}): check the tree's "
            "repositories and agent settings before running git or an agent\n")


class _Told(list[str]):
    """What the clean-up moved aside, told to the keeper as it happens."""

    def __init__(self, keeper: Keeper) -> None:
        super().__init__()
        self.keeper = keeper

    def append(self, path: str) -> None:
        super().append(path)
        self.keeper.held(path)


def _clean_up(box: Boundary, held: list[str]) -> list[str]:
    """Every step of the clean-up; their warning lines. ``held``: what was moved aside
    already (by gatekeep, when the keeper runs it). A step that fails is said, and the
    others still run: what git reads first (objects, replace refs, refs), then the rest."""
    from gatekeep.sandbox import created, gitobjects, movedrefs

    steps: list[Callable[[], list[str]]] = [
        lambda: gitobjects.check(box), lambda: created.drop_replacements(box),
        lambda: movedrefs.check(box)]
    if box.links:
        steps.append(lambda: created.restore_links(box.links, box.tree, box.parents))
    if any(os.path.lexists(p) for p in box.absent):
        steps.append(lambda: created.remove_created(box.absent, box.tree, box.parents, held))
    steps += [lambda: created.hold_forged_entries(box, held),
              lambda: created.hold_repositories(box, held), lambda: created.hold_rebases(box)]
    lines: list[str] = []
    for step in steps:
        try:
            lines += step()
        except Exception as error:  # said; the next step runs
            lines.append(_failed(error))
    return lines


def judged_program(argv: Sequence[str] | None, which: Callable[[str], str | None]
                   ) -> str | None:
    """The file an argv request runs: its path as given, or the PATH answer the decision used."""
    if not argv:
        return None
    return argv[0] if "/" in argv[0] else which(argv[0])


def pinned(command: str, answers: Iterable[tuple[str, str, str | None]]) -> str:
    """``command`` with each program name the decision resolved on PATH pinned to that file
    (bash's ``hash -p``), so a file that an earlier part of the command writes into a PATH
    directory, or a ``cd`` with a relative PATH entry, cannot change what a name runs."""
    pins = [f"hash -p {_quote(os.path.abspath(answer))} {_quote(name)}"
            for kind, name, answer in answers
            if kind == "which" and answer is not None and "/" not in name]
    return "; ".join(pins) + "\n" + command if pins else command


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def log(path: str, text: str, stderr: TextIO, required: bool = False) -> bool:
    """Append a record; False (and a message on ``stderr``) when it could not be written.

    ``required``: the record of a decision to run something, which does not run unlogged."""
    try:
        audit.append(path, text)
    except OSError as error:
        if required:
            stderr.write(f"gatekeep: cannot write the audit log: {error}\n"
                         "gatekeep: not run (nothing runs without its audit record)\n")
        else:
            stderr.write(f"gatekeep: warning: cannot write the audit log: {error}\n")
        return False
    return True
