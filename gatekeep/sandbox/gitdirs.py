"""The parts of a git repository that make a later git run code, found from its work tree.

A later git outside the box (the operator's, an editor's) runs what these name: hooks,
``core.fsmonitor`` and filters in a config, a ``commondir`` or a ``.git`` file pointing
at another git dir that holds both. The box keeps them read-only. Only the standard
library: this runs on every boxed run.
"""

from __future__ import annotations

import os
import stat

from gatekeep.sandbox import gitindex
from gatekeep.sandbox.records import NamedTuple

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    from collections.abc import Callable

# In a git dir, the files and directories that hold settings or hooks (not data: objects,
# refs, the index and HEAD stay writable, or nothing could be committed); `remotes` and
# `branches` name remotes the old way, whose URLs a later `git fetch NAME` reaches
# (red team 58)
SETTINGS = ("config", "config.worktree", "hooks", "info", "commondir", "remotes", "branches")
_READ_ONCE_THERE = ("config.worktree", "config", "hooks", "remotes", "branches")
_INCLUDES = frozenset(("include", "includeif"))  # sections whose ``path`` git reads as config
_CORE = frozenset(("core",))
_OBJECTS = frozenset(("extensions",))
_FILTER = frozenset(("filter",))
# The keys whose value git runs as a program (a command line; `credential.helper`'s with
# `!`), in the sections named: a networked box's git must not run one a box writes
# (``programs``; ``boundary.GIT_RUNS``).
PROGRAM_KEYS = (("core.sshCommand", "sshcommand", _CORE), ("core.askPass", "askpass", _CORE),
                ("core.gitProxy", "gitproxy", _CORE), ("core.fsmonitor", "fsmonitor", _CORE),
                ("credential.helper", "helper", frozenset(("credential",))),
                *((f"filter.*.{key}", key, _FILTER) for key in ("smudge", "clean", "process")),
                ("merge.*.driver", "driver", frozenset(("merge",))),
                ("gpg.program", "program", frozenset(("gpg",))),
                ("remote.*.uploadpack", "uploadpack", frozenset(("remote",))),
                ("remote.*.receivepack", "receivepack", frozenset(("remote",))))
MAX_CONFIG = 1 << 24  # bytes of a config read on every boxed run
MAX_REPOSITORIES = 1000  # git dirs (gitlinks', nested clones') read on every boxed run
MAX_MODULES = 10_000  # directories under a .git/modules looked at on every boxed run
MAX_GITLINKS = 10_000  # gitlinks with nothing checked out, each checked after every run


class Unreadable(OSError):
    """A git config that git would read but that is too large to read on every run, or
    repositories (gitlinks) that cannot all be read."""


class Index(NamedTuple):
    """An index as it was before a boxed run: a gitlink in it then is not new after it."""

    path: str
    tree: str                       # the work tree its names are relative to
    real: str                       # that tree's real path then
    stamp: tuple[int, int, int, int] | None  # None: read it again after the run whatever
    gitlinks: tuple[str, ...]
    hash_size: int = 20


class Seen:
    """The indexes read for one box: each once, and how many of them were there."""

    def __init__(self) -> None:
        self.paths: set[str] = set()
        self.there = 0
        self.trees: set[tuple[str, str]] = set()  # (git dir, work tree) kept already
        self.empty = 0  # gitlinks with no repository: a .git that must not appear each


class Protected(NamedTuple):
    guarded: list[str]              # kept read-only
    absent: list[str]               # must not appear
    indexes: list[Index]            # gitlinks staged in these during a run are held after it
    git_dirs: list[tuple[str, str, tuple[str, ...]]]  # (a .git/modules, its real path, the
                                    # git dirs in it): one a run makes there is held after it

    def add(self, other: Protected) -> None:
        """``other``'s entries after these (the lists grow in place)."""
        self.guarded.extend(other.guarded)
        self.absent.extend(other.absent)
        self.indexes.extend(other.indexes)
        self.git_dirs.extend(other.git_dirs)


def protected(tree: str, home: str, seen: Seen | None = None) -> Protected:
    """What the box keeps of the repository at ``tree``, and of each repository a gitlink
    in its index names (git runs git there): recursively, each git dir once (``seen``)."""
    dot = os.path.join(tree, ".git")
    if os.path.isdir(dot):
        guarded: list[str] = []
        git_dir = dot
    elif os.path.isfile(dot):
        guarded, git_dir = [dot], pointed(dot, "gitdir: ", tree)
    else:  # not a repository yet: one the run makes is read after it
        return Protected([], [], [Index(os.path.join(dot, "index"), tree,
                                        os.path.realpath(tree), None, ())], [])
    seen = Seen() if seen is None else seen
    if (os.path.realpath(git_dir), tree) in seen.trees:  # a submodule, with its tree: kept
        return Protected(guarded, [], [], [])
    common = pointed(os.path.join(git_dir, "commondir"), "", git_dir) \
        if os.path.isfile(os.path.join(git_dir, "commondir")) else git_dir
    absent = [] if common != git_dir else [os.path.join(git_dir, "commondir")]
    hooks: list[str] = []
    indexed = [(git_dir, tree, common)]  # each git dir with an index, its work tree, its config
    for directory in dict.fromkeys((git_dir, common)):
        guarded += [os.path.join(directory, name) for name in SETTINGS]
        # git reads these once they are there (the tree's own config and hooks are agents'
        # files: boundary.AGENT_FILES)
        absent += _missing(directory, _READ_ONCE_THERE)
        guarded += _worktrees(os.path.join(directory, "worktrees"))
        absent += _missing_worktree_configs(os.path.join(directory, "worktrees"))
        for git, trees in [(directory, [tree]), *_submodules(os.path.join(directory, "modules"),
                                                                tree)]:
            if git != directory:  # a submodule's git dir: its settings, as the main one's
                seen.trees.add((os.path.realpath(git), trees[1]))
                indexed.append((git, trees[1], git))
                guarded += [os.path.join(git, name) for name in SETTINGS]
                absent += _missing(git, ("commondir", *_READ_ONCE_THERE))
            kept, made, found = _read_settings(git, trees, home)
            guarded += kept
            absent += made
            hooks += found
    for path in dict.fromkeys(hooks):  # one not there yet: a command could make it
        (guarded if os.path.lexists(path) else absent).append(path)
    result = Protected(guarded, absent, [], [
        (modules, os.path.realpath(modules), tuple(made_in(modules)))
        for modules in dict.fromkeys(os.path.join(d, "modules") for d in (git_dir, common))])
    for git, work, settings in indexed:
        _gitlinked(git, work, settings, home, result, seen)
    return result


def _gitlinked(git: str, work: str, settings: str, home: str, found: Protected,
               seen: Seen) -> None:
    """Read ``git``'s index into ``found``, and each repository its gitlinks name: one in
    the tree is kept as the tree's own; a ``.git`` where there is none must not appear."""
    index = os.path.join(git, "index")
    real = os.path.realpath(index)
    if real in seen.paths:
        return
    seen.paths.add(real)
    seen.there += os.path.exists(index)
    if seen.there > MAX_REPOSITORIES:
        raise Unreadable(f"more than {MAX_REPOSITORIES} repositories are in or linked from the "
                         f"tree, {git} among them")
    stamp = gitindex.stamp(index)  # before reading it: a write since shows after the run
    config = _text(os.path.join(settings, "config")) or ""  # a sha256 repository's index
    size = 32 if "sha256" in [v.lower() for v in _values_of(config, "objectformat",
                                                              _OBJECTS)] else 20
    try:
        links = gitindex.gitlinks(index, size)
    except gitindex.Unread as error:
        raise Unreadable(str(error)) from error
    found.indexes.append(Index(index, work, os.path.realpath(work), stamp, links, size))
    for name in links:
        path = os.path.join(work, name)
        if not os.path.lexists(os.path.join(path, ".git")):
            seen.empty += 1
            if seen.empty > MAX_GITLINKS:
                raise Unreadable(f"more than {MAX_GITLINKS} gitlinks are in {index}")
            found.absent.append(os.path.join(path, ".git"))
            continue
        found.add(protected(path, home, seen))


def _missing(git: str, names: tuple[str, ...]) -> list[str]:
    return [os.path.join(git, name) for name in names
            if not os.path.lexists(os.path.join(git, name))]


def _read_settings(git: str, trees: list[str], home: str
                   ) -> tuple[list[str], list[str], list[str]]:
    """What a git dir's configs name: (files they include that are there, those that are
    not, the hooks directories), its ``core.hooksPath`` read from each of ``trees`` (the
    work trees its relative paths may be read from) and from its ``core.worktree``; and,
    for a submodule (``trees[1:]``), the ``.git`` in its tree: the superproject's git runs
    git there, which reads the git dir that file names."""
    roots = [os.path.join(git, "config"), os.path.join(git, "config.worktree")]
    configs = _configs(roots, home)
    included = sorted(configs.keys() - set(roots))  # read as the config: code, too
    texts = [text for text in configs.values() if text]
    trees = [*trees, *(path for text in texts for value in _values_of(text, "worktree", _CORE)
                       for path in _expanded(git, value, home))]
    hooks = [path for text in texts for value in _values_of(text, "hookspath")
             for base in trees for path in _expanded(base, value, home)]
    pointers = list(dict.fromkeys(os.path.join(sub, ".git") for sub in trees[1:]))
    there = [path for path in [*included, *pointers] if os.path.lexists(path)]
    return there, [path for path in [*included, *pointers] if path not in there], hooks


def operator_settings(roots: tuple[str, ...], home: str) -> tuple[list[str], list[str]]:
    """The operator's own git configs (global, XDG, system: ``roots``) and every file they
    include, each git run reads, boxed or not: (those that are there, those that are not).
    One in the tree (``~/.gitconfig`` including ``~/dotfiles/git/extra`` while the agent
    works in ``~/dotfiles``) would set ``core.sshCommand``, a credential helper or a proxy
    for every later git run; the box keeps them read-only, and one a run makes, removed."""
    configs = _configs(list(roots), home)
    return ([path for path in configs if os.path.lexists(path)],
            [path for path in configs if not os.path.lexists(path)])


def programs(configs: list[str]) -> list[tuple[str, str, str]]:
    """(config, key, value) for each program a config of ``configs`` names
    (``PROGRAM_KEYS``): the files that are not regular, or too large, are passed over."""
    found = []
    for config in configs:
        try:
            text = _text(config) if os.path.isfile(config) else None
        except OSError:
            continue  # too large: the box is asked about already (GIT_UNREAD)
        for name, key, sections in PROGRAM_KEYS if text else ():
            found += [(config, name, value) for value in _values_of(text or "", key, sections)]
    return found


def pointed(path: str, prefix: str, base: str) -> str:
    """The directory a ``.git`` file (``gitdir: X``) or a ``commondir`` file names, read as
    git reads it: the line ends at the file's end dropped, then up to a NUL, the text after
    ``prefix`` (blanks kept), relative to ``base``, resolved by the file system
    (``link/..`` is where the link leads, then up); ``base`` itself when the file is not
    one git would read."""
    try:
        data = regular(path, 1 << 16)  # a longer path is not one git could open
    except Unreadable:
        return base
    if data is None:
        return base
    text = os.fsdecode(data.rstrip(b"\r\n").split(b"\0", 1)[0])
    if not text.startswith(prefix) or not text[len(prefix):]:
        return base
    return os.path.realpath(os.path.join(base, text[len(prefix):]))


def _submodules(modules: str, tree: str) -> list[tuple[str, list[str]]]:
    """Every submodule git dir under ``modules`` (whatever its name), nested ones included,
    with the work trees its relative paths may be read from: this tree, and the submodule's
    path in it as git names its git dir (``modules/a/modules/b`` for ``a/b``; a name with a
    slash is directories under ``modules``). ``Unreadable`` past ``MAX_MODULES``
    directories: each is looked at on every boxed run."""
    found: list[tuple[str, list[str]]] = []
    pending = [(modules, "")]
    looked = 0
    while pending:
        directory, name = pending.pop()
        try:
            with os.scandir(directory) as entries:
                subdirs = [entry for entry in entries if entry.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for entry in subdirs:
            looked += 1
            if looked > MAX_MODULES:
                raise Unreadable(f"{modules} holds more than {MAX_MODULES} directories")
            sub = f"{name}/{entry.name}" if name else entry.name
            if is_git_dir(entry.path):  # its own submodules are in its modules/
                found.append((entry.path, [tree, os.path.join(tree, sub)]))
                pending.append((os.path.join(entry.path, "modules"), sub))
            else:
                pending.append((entry.path, sub))
    return found


def is_git_dir(path: str) -> bool:
    """Whether git could take ``path`` for a git dir (more often than git does: a ``HEAD``
    or a ``config`` in it)."""
    return any(os.path.lexists(os.path.join(path, name)) for name in ("HEAD", "config"))


def bare(git: str, home: str) -> Protected:
    """What the box keeps of a bare repository found in the tree: git takes the directory
    for a git dir when it runs there."""
    kept, made, hooks = _read_settings(git, [git], home)
    guarded = [*(os.path.join(git, name) for name in SETTINGS), *kept]
    absent = [*_missing(git, ("commondir", *_READ_ONCE_THERE)), *made]
    for path in dict.fromkeys(hooks):
        (guarded if os.path.lexists(path) else absent).append(path)
    return Protected(guarded, absent, [], [])


class Walked(NamedTuple):
    """What a walk of the tree found of repositories."""

    dots: list[str]                 # directories that hold a .git
    bares: list[str]                # directories git takes for a git dir (bare repositories)
    passed: list[str]               # directories not looked in: their name is skipped
    agents: list[str]               # entries whose name is ``named``'s (agents' settings)


def noted(walked: Walked, directory: str, entry: os.DirEntry[str], skip: frozenset[str],
          named: Callable[[str], bool] | None = None) -> bool:
    """Note what ``entry`` of ``directory`` tells of repositories, and whether ``named``
    takes its name for agents' settings; whether to look in it (a directory, not a
    ``.git``, its name not in ``skip``)."""
    name = entry.name
    if named is not None and named(name):
        walked.agents.append(entry.path)
    if name == ".git":
        walked.dots.append(directory)
        return False
    if name == "HEAD" and any(os.path.lexists(os.path.join(directory, part))
                              for part in ("objects", "refs", "commondir")):
        walked.bares.append(directory)  # more often than git's test (any kind of file)
    if not entry.is_dir(follow_symlinks=False):
        return False
    if name in skip:
        walked.passed.append(entry.path)
        return False
    return True


def repositories(tree: str, skip: frozenset[str], limit: int, passed: frozenset[str],
                 named: Callable[[str], bool] | None = None) -> tuple[Walked, bool]:
    """The repositories in ``tree`` (itself included), not looking in a ``.git`` or in the
    directories ``passed`` over before the run (their name in ``skip``, or hidden), but in
    one with a skipped name that is new since; and whether the walk saw the whole tree (at
    most ``limit`` entries)."""
    walked = Walked([], [], [], [])
    pending = [tree]
    seen = 0
    while pending:
        directory = pending.pop()
        try:
            entries = os.scandir(directory)
        except OSError:
            continue
        with entries:
            for entry in entries:
                seen += 1
                if entry.path in passed:
                    continue  # not looked in before the run either (skipped, or hidden)
                if noted(walked, directory, entry, skip, named) or (
                        entry.name in skip and entry.is_dir(follow_symlinks=False)):
                    pending.append(entry.path)  # a skipped name the run made is looked in
        if seen > limit:
            return walked, False
    return walked, True


def made_in(modules: str) -> list[str]:
    """The submodules' git dirs in a ``.git/modules``, nested ones included."""
    return [git for git, _ in _submodules(modules, "")]


def _worktrees(worktrees: str) -> list[str]:
    try:
        names = os.listdir(worktrees)
    except OSError:
        return []
    return [os.path.join(worktrees, name, file) for name in names
            for file in ("config", "config.worktree", "commondir", "gitdir")]


def _missing_worktree_configs(worktrees: str) -> list[str]:
    """Each linked worktree's ``config.worktree`` that is not there: git reads one once it
    is (with ``extensions.worktreeConfig``)."""
    paths = [path for path in _worktrees(worktrees) if path.endswith("config.worktree")]
    return [path for path in paths if not os.path.lexists(path)]


def _configs(roots: list[str], home: str) -> dict[str, str | None]:
    """The ``roots`` and every file they include (``path`` in an ``include`` or
    ``includeIf`` section, whatever the condition, relative to the file that names it),
    theirs too, 10 deep as git reads them: each with its text, None for one that cannot be
    read (or is not there: a command could make it)."""
    found: dict[str, str | None] = {root: _text(root) for root in roots}
    pending = [(root, 0) for root in roots]
    while pending:
        current, depth = pending.pop()
        text = found[current]
        if text is None or depth >= 10:
            continue
        for value in _values_of(text, "path", _INCLUDES):
            for included in _expanded(os.path.dirname(current), value, home):
                if included not in found:
                    found[included] = _text(included)
                    pending.append((included, depth + 1))
    return found


def _text(config: str) -> str | None:  # sysfs.contents's reading: runtime imports this layer
    """The whole file, its bytes kept (as ``os.fsdecode`` keeps a name's) and its line ends
    as they are: git reads bytes, and ends a line at LF. None for one that is not there or
    not a regular file (a FIFO would hold every later run); OSError for one too large to
    read on every run, which git would still read: ``Unreadable`` (the run is then asked)."""
    data = regular(config, MAX_CONFIG)
    return None if data is None else data.decode("utf-8", "surrogateescape")


def regular(path: str, limit: int, follow: bool = True) -> bytes | None:
    """The bytes of ``path``; None when it is not there or not a regular file (a FIFO would
    hold the run, a directory cannot be read), or, unless ``follow``, a link; ``Unreadable``
    past ``limit`` bytes."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > limit:
            raise Unreadable(f"{path} is larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, limit + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise Unreadable(f"{path} grew past {limit} bytes while it was read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _expanded(base: str, value: str, home: str) -> list[str]:
    """The path ``value`` names from ``base``: ``~`` is the home (and, for ``~user``, that
    user's home too)."""
    found = [home + value[1:] if value.startswith("~") else value]
    if value.startswith("~") and not value.startswith("~/"):
        found.append(os.path.expanduser(value))
    return [os.path.normpath(os.path.join(base, path)) for path in found]


def _values_of(text: str, key: str, sections: frozenset[str] | None = None) -> list[str]:
    """Every value of ``key`` (lowercase; in any section, or only in ``sections``), by a line
    scan that reads more than git does, never less: the key after a section header on the
    same line too, its value read as text (stripped of blanks and outer quotes) and as git
    reads it (quotes, escapes, a comment after it, a line continued); each up to a NUL, where
    git's value ends."""
    lowered = text.lower()
    if key not in lowered or (sections is not None and not any(s in lowered for s in sections)):
        return []  # most configs: no line to read (and a large one costs no scan)
    text = text.removeprefix("\ufeff")  # git skips a byte order mark
    values: list[str] = []
    section = ""
    for line in text.splitlines():
        section = _section(line, section)
        if sections is None or section in sections:
            values += [rest.strip().strip('"') for rest in _after_key(line, key)]
    lines = [line.removesuffix("\r") for line in text.split("\n")]  # git's lines: LF, CR LF
    index, section = 0, ""
    while index < len(lines):
        line = lines[index]
        section = _section(line, section)
        index += 1
        after = index
        if sections is None or section in sections:
            for rest in _after_key(line, key):
                read, after = _git_value(rest, lines, index)
                values += [read] if read else []
        if after == index and line.endswith("\\") and "=" in line:  # another key's value
            after = _git_value(line.split("=", 1)[1], lines, index)[1]  # goes on: no header
        index = after
    ends = (value.split("\0", 1)[0] for value in values)
    return [value for value in dict.fromkeys(ends) if value]


def _section(line: str, current: str) -> str:
    """The section a header on ``line`` opens (its name, lowercase, up to a subsection or a
    dot), else ``current``."""
    header = line.lstrip()
    if not header.startswith("["):
        return current
    name = header[1:].lstrip()
    end = next((i for i, char in enumerate(name)
                if not (char.isascii() and (char.isalnum() or char == "-"))), len(name))
    return name[:end].lower()


def _after_key(line: str, key: str) -> list[str]:
    """What follows the ``=`` of a line that sets ``key`` (git's keys ignore ASCII case), with
    no section header before it, or after the first ``]`` of one where the key follows (git's
    reading) and after the last (over-reading a subsection that holds ``]``)."""
    if "=" not in line or key[-4:] not in line.lower():
        return []
    body = line.lstrip()
    starts = [0]
    if body.startswith("["):
        ends = [at + 1 for at, char in enumerate(body) if char == "]"]
        fitting = [at for at in ends if _key_at(body, at, key) is not None]
        starts = fitting[:1] + fitting[-1:]
    found = [body[at:] for at in (_key_at(body, start, key) for start in starts)
             if at is not None]
    return list(dict.fromkeys(found))


def _key_at(body: str, start: int, key: str) -> int | None:
    """Where the value begins when ``key``, blanks and ``=`` follow ``start`` (and blanks
    before the key); None when they do not."""
    at = start
    while at < len(body) and body[at].isspace():
        at += 1
    if body[at:at + len(key)].lower() != key:
        return None
    at += len(key)
    while at < len(body) and body[at].isspace():
        at += 1
    return at + 1 if body[at:at + 1] == "=" else None


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
