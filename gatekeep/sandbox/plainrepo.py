"""Whether a repository a boxed run made holds nothing that a later git would run.

``git init`` and ``git clone`` write a few settings and sample hooks; a repository with only
those runs nothing in the operator's git. Anything else (a key not in ``PLAIN``, a line
this strict reading does not know, a hook, an include, a ``commondir`` elsewhere,
submodules' git dirs) is taken as code, so such a repository is held. The regular
expressions load only when a run made one.
"""

from __future__ import annotations

import os
import re

from gatekeep.sandbox.gitdirs import Unreadable, pointed, regular
from gatekeep.sandbox.places import under_any

# Section -> the keys git init, git clone and git sparse-checkout write, and settings an
# agent sets in a new repository that name no program and no file (how to pull, line ends,
# a name to commit with). Any other key, however harmless, makes the repository held: this
# is a list of the known, not of the dangerous. Not a partial clone's (``--filter``): the
# operator's git status there would fetch from the URL the command chose, with the
# operator's network.
PLAIN = {
    "core": frozenset(("repositoryformatversion", "filemode", "bare", "logallrefupdates",
                       "ignorecase", "precomposeunicode", "symlinks", "autocrlf", "eol",
                       "safecrlf", "sparsecheckout", "sparsecheckoutcone", "quotepath")),
    "extensions": frozenset(("objectformat", "worktreeconfig")),
    "remote": frozenset(("url", "fetch", "mirror")),
    "branch": frozenset(("remote", "merge", "rebase")),
    "user": frozenset(("name", "email")),
    "submodule": frozenset(("url", "active")),
    "pull": frozenset(("rebase", "ff")),
    "push": frozenset(("default", "autosetupremote")),
    "fetch": frozenset(("prune",)),
    "init": frozenset(("defaultbranch",)),
    "commit": frozenset(("gpgsign",)),
    "index": frozenset(("sparse",)),
    "merge": frozenset(("conflictstyle",)),
    "rerere": frozenset(("enabled",)),
    "status": frozenset(("showuntrackedfiles",)),
    "diff": frozenset(("renames",)),
    "color": frozenset(("ui",)),
    "advice": frozenset(("detachedhead",)),
    "gc": frozenset(("auto",)),
}
_HEADER = re.compile(r'\[([A-Za-z0-9-]+)(?: "[^"\\\n]*")?\]')
_KEY = re.compile(r"([A-Za-z][A-Za-z0-9-]*)[ \t]*(?:=|$)")
_SETTING = re.compile(r'[A-Za-z][A-Za-z0-9-]* ?= ?[^\\"#;\n]*')
_MAX = 1 << 16  # bytes: git init writes about 100


def code_in(git: str, roots: tuple[str, ...], homes: tuple[str, ...],
            submodule: bool = False) -> str | None:
    """What in the repository whose git dir is ``git`` (or a ``.git`` file that names one)
    a later git could run, or None for nothing. A git dir outside ``roots`` (the tree and
    its git dirs and ``.git/modules``, real paths) counts: another boxed run, from another
    tree, could write it; so does a ``commondir`` naming anything but one of ``homes`` (the
    git dirs that were there before the run). A ``submodule``'s git dir may also name its
    work tree (``core.worktree``), as ``git submodule update`` writes it."""
    if not os.path.isdir(git) or os.path.islink(git):
        named = pointed(git, "gitdir: ", os.path.dirname(git))
        if named == os.path.dirname(git) or not os.path.isdir(named):
            return ".git is not a directory or a file that names one"
        git = named
    if not under_any(os.path.realpath(git), roots):
        return "git dir is outside the tree"
    if os.path.lexists(os.path.join(git, "commondir")) and \
            pointed(os.path.join(git, "commondir"), "", git) not in homes:
        return "git dir has a commondir other than the tree's own git dir"
    if os.path.lexists(os.path.join(git, "modules")):  # git submodule update would use them
        return "git dir has submodules"
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
        from gatekeep.text import visible

        return f"hooks directory holds {visible(sorted(found)[0])}"
    plain = {**PLAIN, "core": PLAIN["core"] | {"worktree"}} if submodule else PLAIN
    return _config(os.path.join(git, "config"), plain) or \
        _config(os.path.join(git, "config.worktree"), plain)


def _config(config: str, plain: dict[str, frozenset[str]]) -> str | None:
    """None when every line of ``config`` is a header or a setting ``PLAIN`` lists, written
    plainly (no quotes, escapes, comments or continued lines); else what is not."""
    try:
        data = regular(config, _MAX)
    except Unreadable:
        return "config is not a small file"
    if data is None:
        return "config is not a regular file" if os.path.lexists(config) else None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return "config is not plain text"
    if not all(char.isprintable() or char in "\t\n" for char in text):
        return "config has a control character"  # a NUL ends git's key, a CR its line
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
        if key and section is not None and key not in plain.get(section, ()):
            return f"config sets {section}.{key}"
        if section is None or not _SETTING.fullmatch(line):
            return "config has a line git init does not write"
    return None

