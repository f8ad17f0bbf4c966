"""The command an agent runs instead of the one gatekeep allowed: the same command, through
``gatekeep run``, so that it runs inside the boundary.

The agent's shell runs the rewritten text. ``gatekeep run`` judges the command again (a
stored decision makes that cheap) and runs it only if it is still allowed, so the rewrite
can run nothing but what it names, and a replayed or edited rewrite is judged like any
other command. Because the command now runs in a child shell, a ``cd`` in it would be lost;
``gatekeep run`` reports the directory the command ended in on a descriptor
(``runtime.allowed.reporting_cwd``) and the agent's shell moves there, as it would have.
"""

from __future__ import annotations

import os

from gatekeep.runtime.allowed import CWD_FD

_READ_FD = 8  # where the calling shell reads the report back


def through_gatekeep(executable: str, command: str, why: str | None = None) -> str:
    """Shell text (POSIX sh, bash or zsh) that runs ``command`` with ``gatekeep run`` and then
    moves the calling shell to the directory the command ended in, with its exit status.

    The report file is opened twice (written by the command's shell, read here) and its name
    removed before anything runs: the command cannot put something else under that name for
    this shell to open, and nothing is left behind when the shell is killed. Only a report of
    exactly one whole line moves the shell (a directory whose name has a newline does not).
    No command substitution: Gemini CLI refuses any command that has one."""
    report = f'"${{TMPDIR:-/tmp}}/gatekeep-cwd.{os.urandom(8).hex()}"'
    return (f"__gatekeep_cwd={report}; {{ rm -f \"$__gatekeep_cwd\"; "
            f"GATEKEEP_CWD_FD={CWD_FD} {_quote(executable)} run "
            f"{'' if why is None else f'--why {_quote(why)} '}-c {_quote(command)} "
            f"{_READ_FD}<&-; __gatekeep_status=$?; "
            f"__gatekeep_to=; __gatekeep_line=; __gatekeep_lines=; "
            f"while IFS= read -r __gatekeep_line; do __gatekeep_to=$__gatekeep_line; "
            f"__gatekeep_lines=$__gatekeep_lines.; done <&{_READ_FD}; "
            f'if [ "$__gatekeep_lines" = . ] && [ -z "$__gatekeep_line" ] '
            f'&& [ -d "$__gatekeep_to" ]; then cd -- "$__gatekeep_to" || :; fi; '
            f'(exit "$__gatekeep_status"); }} '
            f'{CWD_FD}>"$__gatekeep_cwd" {_READ_FD}<"$__gatekeep_cwd"')


def own_executable(argv0: str) -> str | None:
    """This gatekeep by absolute path, as the agent's settings name it; None when it cannot
    be named exactly (then nothing is rewritten)."""
    if not os.path.isabs(argv0) or os.path.basename(argv0) != "gatekeep" \
            or not os.path.isfile(argv0):
        return None
    return argv0


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
