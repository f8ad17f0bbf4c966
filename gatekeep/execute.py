"""Running an approved command: same stdio, its exit code, signals forwarded.

Signals are blocked in gatekeep and collected with ``sigwaitinfo`` while the
child runs. One sent to gatekeep itself (``kill``) is forwarded to the child;
one the terminal sent to the whole foreground group (Ctrl-C) already reached the
child and is not sent twice. A child killed by a signal makes gatekeep die of
the same signal, so the caller sees what it would have seen without gatekeep.

Only ``os`` and ``signal`` are used (``posix_spawn``): this runs on every allowed command.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping, Sequence

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


def shell_argv(command: str) -> list[str]:
    return ["bash", *SHELL_OPTIONS, command]


def system_shell(candidates: Sequence[str] | None = None) -> str:
    """The first of ``candidates`` (the system's places) that only root can change;
    FileNotFoundError when there is none."""
    candidates = SYSTEM_SHELLS if candidates is None else candidates
    for candidate in candidates:
        if _root_only(candidate) and _root_only(os.path.dirname(os.path.realpath(candidate))):
            return candidate
    raise FileNotFoundError(2, "no bash owned by root and writable only by root in "
                            + " or ".join(candidates))


def _root_only(path: str) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return info.st_uid == 0 and not info.st_mode & 0o022


def scrub(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items()
            if k not in SCRUBBED and not k.startswith("BASH_FUNC_")}


def run(program: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run the file ``program`` (no PATH lookup) with ``argv`` in the current directory to
    completion; return its wait status as an exit code (negative: killed by that signal).
    Raises OSError if it cannot start."""
    watched = {*_FORWARDED, signal.SIGCHLD}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    try:
        pid = os.posix_spawn(program, list(argv), dict(env), setsigmask=previous,
                             setsigdef=_RESET)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            info = signal.sigwaitinfo(watched)
            if info.si_signo == signal.SIGCHLD:
                continue
            if info.si_code == _SI_KERNEL and info.si_signo in _FROM_TERMINAL:
                continue  # from the terminal: the child's process group got it already
            os.kill(pid, info.si_signo)
    finally:
        # A signal meant for the child may still be pending (the terminal's Ctrl-C can reach
        # gatekeep after the child died of it): it was the child's, so it is dropped here.
        while signal.sigtimedwait(watched, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
