"""Running an approved command: same stdio, its exit code, signals forwarded.

Signals are blocked in gatekeep and collected with ``sigwaitinfo`` while the
child runs. One sent to gatekeep itself (``kill``) is forwarded to the child;
one the terminal sent to the whole foreground group (Ctrl-C) already reached the
child and is not sent twice. A child killed by a signal makes gatekeep die of
the same signal, so the caller sees what it would have seen without gatekeep.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence

_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
              signal.SIGUSR2, signal.SIGWINCH, signal.SIGCONT)
_SI_KERNEL = 0x80
# Variables that make bash run code before the command: never passed to the shell.
SCRUBBED = ("BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "CDPATH", "GLOBIGNORE")
SHELL = ("bash", "--noprofile", "--norc", "-c")


def shell_argv(command: str) -> list[str]:
    return [*SHELL, command]


def scrub(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items()
            if k not in SCRUBBED and not k.startswith("BASH_FUNC_")}


def run(argv: Sequence[str], env: Mapping[str, str], cwd: str) -> int:
    """Run ``argv`` to completion; return its exit status as a shell would report it."""
    watched = {*_FORWARDED, signal.SIGCHLD}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    try:
        try:
            child = subprocess.Popen(  # noqa: S603 - the command was judged before it got here
                list(argv), env=dict(env), cwd=cwd,
                preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, previous),
            )
        except FileNotFoundError:
            return 127
        except PermissionError:
            return 126
        while child.poll() is None:
            info = signal.sigwaitinfo(watched)
            if info.si_signo == signal.SIGCHLD:
                continue
            if info.si_code == _SI_KERNEL and info.si_signo in (signal.SIGINT, signal.SIGQUIT,
                                                                 signal.SIGWINCH):
                continue  # from the terminal: the child's process group got it already
            child.send_signal(info.si_signo)
        return child.returncode
    finally:
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
