"""A hook call for a command ``run`` or an earlier hook call already allowed, under the very
same files, environment and file-system answers: no parser, no policy load.

The decision store is shared with ``gatekeep run`` and holds ``run``'s audit fields; a
reused decision is logged with the hook's mode and the agent's stated purpose.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from gatekeep.runtime import decision_cache, sysfs

DEFAULT_PATH = "/usr/bin:/bin"  # the PATH the engine's resolver assumes when there is none


def key(command: str, cwd: str, env: Mapping[str, str]) -> tuple[str, str, str, list[str]]:
    """``(state dir, key, PATH, files the key's policies name)`` of ``command`` run from
    ``cwd`` with ``env``."""
    config, state = sysfs.user_dirs(env)
    path = env.get("PATH", DEFAULT_PATH)
    sources = sysfs.policy_sources(config, cwd, None, env.get("GATEKEEP_POLICY"))
    key = decision_cache.key(command=command, argv=None, cwd=cwd, home=env.get("HOME", "/"),
                             path=path, tmpdir=env.get("TMPDIR", ""), dirs=(config, state),
                             sources=sources)
    return state, key, path, decision_cache.required_files(sources, config)


def stored_allow(command: str, cwd: str, env: Mapping[str, str]) -> dict[str, object] | None:
    """The audit entry of a still-valid stored allow decision for this call, or None."""
    try:
        state, cache_key, path, required = key(command, cwd, env)
        fields = decision_cache.lookup(state, cache_key, path, required)
        entry = json.loads(fields + "}") if fields is not None else None
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("decision") != "allow" \
            or entry.get("command") != command or entry.get("cwd") != cwd:
        return None
    return entry


def hook_fields(entry: dict[str, object], agent: str, why: str | None,
                env: Mapping[str, str]) -> str:
    """A stored entry (redacted when it was stored) as this hook call's audit fields (a JSON
    object without its brace), with the agent's purpose, redacted."""
    entry = {**entry, "mode": f"hook:{agent}"}
    if why:
        entry["why"] = _redacted(why, env)
    return json.dumps(entry, ensure_ascii=True, sort_keys=True)[:-1]


def _redacted(text: str, env: Mapping[str, str]) -> str:
    """``text`` redacted with the patterns the full path saved, which compile only where the
    text could match; else with the pattern files' (read through their own cache)."""
    import re

    from gatekeep.runtime import redaction

    config, state = sysfs.user_dirs(env)
    redact = redaction.saved_redactor(state)
    try:
        if redact is not None:
            return redact(text)
    except re.error:
        pass
    from gatekeep.policy.redact import redactor

    return redactor(config, state_dir=state)(text)


def audit_log(env: Mapping[str, str]) -> str:
    return os.path.join(sysfs.user_dirs(env)[1], "audit.jsonl")
