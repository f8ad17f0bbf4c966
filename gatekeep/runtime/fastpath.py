"""``gatekeep run`` when a stored allow decision still holds: no parser, no policy load.

Imports only the standard library (``os``, ``signal``, ``time``, CPython's own SHA-256, and
``re`` and ``resource`` for the boundary). Anything unusual, a miss, or an
error returns None and the full path decides, so this can only ever run what the full
path allowed before under the very same files, environment and file-system answers (see
``gatekeep.runtime.decision_cache``).
"""

from __future__ import annotations

import os
import sys

from gatekeep.runtime import decision_cache, sysfs


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


def check_parts(args: list[str]) -> tuple[bool, tuple[str | None, tuple[str, ...] | None,
                                                  str | None]] | None:
    """``(as_json, (command, argv, policy))`` of ``check [--json] ...`` in a plain form."""
    as_json = args[:1] == ["--json"]
    parts = request_parts(args[1:] if as_json else args)
    return (as_json, parts) if parts is not None else None


def run(command: str | None, argv: tuple[str, ...] | None, policy: str | None,
        why: str | None = None) -> int | None:
    """Run a request whose allow decision is stored and still valid; None when there is none.
    ``why``, the agent's stated purpose, is logged with this run only."""
    env = os.environ
    try:
        cwd = os.getcwd()
        config, state = sysfs.user_dirs(env)
        path = env.get("PATH", os.defpath)
        sources = sysfs.policy_sources(config, cwd, policy, env.get("GATEKEEP_POLICY"))
        key = decision_cache.key(command=command, argv=argv, cwd=cwd, home=env.get("HOME", "/"),
                                 path=path, tmpdir=env.get("TMPDIR", ""), dirs=(config, state),
                                 sources=sources)
        required = decision_cache.required_files(sources, config)
        entry = decision_cache.reuse(state, key, path, required)
    except Exception:  # whatever went wrong, the full path decides
        return None
    if entry is None:
        return None
    from gatekeep.sandbox import plan

    try:  # the boundary travels with the decision; its paths are found afresh
        spec = plan.spec_from_fields(entry.fields)
        run_plan = plan.plan(spec, plan.where(env, cwd, (config, state), spec), create=True)
    except (OSError, ValueError):
        return None
    if run_plan.ask is not None:
        return None  # the full path asks the operator
    if why:  # the purpose is the agent's text: redacted as the stored command was
        import re

        from gatekeep.runtime import redaction

        redact = redaction.saved_redactor(state)
        if redact is None:
            return None  # the full path loads the patterns (and saves them for next time)
        try:
            why = redact(why)
        except re.error:  # compiled when saved, not now: the full path reads the files
            return None
    from gatekeep.runtime.allowed import judged_program, pinned, run_allowed

    # What runs is what the stored decision judged: the PATH answers it holds, just checked.
    resolved = {name: answer for kind, name, answer in entry.answers if kind == "which"}
    program = judged_program(argv, resolved.get)
    shell = pinned(command, entry.answers) if command is not None else None
    # None: the box did not start and nothing ran; the full path decides what happens
    from gatekeep.runtime.audit import with_why

    return run_allowed(shell, argv, program, env, os.path.join(state, "audit.jsonl"),
                       with_why(entry.fields, why), sys.stderr, plan=run_plan)
