"""The parts of a git repository that make a later git run code, found from its work tree.

A later git outside the box (the operator's, an editor's) runs what these name: hooks,
``core.fsmonitor`` and filters in a config, a ``commondir`` or a ``.git`` file pointing
at another git dir that holds both. The box keeps them read-only. Only the standard
library: this runs on every boxed run.
"""

from __future__ import annotations

import os

# In a git dir, the files and directories that hold settings or hooks (not data: objects,
# refs, the index and HEAD stay writable, or nothing could be committed).
SETTINGS = ("config", "config.worktree", "hooks", "info", "commondir")
# Under modules/ (submodules' git dirs) only what leads to code; the rest is their data.
_DATA_DIRS = frozenset(("objects", "refs", "logs", "lfs"))
# compiled when a config has a line it may match (re keeps it), not whenever the boundary loads
_KEY_VALUE = r"\s*(?:\[.*\]\s*)?{key}\s*=(.*)"  # the value: all after the =
_KEY_VALUE_SHORT = r"\s*(?:\[.*?\]\s*)?{key}\s*=(.*)"  # after the first ] that fits
_INCLUDES = frozenset(("include", "includeif"))  # sections whose ``path`` git reads as config


def protected(tree: str, home: str) -> tuple[list[str], list[str]]:
    """(paths to keep read-only, paths that must not appear) for the repository at ``tree``."""
    dot = os.path.join(tree, ".git")
    if os.path.isdir(dot):
        guarded: list[str] = []
        git_dir = dot
    elif os.path.isfile(dot):
        guarded, git_dir = [dot], _pointed(dot, "gitdir:", tree)
    else:
        return [], []
    common = _pointed(os.path.join(git_dir, "commondir"), "", git_dir) \
        if os.path.isfile(os.path.join(git_dir, "commondir")) else git_dir
    absent = [] if common != git_dir else [os.path.join(git_dir, "commondir")]
    for directory in dict.fromkeys((git_dir, common)):
        guarded += [os.path.join(directory, name) for name in SETTINGS]
        guarded += _submodules(os.path.join(directory, "modules"))
        guarded += _worktrees(os.path.join(directory, "worktrees"))
        configs = _configs(os.path.join(directory, "config"), home)
        for included in list(configs)[1:]:  # git reads them as the config: code, too
            (guarded if os.path.lexists(included) else absent).append(included)
        for text in filter(None, configs.values()):
            guarded += [_under(tree, value, home) for value in _values_of(text, "hookspath")]
    return guarded, absent


def _pointed(path: str, prefix: str, base: str) -> str:
    """The directory a ``.git`` file (``gitdir: X``) or a ``commondir`` file names, relative
    to ``base``; ``base`` itself when the file cannot be read or names nothing."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096).strip()
    except OSError:
        return base
    if not text.startswith(prefix) or not text[len(prefix):].strip():
        return base
    return os.path.normpath(os.path.join(base, text[len(prefix):].strip()))


def _submodules(modules: str) -> list[str]:
    """Every submodule git dir's config and hooks, nested ones included."""
    found: list[str] = []
    for directory, subdirs, files in os.walk(modules):
        subdirs[:] = [d for d in subdirs if d not in _DATA_DIRS and d != "hooks"]
        if "config" in files:
            found += [os.path.join(directory, "config"), os.path.join(directory, "hooks")]
    return found


def _worktrees(worktrees: str) -> list[str]:
    try:
        names = os.listdir(worktrees)
    except OSError:
        return []
    return [os.path.join(worktrees, name, file) for name in names
            for file in ("config", "config.worktree", "commondir", "gitdir")]


def _configs(config: str, home: str) -> dict[str, str | None]:
    """``config`` and every file it includes (``path`` in an ``include`` or ``includeIf``
    section, whatever the condition, relative to the file that names it), theirs too, 10
    deep as git reads them: each with its text, None for one that cannot be read (or is
    not there: a command could make it)."""
    found: dict[str, str | None] = {config: _text(config)}
    pending = [(config, 0)]
    while pending:
        current, depth = pending.pop()
        text = found[current]
        if text is None or depth >= 10:
            continue
        for value in _values_of(text, "path", _INCLUDES):
            included = _under(os.path.dirname(current), value, home)
            if included not in found:
                found[included] = _text(included)
                pending.append((included, depth + 1))
    return found


def _text(config: str) -> str | None:
    try:
        with open(config, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read(1 << 20)  # its line ends as they are: git ends a line at LF
    except OSError:
        return None


def _under(base: str, value: str, home: str) -> str:
    return os.path.normpath(os.path.join(base, home + value[1:] if value.startswith("~")
                                         else value))


def _values_of(text: str, key: str, sections: frozenset[str] | None = None) -> list[str]:
    """Every value of ``key`` (lowercase; in any section, or only in ``sections``), by a line
    scan that reads more than git does, never less: the key after a section header on the
    same line too, its value read as text (stripped of blanks and outer quotes) and as git
    reads it (quotes, escapes, a comment after it, a line continued)."""
    values: list[str] = []
    section = ""
    for line in text.splitlines():
        section = _section(line, section)
        if _may_name_a_path(line) and (sections is None or section in sections):
            values += [match.strip().strip('"') for match in _key_values(line, key)]
    lines = [line.removesuffix("\r") for line in text.split("\n")]  # git's lines: LF, CR LF
    index, section = 0, ""
    while index < len(lines):
        line = lines[index]
        section = _section(line, section)
        matches = _key_values(line, key) if _may_name_a_path(line) and (
            sections is None or section in sections) else []
        index += 1
        after = index
        for match in matches:
            read, after = _git_value(match, lines, index)
            values += [read] if read else []
        index = after
    return list(dict.fromkeys(values))


def _section(line: str, current: str) -> str:
    """The section a header on ``line`` opens (its name, lowercase, up to a subsection or a
    dot), else ``current``."""
    header = line.lstrip(" \t")
    if not header.startswith("["):
        return current
    name = header[1:].lstrip(" \t")
    end = next((i for i, char in enumerate(name)
                if not (char.isascii() and (char.isalnum() or char == "-"))), len(name))
    return name[:end].lower()


def _key_values(line: str, key: str) -> list[str]:
    """What follows the ``=`` of a line that sets ``key``: after the shortest section
    header before it (as git reads one) and after the longest."""
    import re  # only for a line that may: most configs have none, and a run pays for ``re``

    found = [re.fullmatch(pattern.format(key=key), line, re.IGNORECASE)
             for pattern in (_KEY_VALUE, _KEY_VALUE_SHORT)]
    return list(dict.fromkeys(match.group(1) for match in found if match))


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "\\": "\\", '"': '"'}  # all git accepts


def _git_value(text: str, lines: list[str], index: int) -> tuple[str | None, int]:
    """The value as git's config reader takes it from ``text`` on, and the index of the
    first line after it. Blanks (space, tab, CR) outside quotes are dropped at either end
    and each kept as a space between words; ``"`` opens or closes a quoted part; a backslash
    escapes the next character (only those git accepts) and, at a line's end, continues the
    value on the next line; ``;`` or ``#`` outside quotes starts a comment. None where git
    rejects the line."""
    read: list[str] = []
    quoted = escaped = comment = False
    blanks = 0
    while True:
        for char in text:
            if escaped:
                escaped = False
                found = _ESCAPES.get(char)
                if found is None:
                    return None, index
                read.append(found)
            elif comment:
                continue
            elif char in " \t\r" and not quoted:
                blanks += 1 if read else 0
            elif char in ";#" and not quoted:
                comment = True
            else:
                read.extend(" " * blanks)
                blanks = 0
                if char == "\\":
                    escaped = True
                elif char == '"':
                    quoted = not quoted
                else:
                    read.append(char)
        if not escaped or index >= len(lines):  # the line (or the file) ends the value
            return (None if quoted else "".join(read)), index
        escaped = False  # a backslash at the end: the value goes on on the next line
        text, index = lines[index], index + 1


def _may_name_a_path(line: str) -> bool:
    """False only for a line that sets neither ``hooksPath`` nor ``path`` (``_KEY_VALUE``):
    one without ``=``, or without ``path`` in any case (of its letters only ``P``, ``A``,
    ``T`` and ``H`` match them ignoring case, in ``re`` as in ``str.lower``; ``hooks`` has
    letters that other characters match too, the Kelvin sign and the long s)."""
    return "=" in line and "path" in line.lower()
