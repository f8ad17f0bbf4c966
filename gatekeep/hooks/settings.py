"""Where each agent reads its hooks, and adding or removing exactly gatekeep's entry.

The edits are pure: settings in, settings out. Reading, backing up and writing the
file is ``gatekeep.commands.install``'s job.
"""

from __future__ import annotations

import copy
import os
import shlex
from collections.abc import Mapping
from typing import Any, NamedTuple


class Target(NamedTuple):
    agent: str
    user_file: str  # under HOME (Codex: under CODEX_HOME)
    project_file: str | None  # under the project directory; None: the agent reads none
    event: str
    matcher: str | None  # the tool matcher group; None: entries sit in the event's list


TARGETS = {
    "claude-code": Target("claude-code", ".claude/settings.json", ".claude/settings.json",
                          "PreToolUse", "Bash"),
    "codex": Target("codex", "hooks.json", None, "PreToolUse", "Bash"),
    "gemini-cli": Target("gemini-cli", ".gemini/settings.json", ".gemini/settings.json",
                         "BeforeTool", "run_shell_command"),
    "cursor": Target("cursor", ".cursor/hooks.json", ".cursor/hooks.json",
                     "beforeShellExecution", None),
}


class Unusable(Exception):
    """The settings do not have the shape the agent documents; gatekeep will not edit them."""


def settings_file(target: Target, env: Mapping[str, str], project: str | None) -> str:
    """The settings file to edit: the project's (``project`` given) or the user's."""
    if project is not None:
        assert target.project_file is not None
        return os.path.join(project, target.project_file)
    home = env.get("HOME") or os.path.expanduser("~")
    if target.agent == "codex":
        return os.path.join(env.get("CODEX_HOME") or os.path.join(home, ".codex"),
                            target.user_file)
    return os.path.join(home, target.user_file)


def hook_command(executable: str, agent: str) -> str:
    return f"{shlex.quote(executable)} hook {agent}"


def is_ours(entry: object, agent: str) -> bool:
    """Whether a hook entry runs ``gatekeep hook AGENT`` (from any install location)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str):
        return False
    try:
        words = shlex.split(entry["command"])
    except ValueError:
        return False
    return (len(words) == 3 and os.path.basename(words[0]) == "gatekeep"
            and words[1:] == ["hook", agent])


def install(settings: dict[str, Any], target: Target, command: str) -> dict[str, Any]:
    """``settings`` with gatekeep's entry (and no other gatekeep entry for this agent)."""
    settings = copy.deepcopy(uninstall(settings, target))  # edited in place below
    hooks = settings.setdefault("hooks", {})
    if target.agent == "cursor":
        settings.setdefault("version", 1)
        hooks.setdefault(target.event, []).append({"command": command})
    else:
        hooks.setdefault(target.event, []).append(
            {"matcher": target.matcher, "hooks": [{"type": "command", "command": command}]})
    return settings


def uninstall(settings: dict[str, Any], target: Target) -> dict[str, Any]:
    """``settings`` without gatekeep's entries for this agent; everything else as it was."""
    settings = dict(settings)
    hooks = settings.get("hooks", {})
    if not isinstance(hooks, dict):
        raise Unusable("'hooks' is not an object")
    groups = hooks.get(target.event, [])
    if not isinstance(groups, list):
        raise Unusable(f"'hooks.{target.event}' is not a list")
    kept = _without_ours(groups, target)
    if kept == groups:
        return settings
    hooks = dict(hooks)
    if kept:
        hooks[target.event] = kept
    else:
        del hooks[target.event]
    if hooks:
        settings["hooks"] = hooks
    else:
        del settings["hooks"]
    return settings


def _without_ours(groups: list[Any], target: Target) -> list[Any]:
    if target.matcher is None:
        return [entry for entry in groups if not is_ours(entry, target.agent)]
    kept = []
    for group in groups:
        inner = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(inner, list):
            kept.append(group)
            continue
        mine = [entry for entry in inner if is_ours(entry, target.agent)]
        if not mine:
            kept.append(group)
        elif len(mine) < len(inner):
            kept.append({**group, "hooks": [e for e in inner if e not in mine]})
    return kept
