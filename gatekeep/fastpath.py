"""``gatekeep run`` when a stored allow decision still holds: no parser, no policy load.

Imports only ``os``, ``signal``, ``hashlib``, ``hmac`` and ``time`` (through the
modules it uses). Anything unusual, a miss, or an error returns None and the full
path decides, so this can only ever run what the full path allowed before under
the very same files, environment and file-system answers (see ``gatekeep.decisions``).
"""

from __future__ import annotations

import os
import sys

from gatekeep import decisions, sysfs


def request_parts(args: list[str]) -> tuple[str | None, tuple[str, ...] | None, str | None] | None:
    """``(command, argv, policy)`` of ``run [--policy P] (-c CMD | -- ARGV...)``, else None."""
    policy = None
    if len(args) >= 2 and args[0] in ("--policy", "-p"):
        policy, args = args[1], args[2:]
    if len(args) == 2 and args[0] in ("-c", "--command"):
        return args[1], None, policy
    if len(args) >= 2 and args[0] == "--":
        return None, tuple(args[1:]), policy
    return None


def run(command: str | None, argv: tuple[str, ...] | None, policy: str | None) -> int | None:
    """Run a request whose allow decision is stored and still valid; None when there is none."""
    env = os.environ
    try:
        cwd = os.getcwd()
        config, state = sysfs.user_dirs(env)
        path = env.get("PATH", os.defpath)
        sources = sysfs.policy_sources(config, cwd, policy, env.get("GATEKEEP_POLICY"))
        key = decisions.key(command=command, argv=argv, cwd=cwd, home=env.get("HOME", "/"),
                            path=path, tmpdir=env.get("TMPDIR", ""), dirs=(config, state),
                            sources=sources)
        entry = decisions.reuse(state, key, path, decisions.required_files(sources, config))
    except Exception:  # whatever went wrong, the full path decides
        return None
    if entry is None:
        return None
    from gatekeep.commands.run_allowed import judged_program, pinned, run_allowed

    # What runs is what the stored decision judged: the PATH answers it holds, just checked.
    resolved = {name: answer for kind, name, answer in entry.answers if kind == "which"}
    program = judged_program(argv, resolved.get)
    shell = pinned(command, entry.answers) if command is not None else None
    return run_allowed(shell, argv, program, env, os.path.join(state, "audit.jsonl"),
                       entry.fields, sys.stderr)
