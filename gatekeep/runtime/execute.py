"""Running an approved command: same stdio, its exit code, signals forwarded.

Signals are blocked in gatekeep and collected with ``sigwaitinfo`` while the
child runs. One sent to gatekeep itself (``kill``) is forwarded to the child;
one the terminal sent to the whole foreground group (Ctrl-C) already reached the
child and is not sent twice. A child killed by a signal makes gatekeep die of
the same signal, so the caller sees what it would have seen without gatekeep.

Only ``os``, ``signal`` (without its enums: ``gatekeep.runtime.signals``) and ``time`` are
used (``resource`` when limits apply): this runs on every allowed command. A boxed command
runs in its own session (it has no controlling terminal), so gatekeep forwards the
terminal's signals to it as well.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence

from gatekeep.runtime.signals import signal

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: keep the run path's imports few
if TYPE_CHECKING:
    from gatekeep.runtime.keeper import Keeper
    from gatekeep.sandbox.boundary import Boundary
    from gatekeep.sandbox.spec import Limits

_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
              signal.SIGUSR2, signal.SIGWINCH, signal.SIGCONT)
_FROM_TERMINAL = (signal.SIGINT, signal.SIGQUIT, signal.SIGWINCH)
_SI_KERNEL = 0x80
# Python ignores these at start-up; the child gets the default back, as from a shell.
_RESET = (signal.SIGPIPE, signal.SIGXFSZ)
# Variables that make bash run code before the command: never passed to the shell.
SCRUBBED = ("BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "CDPATH", "GLOBIGNORE", "EXECIGNORE")
SHELL_OPTIONS = ("--noprofile", "--norc", "-c")
# Where a system's own bash lives. Never looked up on PATH: a directory on PATH (a project's
# .venv/bin, node_modules/.bin) may hold a "bash" the agent wrote.
SYSTEM_SHELLS = ("/bin/bash", "/usr/bin/bash")
# Past its time limit a command gets SIGTERM, then this many seconds to end, then SIGKILL;
# so does a boxed one when gatekeep is asked to end (one of these signals).
GRACE = 2.0
_ENDING = frozenset((signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT))


def shell_argv(command: str) -> list[str]:
    return ["bash", *SHELL_OPTIONS, command]


def system_shell(candidates: Sequence[str] | None = None) -> str:
    """The first of ``candidates`` (the system's places) that only root can change;
    FileNotFoundError when there is none."""
    from gatekeep.sandbox.bwrap import root_only

    candidates = SYSTEM_SHELLS if candidates is None else candidates
    for candidate in candidates:
        if root_only(candidate) and root_only(os.path.dirname(os.path.realpath(candidate))):
            return candidate
    raise FileNotFoundError(2, "no bash owned by root and writable only by root in "
                            + " or ".join(candidates))


def scrub(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items()
            if k not in SCRUBBED and not k.startswith("BASH_FUNC_")}


class BoxFailed(Exception):
    """The box did not start: bwrap ended before it ran the command."""


class Ran:
    """How a run ended: its exit code (negative: killed by that signal), and whether
    gatekeep stopped it at its time limit."""

    __slots__ = ("status", "timed_out")

    def __init__(self, status: int, timed_out: bool = False) -> None:
        self.status = status
        self.timed_out = timed_out


def run(program: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run the file ``program`` (no PATH lookup) with ``argv`` in the current directory to
    completion; return its wait status as an exit code (negative: killed by that signal).
    Raises OSError if it cannot start."""
    return supervise(program, argv, env).status


def run_boxed(box: Boundary, bwrap: str, program: str, argv: Sequence[str],
              env: Mapping[str, str], keeper: Keeper | None = None,
              named: Sequence[str] | None = None) -> Ran:
    """Run ``program`` inside ``box`` with its limits; BoxFailed when the box did not start.

    bwrap reports on a status pipe: first the pid of the box's first process, and an
    ``exit-code`` only once the command itself was started (bwrap's own set-up closes
    that channel on exec), which tells a set-up failure from a command that exited 1.
    With a ``keeper`` (``gatekeep.runtime.keeper``), bwrap's pid and its report on the box
    reach the keeper before the box runs anything.
    """
    from gatekeep.sandbox import seccomp
    from gatekeep.sandbox.bwrap import argv as bwrap_argv
    from gatekeep.sandbox.bwrap import box_env, loader_args

    env, loaders = loader_args(box_env(box, env, named))
    try:
        calls = seccomp.descriptor()
    except OSError as error:  # a box without its filter would reach other processes
        raise BoxFailed(f"the box's system-call filter cannot be made: {error.strerror}") \
            from error
    status_read, status_write = os.pipe()
    try:
        try:
            command = bwrap_argv(box, bwrap, program, argv, os.getcwd(), status_write,
                                 system_shell(), env.get("PATH"),
                                 keeper.info if keeper is not None else -1, calls)
            command[1:1] = loaders  # for the box, not for bwrap (its own environment)
        except BaseException:
            os.close(status_write)
            if calls >= 0:
                os.close(calls)
            raise
        channel = _Status(status_read)
        ran = supervise(bwrap, command, env, box.limits, channel,
                        keep=(status_write, *([calls] if calls >= 0 else [])), keeper=keeper)
        if not channel.started() and not ran.timed_out and ran.status == 1:
            raise BoxFailed(f"bwrap exited with status {ran.status} before running the command")
        return ran
    finally:
        os.close(status_read)


def run_limited(program: str, argv: Sequence[str], env: Mapping[str, str],
                limits: Limits) -> Ran:
    """Run without a box but with ``limits`` (a machine that cannot box)."""
    return supervise(program, argv, env, limits)


def supervise(program: str, argv: Sequence[str], env: Mapping[str, str],
              limits: Limits | None = None, box: _Status | None = None,
              keep: tuple[int, ...] = (), keeper: Keeper | None = None) -> Ran:
    """Start ``program``, forward signals to it, enforce the wall-clock limit, reap it."""
    watched: set[int] = {*_FORWARDED, signal.SIGCHLD}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    terminal = None
    try:
        try:
            if limits is None and box is None:
                pid = os.posix_spawn(program, list(argv), dict(env), setsigmask=previous,
                                     setsigdef=_RESET)
            else:
                terminal = None if box is not None else _foreground_terminal()
                pid = _fork_exec(program, argv, env, previous, limits, keep, True, terminal,
                                 keeper)
        finally:
            for fd in keep:
                os.close(fd)  # the child's ends: bwrap alone holds them now
            if keeper is not None:
                keeper.bwrap_started()
        deadline = time.monotonic() + limits.timeout if limits and limits.timeout else None
        try:
            return _wait(pid, watched, deadline, box, keeper)
        finally:
            if box is None and terminal is not None:
                _take_terminal(terminal, os.getpgrp())
    finally:
        # A signal meant for the child may still be pending (the terminal's Ctrl-C can reach
        # gatekeep after the child died of it): it was the child's, so it is dropped here.
        while signal.sigtimedwait(watched, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _wait(pid: int, watched: set[int], deadline: float | None,
          box: _Status | None, keeper: Keeper | None = None) -> Ran:
    sent: set[int] = set()
    ending: tuple[int, float] | None = None  # (signal, when the box is killed)
    while True:
        done, status = _reap(pid, keeper, block=False)
        if done:
            code = os.waitstatus_to_exitcode(status)
            # bwrap reports a command killed by signal N as 128+N; one gatekeep passed on
            # is taken as that death, so gatekeep dies of it as it would unboxed
            return Ran(-(code - 128) if box is not None and code - 128 in sent else code)
        until = min(t for t in (deadline, ending and ending[1]) if t is not None) \
            if deadline is not None or ending is not None else None
        info = signal.sigwaitinfo(watched) if until is None else \
            signal.sigtimedwait(watched, max(until - time.monotonic(), 0))
        if info is None and ending is not None and time.monotonic() >= ending[1]:
            for target in box.first_pid() if box is not None else []:
                _signal(target, signal.SIGKILL)  # the whole box: its namespace ends
            _reap(pid, keeper, block=True)
            return Ran(-ending[0])
        if info is None:
            _stop(pid, box)
            _reap(pid, keeper, block=True)
            return Ran(-signal.SIGKILL, timed_out=True)
        if info.si_signo == signal.SIGCHLD:
            continue
        if box is None and info.si_code == _SI_KERNEL and info.si_signo in _FROM_TERMINAL:
            continue  # from the terminal: the child's process group got it already
        sent.add(info.si_signo)
        for target in box.command_pids() if box is not None else [pid]:
            _signal(target, info.si_signo)
        if box is not None and ending is None and info.si_signo in _ENDING:
            # a boxed command asked to end has GRACE seconds, then the box is killed: what
            # gatekeep does after a boxed run must still run before its own caller kills it
            ending = (info.si_signo, time.monotonic() + GRACE)


def _reap(pid: int, keeper: Keeper | None, block: bool) -> tuple[int, int]:
    """``waitpid`` of the child; a keeper hears that it ended before its pid is free, so
    that it never signals that pid (or its process group) once another process may have it."""
    if keeper is None:
        return os.waitpid(pid, 0 if block else os.WNOHANG)
    if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | (0 if block else os.WNOHANG)) \
            is None:
        return 0, 0
    keeper.ended()
    return os.waitpid(pid, 0)


def _stop(pid: int, box: _Status | None) -> None:
    """Past the time limit: SIGTERM, a grace period, then SIGKILL for all of it.

    Boxed, the box's first process takes its whole pid namespace with it. Unboxed, the
    command runs in its own process group: the group and every process the command
    started (found through their parents, also one that left the group) are stopped.
    """
    tree = _descendants(pid) if box is None else []
    targets = box.command_pids() if box is not None else tree
    for target in targets:
        _signal(target, signal.SIGTERM)
    if box is None:
        _signal_group(pid, signal.SIGTERM)
    _grace(pid)
    if box is not None:
        for target in box.first_pid():
            _signal(target, signal.SIGKILL)
    else:
        for _ in range(64):  # a process forking while this runs is found by the next sweep
            found = [p for p in _descendants(pid) if p not in tree] + tree
            _signal_group(pid, signal.SIGKILL)
            for target in found:
                _signal(target, signal.SIGKILL)
            tree = []
            if not _descendants(pid):
                break
    _signal(pid, signal.SIGKILL)


def _grace(pid: int) -> None:
    """Wait up to GRACE seconds for ``pid`` to end, leaving it unreaped (its process group
    id stays its own until then)."""
    deadline = time.monotonic() + GRACE
    flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
    while os.waitid(os.P_PID, pid, flags) is None:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        signal.sigtimedwait({signal.SIGCHLD}, left)


def _descendants(pid: int) -> list[int]:
    """Every living process below ``pid``, by the parent each names in /proc."""
    children: dict[int, list[int]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields and fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in found:
                found.append(child)
                pending.append(child)
    return found


def _signal_group(pgid: int, number: int) -> None:
    try:  # noqa: SIM105 - contextlib costs start-up on the fast path
        os.killpg(pgid, number)
    except (ProcessLookupError, PermissionError):
        pass


def _foreground_terminal() -> int | None:
    """The terminal gatekeep runs in the foreground of (the command gets that place)."""
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return fd
        except OSError:
            continue
    return None


def _take_terminal(fd: int, group: int) -> None:
    """Make ``group`` the terminal's foreground (SIGTTOU blocked: gatekeep may be behind)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
    try:
        os.tcsetpgrp(fd, group)
    except OSError:
        pass
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _signal(pid: int, number: int) -> None:
    try:  # noqa: SIM105 - contextlib costs start-up on the fast path
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def _fork_exec(program: str, argv: Sequence[str], env: Mapping[str, str],
               mask: set[int], limits: Limits | None, keep: tuple[int, ...],
               own_group: bool, terminal: int | None = None,
               keeper: Keeper | None = None) -> int:
    """fork, set the limits in the child, exec; an exec error comes back as OSError.

    In its own process group the command can be stopped as a whole; when gatekeep holds
    the terminal's foreground, the command gets it (its reads and Ctrl-C work as before).
    A ``keeper`` is told the child's pid before the exec, and its info pipe is passed on.
    """
    error_read, error_write = os.pipe()  # close-on-exec: EOF means the exec happened
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its effects are tested from outside
        try:
            os.close(error_read)
            if own_group:
                os.setpgid(0, 0)
            if terminal is not None:
                _take_terminal(terminal, os.getpid())
            for fd in keep:
                os.set_inheritable(fd, True)
            if keeper is not None:
                os.set_inheritable(keeper.info, True)
                os.write(keeper.control, b"bwrap %d\n" % os.getpid())
            if limits is not None:
                _set_limits(limits)
            for number in _RESET:
                signal.signal(number, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.execve(program, list(argv), dict(env))  # noqa: S606 - the judged file, no shell
        except OSError as error:
            os.write(error_write, str(error.errno or 0).encode())
        finally:
            os._exit(127)
    os.close(error_write)
    if own_group:
        try:  # noqa: SIM105 - contextlib costs start-up on the fast path
            os.setpgid(pid, pid)
        except OSError:  # set here too: no window where it is not
            pass
    if terminal is not None:
        _take_terminal(terminal, pid)
    reported = os.read(error_read, 32)
    os.close(error_read)
    if reported:
        _reap(pid, keeper, block=True)
        code = int(reported)
        raise OSError(code, os.strerror(code))
    return pid


def _set_limits(limits: Limits) -> None:
    import resource

    for kind, value in ((resource.RLIMIT_CPU, limits.cpu), (resource.RLIMIT_AS, limits.memory),
                        (resource.RLIMIT_FSIZE, limits.output),
                        (resource.RLIMIT_NPROC, limits.processes)):
        if value:
            hard = resource.getrlimit(kind)[1]
            soft = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
            # CPU: SIGXCPU at the soft limit, SIGKILL a second later if it is caught
            extra = 1 if kind == resource.RLIMIT_CPU and soft < hard else 0
            resource.setrlimit(kind, (soft, soft + extra))


class _Status:
    """bwrap's ``--json-status-fd`` reports, read as they come."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.data = b""
        os.set_blocking(fd, False)

    def _read(self) -> bytes:
        try:
            while chunk := os.read(self.fd, 4096):
                self.data += chunk
        except BlockingIOError:
            pass
        return self.data

    def first_pid(self) -> list[int]:
        """The box's first process (pid 1 inside it), once bwrap reported it."""
        marker = b'"child-pid": '
        data = self._read()
        if marker not in data:
            return []
        digits = data.split(marker, 1)[1].split(b",", 1)[0].split(b"}", 1)[0].strip()
        return [int(digits)] if digits.isdigit() else []

    def command_pids(self) -> list[int]:
        """The command inside the box: the children of its first process."""
        pids: list[int] = []
        for first in self.first_pid():
            try:
                with open(f"/proc/{first}/task/{first}/children") as handle:
                    pids.extend(int(p) for p in handle.read().split())
            except OSError:
                pids.append(first)
        return pids

    def started(self) -> bool:
        return b'"exit-code"' in self._read()


def exit_like(status: int) -> int:
    """Exit as the child did: die of its signal, or return its code."""
    if status >= 0:
        return status
    number = -status
    if number in (signal.SIGKILL, signal.SIGSTOP):
        return 128 + number
    signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)
    return 128 + number
