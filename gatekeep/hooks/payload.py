"""Reading one hook payload, trusting nothing in it.

Whatever is not exactly what the agent's protocol describes is a ``BadPayload``,
which the hook answers with the agent's blocking reply.
"""

from __future__ import annotations

import json
import os

from gatekeep.hooks.agents import Agent
from gatekeep.sandbox.records import NamedTuple  # not typing's: the hook imports little
from gatekeep.text import invisible_reason

MAX_PAYLOAD = 1 << 20  # bytes; agents send a few kilobytes


class BadPayload(Exception):
    """The payload cannot be judged; the message says why, for the agent's model."""


class Call(NamedTuple):
    """A shell command the agent is about to run."""

    command: str
    cwd: str
    why: str | None
    permission_mode: str | None
    tool_input: dict[str, object] | None = None  # as sent, for a rewritten allow
    session: str | None = None  # the agent's session id, when its payload names one


class OtherTool(NamedTuple):
    """A tool that is not a shell: gatekeep has no opinion on it."""

    tool: str


def read(data: bytes, agent: Agent) -> Call | OtherTool:
    if len(data) > MAX_PAYLOAD:
        raise BadPayload(f"the hook payload is larger than {MAX_PAYLOAD} bytes")
    try:
        payload = json.loads(data.decode("utf-8"), object_pairs_hook=_unique,
                             parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadPayload(f"the hook payload is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise BadPayload("the hook payload is not a JSON object")
    if agent.events:
        event = _string(payload, ("hook_event_name",))
        if event not in agent.events:
            raise BadPayload(f"unexpected hook event {event!r}; gatekeep answers "
                             f"{' and '.join(agent.events)} for {agent.name}")
    if agent.shell_tools:
        tool = _string(payload, ("tool_name",))
        if tool not in agent.shell_tools:
            return OtherTool(tool)
    command = _string(payload, agent.command_at)
    if not command.strip():
        raise BadPayload("the hook payload has an empty command")
    given = payload.get("tool_input")
    return Call(command, _run_dir(payload, _cwd(payload)), _optional(payload, agent.why_at),
                _optional(payload, ("permission_mode",)) if agent.name == "claude-code" else None,
                dict(given) if isinstance(given, dict) else None,
                _optional(payload, ("session_id",)))


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object without repeated keys: which of two values an agent uses is not known."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _at(payload: dict[str, object], path: tuple[str, ...]) -> object:
    value: object = payload
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise BadPayload(f"the hook payload has no {'.'.join(path)}")
        value = value[key]
    return value


def _string(payload: dict[str, object], path: tuple[str, ...]) -> str:
    value = _at(payload, path)
    if not isinstance(value, str):
        raise BadPayload(f"{'.'.join(path)} in the hook payload is not a string")
    for char in value:
        reason = invisible_reason(char)
        if reason is not None:
            raise BadPayload(f"{reason.replace('in the command', 'in')} "
                             f"{'.'.join(path)} of the hook payload")
    return value


def _optional(payload: dict[str, object], path: tuple[str, ...]) -> str | None:
    if not path:
        return None
    try:
        return _string(payload, path)
    except BadPayload:
        if _has(payload, path):
            raise
        return None


def _has(payload: dict[str, object], path: tuple[str, ...]) -> bool:
    try:
        _at(payload, path)
    except BadPayload:
        return False
    return True


def _cwd(payload: dict[str, object]) -> str:
    cwd = _string(payload, ("cwd",))
    if not os.path.isabs(cwd):
        raise BadPayload(f"the hook payload's cwd is not an absolute path: {cwd!r}")
    if not os.path.isdir(cwd):
        raise BadPayload(f"the hook payload's cwd is not a directory: {cwd!r}")
    # the directory itself, as `gatekeep run` started there sees it (os.getcwd()): a
    # `TREE/../OTHER` or a link in the tree is not the tree an approval was saved for
    return os.path.realpath(cwd)


# Fields of a tool call that move the command to another directory (Gemini CLI's
# ``dir_path``): the command is judged where it will run, never in the session's cwd.
DIRECTORY_FIELDS = ("dir_path", "directory", "workdir", "cwd", "working_directory")


def _run_dir(payload: dict[str, object], cwd: str) -> str:
    """The directory the command runs in: the session's cwd, or where a field moves it."""
    found = {os.path.realpath(os.path.join(cwd, _string(payload, ("tool_input", field))))
             for field in DIRECTORY_FIELDS if _has(payload, ("tool_input", field))}
    if not found:
        return cwd
    if len(found) > 1:
        raise BadPayload("the hook payload names more than one directory to run in")
    (directory,) = found
    if not os.path.isdir(directory):
        raise BadPayload(f"the directory the hook payload runs in is not one: {directory!r}")
    return directory
