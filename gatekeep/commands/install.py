"""``gatekeep install AGENT`` and ``gatekeep uninstall AGENT``: gatekeep's hook in an agent's
settings file, and nothing else changed.

A file that is not plain JSON (comments, a syntax error, an unexpected shape) is never
edited: the operator is told what to add by hand. Before any change the file is copied
to ``FILE.gatekeep-backup``; the new text replaces it in one rename.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gatekeep.exitcodes import ExitStatus
from gatekeep.hooks.settings import TARGETS, Target, Unusable, hook_command, settings_file
from gatekeep.hooks.settings import install as add_entry
from gatekeep.hooks.settings import uninstall as remove_entry

BACKUP_SUFFIX = ".gatekeep-backup"
CODEX_TRUST = (
    "Codex runs a new or changed hook only once it is trusted, and until then skips it "
    "silently: every command would run unjudged. Start `codex` once in a terminal and choose "
    "to trust the hook when it asks you to review hooks (automation that already vets its "
    "hooks can pass --dangerously-bypass-hook-trust to `codex exec`). Codex has no setting "
    "that marks a hook trusted in advance.\n")


def install(agent: str, *, project: str | None, env: Mapping[str, str], executable: str,
            stdout: TextIO, stderr: TextIO) -> int:
    target = _target(agent, project, stderr)
    if target is None:
        return ExitStatus.USAGE
    reason = unstartable(executable)
    if reason is not None:  # a hook the agent cannot start lets every command through
        stderr.write(f"gatekeep: not installed: {reason}\n")
        return ExitStatus.FAILED
    path = Path(settings_file(target, env, project))
    command = hook_command(executable, agent)
    status = _edit(path, lambda s: add_entry(s, target, command), target, stdout, stderr,
                   done=f"installed `{command}` as the {target.event} hook in {path}",
                   already=f"already installed in {path}")
    if status == ExitStatus.OK and agent == "codex":
        stdout.write(CODEX_TRUST)
    return status


def uninstall(agent: str, *, project: str | None, env: Mapping[str, str], stdout: TextIO,
              stderr: TextIO) -> int:
    target = _target(agent, project, stderr)
    if target is None:
        return ExitStatus.USAGE
    path = Path(settings_file(target, env, project))
    if not path.exists():
        stdout.write(f"gatekeep: not installed: {path} does not exist\n")
        return ExitStatus.OK
    return _edit(path, lambda s: remove_entry(s, target), target, stdout, stderr,
                 done=f"removed gatekeep's {target.event} hook from {path}",
                 already=f"not installed in {path}")


def _target(agent: str, project: str | None, stderr: TextIO) -> Target | None:
    target = TARGETS.get(agent)
    if target is None:
        stderr.write(f"gatekeep: unknown agent {agent!r}; choose one of "
                     f"{', '.join(TARGETS)}\n")
        return None
    if project is not None and target.project_file is None:
        stderr.write(f"gatekeep: {agent} reads hooks only from the user's settings; "
                     "leave out --project\n")
        return None
    return target


def _edit(path: Path, change: Any, target: Target, stdout: TextIO, stderr: TextIO, *,
          done: str, already: str) -> int:
    try:
        original = path.read_text(encoding="utf-8") if path.exists() else None
        settings = _parse(original)
        updated = change(settings)
    except (Unusable, ValueError, OSError) as error:
        stderr.write(f"gatekeep: will not edit {path}: {error}\n"
                     f"gatekeep: the file is unchanged; add or remove the hook by hand:\n"
                     f"{_snippet(target)}")
        return ExitStatus.FAILED
    if original is not None and updated == settings:
        stdout.write(f"gatekeep: {already}\n")
        return ExitStatus.OK
    text = json.dumps(updated, indent=_indent(original), ensure_ascii=False) + "\n"
    _write(path, original, text)
    backup = f" (the previous file is {path}{BACKUP_SUFFIX})" if original is not None else ""
    stdout.write(f"gatekeep: {done}{backup}\n")
    return ExitStatus.OK


def _parse(text: str | None) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        settings = json.loads(text)
    except ValueError as error:
        raise Unusable(f"it is not plain JSON ({error})") from None
    if not isinstance(settings, dict):
        raise Unusable("it does not hold a JSON object")
    return settings


def _indent(text: str | None) -> int | str:
    """The indentation the file already uses (two spaces for a new one)."""
    found = re.search(r"\n([ \t]+)\S", text or "")
    if found is None:
        return 2
    unit = found.group(1)
    return len(unit) if set(unit) == {" "} else unit


def _write(path: Path, original: str | None, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    real = Path(os.path.realpath(path))
    if original is not None:
        shutil.copy2(real, f"{path}{BACKUP_SUFFIX}")
    temporary = real.with_name(f".{real.name}.gatekeep-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    if original is not None:
        shutil.copymode(real, temporary)
    os.replace(temporary, real)


def _snippet(target: Target) -> str:
    command = hook_command(executable_path(), target.agent)
    entry: dict[str, Any] = {"command": command} if target.matcher is None else {
        "matcher": target.matcher, "hooks": [{"type": "command", "command": command}]}
    return json.dumps({"hooks": {target.event: [entry]}}, indent=2) + "\n"


def unstartable(executable: str) -> str | None:
    """Why an agent could not start ``executable`` as a hook; None when it answers
    ``version``.

    The kernel reads a script's interpreter from its first line, up to the first blank and
    within 255 bytes. pip writes the interpreter's path there as it is, so the commands of a
    gatekeep installed in an environment whose path has a blank, or is longer, cannot be
    started; an agent whose hook cannot be started runs every command unjudged."""
    import subprocess

    try:  # this gatekeep's own command (executable_path), never one named in a file
        done = subprocess.run([executable, "version"],  # noqa: S603
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        failure = getattr(error, "strerror", None) or str(error)
    else:
        if done.returncode == 0:
            return None
        failure = f"`{executable} version` exited {done.returncode}"
    if os.sep not in executable:  # found on PATH, if at all: no file of ours to show
        return f"{executable} cannot be started ({failure})"
    return (f"{executable} cannot be started ({failure}); its first line is "
            f"{_first_line(executable)!r}: the kernel reads the interpreter there up to the "
            "first blank and within 255 bytes, so install gatekeep into an environment "
            "whose path has no blank and is shorter (python -P -m gatekeep works from any)")


def _first_line(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.readline(512).rstrip(b"\n").decode("utf-8", "replace")
    except OSError as error:
        return f"unreadable: {error.strerror}"


def executable_path() -> str:
    """This gatekeep's console script, by absolute path."""
    script = Path(sys.argv[0])
    if script.name == "gatekeep" and script.is_file():
        return str(script.resolve())
    beside = Path(sys.executable).parent / "gatekeep"
    return str(beside) if beside.is_file() else "gatekeep"
