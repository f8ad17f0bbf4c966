"""Whether a repository a boxed run made holds nothing that a later git would run.

``git init`` and ``git clone`` write a few settings and sample hooks; a repository with only
those runs nothing in the operator's git. Anything else (a key not in ``PLAIN``, a line
this strict reading does not know, a hook, an include, a ``commondir``, submodules or
gitlinks of its own) is taken as code,
so such a repository is held. The regular expressions load only when a run made one.
"""

from __future__ import annotations

import os
import re

from gatekeep.sandbox import gitindex

# Section -> the keys git init and git clone write (and a name and address to commit with);
# any other key, however harmless, makes the repository held: this is a list of the known.
PLAIN = {
    "core": frozenset(("repositoryformatversion", "filemode", "bare", "logallrefupdates",
                       "ignorecase", "precomposeunicode", "symlinks")),
    "extensions": frozenset(("objectformat",)),
    "remote": frozenset(("url", "fetch")),
    "branch": frozenset(("remote", "merge")),
    "user": frozenset(("name", "email")),
    "submodule": frozenset(("url", "active")),
}
_HEADER = re.compile(r'\[([A-Za-z0-9-]+)(?: "[^"\\\n]*")?\]')
_KEY = re.compile(r"([A-Za-z][A-Za-z0-9-]*)[ \t]*(?:=|$)")
_SETTING = re.compile(r'[A-Za-z][A-Za-z0-9-]* ?= ?[^\\"#;\n]*')
_MAX = 1 << 16  # bytes: git init writes about 100


def code_in(dot: str) -> str | None:
    """What in the repository at ``dot`` (a ``.git`` directory, or a file that names one)
    a later git could run, or None for nothing."""
    git: str | None = dot
    if not os.path.isdir(dot) or os.path.islink(dot):
        git = _named(dot)
    if git is None:
        return ".git is not a directory or a file that names one"
    for name in ("commondir", "config.worktree", "modules"):
        if os.path.lexists(os.path.join(git, name)):
            return f"git dir has a {name}"
    for size in (20, 32):  # git would enter them: what they hold is not looked at here
        try:
            if gitindex.gitlinks(os.path.join(git, "index"), size):
                return "index links other repositories"
        except gitindex.Unread:
            return "index cannot be read"
    hooks = os.path.join(git, "hooks")
    if os.path.islink(hooks):
        return "hooks directory is a link"
    try:
        found = [name for name in os.listdir(hooks) if not name.endswith(".sample")]
    except FileNotFoundError:
        found = []
    except OSError:
        return "hooks directory cannot be listed"
    if found:
        return f"hooks directory holds {sorted(found)[0]}"
    return _config(os.path.join(git, "config"))


def _named(dot: str) -> str | None:
    """The git dir a ``.git`` file names, when it is a directory."""
    try:
        with open(dot, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096).strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    git = os.path.normpath(os.path.join(os.path.dirname(dot), text[7:].strip()))
    return git if os.path.isdir(git) and not os.path.islink(git) else None


def _config(config: str) -> str | None:
    """None when every line of ``config`` is a header or a setting ``PLAIN`` lists, written
    plainly (no quotes, escapes, comments or continued lines); else what is not."""
    try:
        fd = os.open(config, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return "config cannot be read"
    with open(fd, "rb") as handle:
        if not os.path.isfile(config) or os.fstat(fd).st_size > _MAX:
            return "config is not a small file"
        data = handle.read(_MAX)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return "config is not plain text"
    section = None
    for line in text.split("\n"):
        line = line.strip(" \t")
        if not line:
            continue
        header = _HEADER.fullmatch(line)
        if header:
            section = header.group(1).lower()
            continue
        named = _KEY.match(line)
        key = named.group(1).lower() if named else ""
        if key and section is not None and key not in PLAIN.get(section, ()):
            return f"config sets {section}.{key}"
        if section is None or not _SETTING.fullmatch(line):
            return "config has a line git init does not write"
    return None

