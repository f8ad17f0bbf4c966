"""``gatekeep-sh``: a drop-in ``$SHELL`` for agents and tools that run ``$SHELL -c CMD``.

Each command is judged and run exactly like ``gatekeep run -c CMD``: by the system's
bash, only when every part is allowed or approved. Accepted: ``-c CMD`` with any of
``-l``/``--login``/``-e`` before or after ``-c`` (grouped too: ``-lc``), ``-c CMD NAME
ARG...``, and a script on stdin when there is no ``-c``. Anything else is refused with
exit 2: it never reaches a real shell unjudged.

Options are accepted, not honoured: ``-l`` because gatekeep's bash reads no profile,
``-e`` because every part of the command is judged anyway. Positional parameters are
bound with a ``set --`` line in front of the command, so that gatekeep judges (and
the operator sees) exactly what runs; ``NAME`` (``$0``) is not passed on.
"""

from __future__ import annotations

import os
import sys

USAGE = ("usage: gatekeep-sh [-l|--login] [-e] -c COMMAND [NAME [ARG...]]\n"
         "       gatekeep-sh [-l|--login] [-e] < SCRIPT\n")
MAX_SCRIPT = 1 << 20  # bytes read from stdin as a script
_FLAGS = frozenset("le")


class Usage(Exception):
    """Arguments gatekeep-sh does not accept; the message says which."""


def parse(args: list[str]) -> tuple[bool, str | None, list[str]]:
    """``(from_stdin, command, positional)`` of a shell's arguments, or Usage."""
    want_command, index = False, 0
    while index < len(args) and args[index].startswith("-") and args[index] != "-":
        word = args[index]
        index += 1
        if word == "--":
            break
        if word == "--login":
            continue
        letters = word[1:]
        if word.startswith("--") or not letters or not set(letters) <= _FLAGS | {"c"} \
                or letters.count("c") > 1:
            raise Usage(f"unsupported option {word!r}")
        want_command = want_command or "c" in letters
    rest = args[index:]
    if not want_command:
        if rest:
            raise Usage("a script file is not supported; give -c COMMAND or the script on stdin")
        return True, None, []
    if not rest:
        raise Usage("-c needs a command")
    return False, rest[0], rest[2:]


def with_positional(command: str, positional: list[str]) -> str:
    if not positional:
        return command
    import shlex

    return f"set -- {shlex.join(positional)}\n{command}"


def read_script(stdin: int) -> str:
    if os.isatty(stdin):
        raise Usage("an interactive shell is not supported")
    data = b""
    while len(data) <= MAX_SCRIPT:
        chunk = os.read(stdin, 65536)
        if not chunk:
            break
        data += chunk
    if len(data) > MAX_SCRIPT:
        raise Usage(f"the script on stdin is larger than {MAX_SCRIPT} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Usage("the script on stdin is not UTF-8 text") from None


def main(argv: list[str] | None = None) -> int:
    try:
        from_stdin, command, positional = parse(sys.argv[1:] if argv is None else argv)
        if from_stdin:
            command = read_script(sys.stdin.fileno())
    except Usage as error:
        sys.stderr.write(f"gatekeep-sh: {error}\n{USAGE}")
        return 2
    assert command is not None
    return run(with_positional(command, positional))


def run(command: str) -> int:
    """Judge and run ``command`` as ``gatekeep run -c`` does, stored decisions first."""
    from gatekeep.runtime import fastpath

    status = fastpath.run(command, None, None)
    if status is not None:
        return status
    from gatekeep.commands.run import main as run_main
    from gatekeep.core.inputs import Request

    return run_main(Request(command, None))


if __name__ == "__main__":
    sys.exit(main())
