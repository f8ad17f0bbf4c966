"""A spec applied to this working directory and file system: which paths the box binds how.

Only the standard library is used: the fast path computes this on every boxed run,
so files created since the decision was stored (a new ``.env``) are covered too.
"""

from __future__ import annotations

import os
import stat

from gatekeep.sandbox import (
    credentials,
    gitdirs,
    gitindex,
    gitinodes,
    gitrefs,
    settings,
    system,
    values,
)
from gatekeep.sandbox.names import NameGlobs, PathGlobs
from gatekeep.sandbox.places import TEMP_DIRS, under_any, written
from gatekeep.sandbox.places import within as _within
from gatekeep.sandbox.records import NamedTuple
from gatekeep.sandbox.spec import Limits, Spec

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

# Never writable inside the box, wherever the tree or home is writable: where agents and
# tools keep settings that run code later (hooks, MCP servers, editor tasks), and
# gatekeep's own project policy. Checked in the working tree and in the home directory.
AGENT_FILES = (".git/hooks", ".git/config", ".claude", ".codex", ".gemini", ".cursor",
               ".vscode", ".mcp.json", ".gatekeep.yaml", ".gatekeep",
               ".aider.conf.yml", ".aider.model.settings.yml", ".aider.model.metadata.json",
               ".continuerc.json", ".openhands", ".continue", ".windsurf", "opencode.json",
               "opencode.jsonc",
               ".opencode", "crush.json", ".crush.json", ".qwen", ".kiro", ".roo", ".amazonq",
               ".roomodes", ".kilocode", ".kilocodemodes", ".junie", ".zed", ".devcontainer",
               ".factory", ".clinerules",
               ".augment", ".amp", ".goose", ".github/hooks", ".pre-commit-config.yml",
               # git hook runners: what the next `git commit` runs, outside the box
               ".pre-commit-config.yaml", ".husky", ".lefthook", ".lefthook-local",
               # other version control systems' settings, and what mise and direnv obey by
               # path (default.yaml's protect.write says why)
               ".hg/hgrc", ".hg/hgrc-not-shared", ".hg/sharedpath", ".jj/repo/config.toml",
               "mise.toml", ".mise.toml", "mise.local.toml", ".mise.local.toml", ".mise",
               "mise", ".config/mise.toml", ".config/mise", ".rtx.toml", ".rtx.local.toml",
               ".miserc.toml", ".config/miserc.toml", ".envrc.local",
               *(f"{where}{name}.{kind}" for where in ("", ".", ".config/")
                 for name in ("lefthook", "lefthook-local")
                 for kind in ("yml", "yaml", "toml", "json", "jsonc")))
# Settings of agents started in its directory that are protected secrets as well (hidden in
# the box when there): aider takes every option from AIDER_* lines in .env (yes-always, a
# lint or test command it runs), Gemini CLI its variables.
AGENT_ENV = (".env",)
# The names of those one name long: a new one anywhere in the tree is held after a run (an
# agent started in that directory reads it, mise in a directory of its own reads mise/; the
# nearest .gatekeep.yaml is the project's policy)
AGENT_NAMES = frozenset(name for name in AGENT_FILES if "/" not in name).union(AGENT_ENV)
# And names by how they start and end, held the same way: what mise and direnv read for an
# environment chosen when they run (mise.dev.toml, .config/mise.ci.toml, .envrc.prod)
AGENT_AFFIXES = (("mise.", ".toml"), (".mise.", ".toml"), (".rtx.", ".toml"), (".envrc.", ""))
_STARTS = tuple(start for start, _ in AGENT_AFFIXES)


def agent_named(name: str) -> bool:
    """Whether a file or directory of this name anywhere in the tree is agents' or tools'
    settings (AGENT_NAMES, AGENT_AFFIXES). Asked of every entry of the tree, twice a run."""
    return name in AGENT_NAMES or (name.startswith(_STARTS) and any(
        name.startswith(start) and name.endswith(end) for start, end in AGENT_AFFIXES))

# The box mounts its own /proc (its own processes only) and a minimal /dev: nothing under
# them is bound from the host, so nothing there is bound over either.
OWN_MOUNTS = ("/proc", "/dev", "/sys")
# Where programs keep Unix sockets that reach a process outside the box: a socket with a
# path connects even under a read-only mount, and --unshare-net does not cover it (tmux
# takes keystrokes through its socket, ssh-agent signs, D-Bus and docker start processes;
# Emacs's server evaluates Lisp and Neovim's runs commands, where no runtime dir is set;
# Chromium's singleton takes a command line; PulseAudio's plays and records).
# Directories with these names in a temp dir, and socket files directly in one, are hidden.
SOCKET_DIRS = ("tmux-*", "ssh-*", ".X11-unix", ".ICE-unix")
# Names other directories share (a build of Emacs in /tmp/emacs-29.4): one is hidden when a
# socket is in it or in a directory in it (Neovim's /tmp/nvim.USER/XXXXXX/nvim.PID.0).
SOCKET_HOLDERS = ("emacs*", "nvim*", ".com.google.Chrome.*", ".org.chromium.Chromium.*",
                  "pulse-*")
_HOLDER_ENTRIES = 256  # entries read of each such directory: a socket's is a small one
SOCKET_FILES = ("/run/docker.sock", "/var/run/docker.sock")
# The system's places, as trees a box would write. What runs as root or as a service reads
# them (dpkg's maintainer scripts in /var/lib/dpkg, a crontab, every account's home under
# /home): a tree there is asked about. The agent picks the directory a command starts in.
SYSTEM_TREES = ("/usr", "/etc", "/boot", "/sys", "/proc", "/dev", "/bin", "/sbin", "/lib",
                "/lib32", "/lib64", "/libx32", "/snap", "/nix", "/gnu")  # and all below
SYSTEM_STATE = ("/var", "/run")     # and below, but a git work tree (/var/www/site)
SYSTEM_PARENTS = ("/home", "/opt", "/srv", "/mnt", "/media")  # themselves: what lies in them
# Accounts' homes: /root, and each directory in /home. Another account's home, or a hidden
# directory of it, is a system place to a tree (its owner's shell and tools read it).
ACCOUNT_HOMES = ("/root", "/home")
# How many directory entries of the working tree are looked at for protected names; a tree
# with more is not boxed silently (a protected file past the limit would not be hidden).
SCAN_LIMIT = 100_000
UNLISTED = ("the working tree cannot be listed: protected files in it would not be hidden "
            "by the box")


GIT_UNREAD = "the repository's git settings cannot be read for the box: "
# A program git's settings name (core.sshCommand, a credential helper) in a place a box
# writes: with the network and the kept tokens, a version the agent wrote would run.
GIT_RUNS = "git's settings run a file a box writes, and this box has the network: "
# What git_absent holds besides included configs: a git dir's own settings and the .git
# of a gitlink (not there in most repositories; protect.write names commondir)
_NOT_INCLUDES = frozenset((*gitdirs.SETTINGS, ".git"))
# A config git would read that is not there, where a box writes: a part of the command
# could make it first (the run removes it only after).
GIT_MAKES = "git would read settings from a file this command could make first, with the network: "
KEPT_TREE = "the working tree lies in "


class Where(NamedTuple):
    """The run's place: working directory, home, temp dirs, gatekeep's own dirs."""

    cwd: str
    home: str
    temp_dirs: tuple[str, ...]
    own_dirs: tuple[str, ...]
    not_scanned: tuple[str, ...] = ()
    runtime_dirs: tuple[str, ...] = ()  # $XDG_RUNTIME_DIR, /run/user/UID: hidden wholesale
    scan_limit: int = SCAN_LIMIT
    separate_root: str = ""             # where the box keeps its own copies of caches
    tools: tuple[str, ...] = ()         # the run's PATH directories and XDG directories
    settings: tuple[str, ...] = ()      # (its settings): not trees to write (_kept_tree)
    run_dirs: tuple[str, ...] = ()      # the system's run dirs: covered, what is needed put
    etc: str = ""                       # back (the files the links here lead to: system.py)
    git_configs: tuple[str, ...] = ()   # the operator's global and system git configs


class Boundary(NamedTuple):
    tree: str
    writable: tuple[str, ...]       # bound writable (real paths, parents first)
    anchors: tuple[str, ...]        # bound onto themselves so they cannot be renamed away
    readonly: tuple[str, ...]       # bound read-only on top of a writable place
    hidden_dirs: tuple[str, ...]    # an empty read-only directory instead
    hidden_files: tuple[str, ...]   # an empty read-only file instead
    network: bool
    everything_writable: bool
    limits: Limits
    notes: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()    # settings that cannot be bound: removed if the run makes them
    complete: bool = True           # False: the tree scan stopped at its limit
    linked: tuple[str, ...] = ()    # protected files with another hard link (writable there)
    home: str = ""                  # hidden: an empty read-only directory but for what is shown
    shown: tuple[str, ...] = ()     # in the hidden home: bound read-only (toolchains, settings)
    relinked: tuple[tuple[str, str, bool], ...] = ()  # (source, place, writable): a place in
                                    # the hidden home reached through a link, bound there
    separate: tuple[tuple[str, str], ...] = ()  # (source, place): the box's own copy of a
                                    # cache, bound writable at the cache's place ("": an
                                    # empty one, in a box with the network)
    links: tuple[tuple[str, str], ...] = ()  # (link, what it names): a link on the way to a
                                    # protected path, where the box writes: put back if changed
    parents: tuple[tuple[str, str], ...] = ()  # (directory, its real path) of each absent
                                    # path and link: touched after the run only if unchanged
    indexes: tuple[gitdirs.Index, ...] = ()  # a gitlink the run stages in one is held after it
    git_dirs: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (a .git/modules, its real
                                    # path, the git dirs there): one the run makes is held
    git_roots: tuple[str, ...] = ()  # real paths of the tree (first) and its git dirs when
                                    # planned: the clean-up moves nothing elsewhere
    repositories: tuple[str, ...] = ()  # the directories in the tree with a .git before the
                                    # run: a new one with settings that run code is held after
    bares: tuple[str, ...] = ()     # the bare repositories in the tree before the run
    passed: tuple[str, ...] = ()    # directories the scan did not look in (not_scanned)
    not_scanned: tuple[str, ...] = ()  # names the tree scans pass over
    scan_limit: int = SCAN_LIMIT
    planned: float = 0.0            # when (time.time()): state git changed since is the run's
    agents: tuple[str, ...] = ()    # entries named as agents' settings (AGENT_NAMES) before
    covered: tuple[str, ...] = ()   # the system's run dirs: an empty read-only directory but
                                    # for what is put back and the places the box writes there
    put_back: tuple[tuple[str, str], ...] = ()  # (path, link target): a link made again in a
                                    # covered dir; (path, ""): bound back read-only
    secrets: tuple[str, ...] = ()   # name parts of the secret variables the box's environment
                                    # goes without: offline, a value can only leak
    kept: tuple[str, ...] = ()      # of those, what a box with the network keeps for the
                                    # programs it is for (GH_TOKEN, npm_config_*; * all)
    own_temp: tuple[str, ...] = ()  # temp dirs the box has as its own empty ones (a box
                                    # with the network: _own_temp), not bound from outside
    stripped: tuple[str, ...] = ()  # settings files shown without their credentials
    notes_failed: tuple[str, ...] = ()  # what its programs go without in it: said after a
    notes_always: tuple[str, ...] = ()  # failed run, and after every run (Spec's)
    steady_path: bool = False       # PATH keeps only directories no box writes (Spec's)
    approved: bool = False          # the operator approved the command (Spec's)
    # the inode of each directory git finds objects and replace refs in, when the box was
    # planned: one the run replaced (a rename keeps its entries' change times) is checked
    # whole after it (gitinodes.inodes)
    git_inodes: tuple[tuple[str, int], ...] = ()
    # what each index recorded for the protected paths in its tree when the box was planned
    # (index, those paths, gitindex.marks): a changed entry is held after the run
    index_marks: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    # each repository's refs when the box was planned, with its protected paths: a ref the
    # run moved to a commit with other protected files is put back after it (gitrefs)
    git_refs: tuple[gitrefs.Refs, ...] = ()


def boundary(spec: Spec, where: Where) -> Boundary:
    """The box for ``spec`` here and now (reads the file system, changes nothing)."""
    import time

    planned = time.time()
    tree = work_tree(where.cwd)
    writable = box_writes(spec, where)
    roots = ["/"] if spec.everything_writable else writable
    notes: list[str] = []
    found_write, found_read, walked = _scan(tree, spec, where, notes)
    try:
        git_guarded, git_absent, indexes, git_dirs = _repositories(tree, walked, where.home)
    except OSError as error:  # what git reads is unknown (too large, not a file): asked
        git_guarded, git_absent, indexes, git_dirs = [], [], [], []
        notes.append(f"{GIT_UNREAD}{error}")
    agent = _agent_files(tree, where.home, where.cwd)
    try:
        operator_git, operator_absent = gitdirs.operator_settings(where.git_configs, where.home)
    except OSError as error:  # too large to read on every run: what git reads is unknown
        operator_git, operator_absent = [], []
        notes.append(f"{GIT_UNREAD}{error}")
    home = _hidden_home(spec, where.home, tree, writable)
    guarded = [*found_write, *walked.agents,  # agents' settings anywhere: kept as they are
               *_expand(spec.protect_write, where.home, anchored_only=True),
               *where.own_dirs, *agent, *git_guarded, *operator_git, *_installation(tree),
               *([] if home or spec.everything_writable else _kept(spec, where.home, tree))]
    protected = _existing(guarded)
    kept = _kept_tree(tree, protected, spec, where)
    if kept is not None:
        notes.append(f"{KEPT_TREE}{kept}")
    links = _links([*guarded, *git_absent], roots)
    readonly = [p for p in protected if under_any(p, roots)]
    hidden = _existing([*found_read, *_expand(spec.protect_read, where.home, anchored_only=True),
                        *_ways_out(where, tree)])
    hidden_dirs = _outermost([p for p in hidden if os.path.isdir(p)])
    hidden_files = [p for p in hidden if not os.path.isdir(p)
                    and not under_any(p, hidden_dirs)]
    readonly = [p for p in readonly if not under_any(p, hidden_dirs)]
    linked = _linked([*protected, *hidden_files], (tree, where.home))  # bound or not
    shown, relinked = _home_places(spec, where.home, home, [tree, *writable])
    stripped: list[str] = []
    if home:  # the operator's settings files without their credentials (settings.py)
        files = settings.places(spec, where.home, home, settings_root(where), [tree, *writable])
        files = [(s, p, c) for s, p, c in files if c is None or os.path.isfile(c)]
        relinked.extend((copy or source, place, False) for source, place, copy in files)
        stripped = [place for _, place, copy in files if copy is not None]
    if home:  # what lies in the hidden home is bound only where the box shows it
        places = [tree, *writable, *shown, *(place for _, place, _ in relinked)]
        bound = {place for _, place, _ in relinked}  # a file shown as it is bound
        readonly, hidden_dirs, hidden_files = (
            [p for p in _seen(_mirrored(paths, relinked), home, places) if p not in bound]
            for paths in (readonly, hidden_dirs, hidden_files))
        roots = [*roots, *(place for _, place, writes in relinked if writes)]
    separate = separate_places(spec, where, home, [tree, *writable])
    hidden_dirs = [*hidden_dirs, *_unkept(spec, where, home, separate, [tree, *writable])]
    if spec.network and not spec.everything_writable:
        # what another box left in the copy (node-gyp's headers, whose common.gypi runs
        # commands) would run here with the network and a token: an empty one of its own
        separate = [("", place) for _, place in separate]
    covered = system.covered(where.run_dirs)
    put_back = system.put_back(covered, where.etc, where.tools)
    inside = [tree, *writable, *(path for path, _ in put_back)]
    for directory in covered:  # under a cover, only what is put back or written is there
        readonly, hidden_dirs, hidden_files = (
            _seen(paths, directory, inside) for paths in (readonly, hidden_dirs, hidden_files))
    anchors = _anchors([*readonly, *hidden_dirs, *hidden_files, *([home] if home else [])],
                       roots)
    for directory in [*([home] if home else []), *covered]:
        anchors = _seen(anchors, directory, roots)  # only a writable place renames there
    own_temp = _own_temp(spec, where, tree, writable)
    for directory in own_temp:  # its own: a bind from outside would show what is there
        anchors = _seen(anchors, directory, [p for p in roots if p not in own_temp])
    if spec.network and spec.steady_path:
        box_writes_to = [place for place in [tree, *writable, *(place for _, place in separate),
                                             *(place for _, place, writes in relinked if writes)]
                         if place not in own_temp]  # its own temp dirs start empty
        kept_places = [*readonly, *hidden_dirs, *hidden_files]
        notes.extend(_programs_written([*operator_git, *git_guarded], where.cwd, where.home,
                                       box_writes_to, kept_places))
        notes.extend(_includes_made([p for p in [*git_absent, *operator_absent]  # includes:
                                     if os.path.basename(p) not in _NOT_INCLUDES],
                                    box_writes_to, kept_places))
    notes.extend(_missing_own(where.own_dirs, roots))
    notes.extend(f"{p} has another hard link: a write through it changes this protected file"
                 for p in linked)
    absent = _absent([*git_absent, *operator_absent, *agent], roots)
    in_indexes = _places(indexes, [*guarded, *git_absent])
    marks = _index_marks(in_indexes)
    parents = tuple((d, os.path.realpath(d)) for d in dict.fromkeys(
        os.path.dirname(p) for p in [*absent, *(link for link, _ in links)]))
    return Boundary(tree, tuple(_by_depth(writable)), tuple(_by_depth(anchors)),
                    tuple(_by_depth(readonly)), tuple(_by_depth(hidden_dirs)),
                    tuple(_by_depth(hidden_files)), spec.network, spec.everything_writable,
                    spec.limits, tuple(notes), absent,
                    not any(n.startswith(("the working tree has more than", UNLISTED,
                                          GIT_UNREAD))
                            for n in notes),
                    tuple(linked), home, tuple(_by_depth(shown)), tuple(relinked),
                    tuple(separate), links, parents, tuple(indexes), tuple(git_dirs),
                    _git_roots(tree, indexes, git_dirs), tuple(walked.dots),
                    tuple(walked.bares), tuple(walked.passed), tuple(where.not_scanned),
                    where.scan_limit, planned, tuple(walked.agents), tuple(covered),
                    tuple(put_back), spec.secrets,
                    _kept_secrets(spec.credentials, where, writable) if spec.network else (),
                    own_temp, tuple(stripped), spec.notes_failed, spec.notes_always,
                    spec.network and spec.steady_path, spec.approved,
                    gitinodes.inodes(_git_roots(tree, indexes, git_dirs)[1:]), marks,
                    _git_refs(in_indexes, marks))


def _places(indexes: list[gitdirs.Index], guarded: list[str]
            ) -> list[tuple[gitdirs.Index, tuple[str, ...]]]:
    """Each index with the protected paths in its tree (relative to it)."""
    found = []
    for index in indexes:
        real = index.real.rstrip("/") + "/"
        places = tuple(sorted({os.path.relpath(p, index.real) for p in (
            os.path.normpath(g) for g in guarded) if p.startswith(real)}))
        if places:
            found.append((index, places))
    return found


def _index_marks(places: list[tuple[gitdirs.Index, tuple[str, ...]]]
                 ) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """What each index records for the protected paths in its tree (``gitindex.marks``)."""
    found = []
    for index, paths in places:
        # and each linked worktree's index: the same paths, in its own checkout (red team 65)
        for path in [index.path, *_worktree_indexes(os.path.dirname(index.path))]:
            found.append((path, paths, gitindex.marks(path, paths, index.hash_size)))
    return tuple(dict.fromkeys(found))


def _git_refs(places: list[tuple[gitdirs.Index, tuple[str, ...]]],
              marks: tuple[tuple[str, tuple[str, ...], str], ...]) -> tuple[gitrefs.Refs, ...]:
    """Each repository's refs (its common git dir's), with its protected paths and the
    objects its index records for them, once per repository."""
    recorded = {path: text for path, _, text in marks}
    found: dict[str, gitrefs.Refs] = {}
    for index, paths in places:
        home = os.path.dirname(index.path)
        git = os.path.realpath(gitdirs.pointed(os.path.join(home, "commondir"), "", home))
        if git in found or not os.path.isdir(os.path.join(git, "refs")):
            continue
        staged = tuple(tuple(line.rsplit(" ", 3)) for line in  # name mode object flags
                       recorded.get(index.path, "").splitlines() if line.count(" ") >= 3)
        links = gitindex.marks(index.path, index.gitlinks, index.hash_size) \
            if index.gitlinks else ""
        found[git] = gitrefs.Refs(git, paths, staged, gitrefs.refs(git), gitrefs.logs(git),
                                  index.path, links, index.hash_size,
                                  gitrefs.lines(os.path.join(git, gitrefs.STASH_LOG)),
                                  gitrefs.shallow(git))
    return tuple(found.values())


def _worktree_indexes(git: str) -> list[str]:
    try:
        with os.scandir(os.path.join(git, "worktrees")) as entries:
            return [os.path.join(e.path, "index") for e in entries
                    if e.is_dir(follow_symlinks=False)
                    and os.path.isfile(os.path.join(e.path, "index"))]
    except OSError:
        return []


def _programs_written(configs: list[str], cwd: str, home: str, writes: list[str],
                      kept: list[str]) -> list[str]:
    """Why git in a box with the network for programs of none of the tree's would run a
    file a box writes: a program the operator's settings or the repository's name there
    (``core.sshCommand = tools/git-ssh``, ``credential.helper = !./ci/creds``), which the
    agent can change (``GIT_RUNS``; the run is asked). Each value is read as the command
    line sh runs from the tree's top (``values`` kind ``setting``), with ``$PWD``, ``$HOME``
    and the caller's variables put in; one with shell code left (``$(...)``) is asked
    about too."""
    top = work_tree(cwd)
    cwds = list(dict.fromkeys((cwd, top)))
    said = [place for place in writes if place not in TEMP_DIRS]
    shell = {**os.environ, "PWD": top, "HOME": home}
    found = []
    for config, key, value in gitdirs.programs(configs):
        line = values.expanded(value.lstrip("!"), shell, home)  # `!`: a helper's command line
        if values.unexpanded(line) or any(written(place, writes, kept) for place in [
                *values.mentioned(line, said), *values.value_places(line, cwds, "setting")]):
            found.append(f"{GIT_RUNS}{value} ({key} in {config})")
    return found


def _includes_made(absent: list[str], writes: list[str], kept: list[str]) -> list[str]:
    """The configs git would read that are not there, where a box writes: a part of the
    command could make one before its networked git reads it (``[include] path =
    ../.gitconfig``), and it is removed only after the run."""
    return [f"{GIT_MAKES}{path}" for path in absent if written(path, writes, kept)]


def _kept_secrets(kept: tuple[str, ...], where: Where, writable: Sequence[str]
                  ) -> tuple[str, ...]:
    """What a box with the network keeps of the secret variables (``credentials.kept``):
    a file in a place the box writes, or reached through a link into one, names nothing."""
    places = [*writable, *(os.path.realpath(w) for w in writable)]
    return credentials.kept(kept, where.home, where.git_configs,
                            lambda path: under_any(os.path.abspath(path), places)
                            or under_any(os.path.realpath(path), places))


def _repositories(tree: str, walked: gitdirs.Walked, home: str) -> gitdirs.Protected:
    """What the box keeps of the tree's repository and of each one found inside the tree,
    linked from an index or not (an untracked clone, a bare repository: still where the
    operator or an editor runs git)."""
    seen = gitdirs.Seen()
    kept = gitdirs.protected(tree, home, seen)
    inner = [gitdirs.protected(nested, home, seen) for nested in walked.dots if nested != tree]
    for found in [*inner, *(gitdirs.bare(git, home) for git in walked.bares)]:
        kept.add(found)
    return kept


def _git_roots(tree: str, indexes: list[gitdirs.Index],
               git_dirs: list[tuple[str, str, tuple[str, ...]]]) -> tuple[str, ...]:
    """The tree's real path, then those of its git dirs (with the common dirs they name),
    then of its ``.git/modules``: where the clean-up may move things. Only git dirs that
    are there now: a commondir may name one of them, never one the run makes."""
    homes = [os.path.dirname(i.path) for i in indexes if os.path.isdir(os.path.dirname(i.path))]
    commons = [gitdirs.pointed(os.path.join(home, "commondir"), "", home) for home in homes
               if os.path.isfile(os.path.join(home, "commondir"))]
    return tuple(dict.fromkeys([os.path.realpath(tree),
                                *(os.path.realpath(home) for home in [*homes, *commons]),
                                *(real for _, real, _ in git_dirs)]))


def _links(paths: list[str], roots: list[str]) -> tuple[tuple[str, str], ...]:
    """Each symbolic link on the way to a protected path (the path itself or a directory
    above it) in a place the box can write, with what it names. A bind covers what a link
    leads to, not the link: the box could put its own file or directory in its place
    (``.git/hooks`` as a link to hooks kept in the tree), so it is put back after the run."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for path in paths:
        while path not in seen and path != os.path.dirname(path):
            seen.add(path)
            if os.path.islink(path):
                parent, name = os.path.split(path)
                if under_any(os.path.join(os.path.realpath(parent), name), roots):
                    try:  # noqa: SIM105 - contextlib costs every boxed run its import
                        found[path] = os.readlink(path)
                    except OSError:
                        pass
            path = os.path.dirname(path)
    return tuple(sorted(found.items(), key=lambda link: len(link[0])))  # outer links first


def _unkept(spec: Spec, where: Where, hidden_home: str, separate: list[tuple[str, str]],
            writable: list[str]) -> list[str]:
    """The places of caches kept apart that got no copy but that the box writes (the tree
    is the home, and the copies would lie in it): an empty read-only directory instead, or
    the box would build the operator's real cache. Only one that exists: a bind needs it
    (one the box creates is not covered)."""
    if spec.everything_writable:
        return []
    bound = {place for _, place in separate}
    home = hidden_home or where.home
    places = (os.path.join(home, relative) for relative in _kept_apart(spec))
    return [p for p in places if p not in bound and os.path.isdir(p)
            and _box_writes(os.path.realpath(p), writable, hidden_home)]


def box_writes(spec: Spec, where: Where) -> list[str]:
    """The real paths of the places the box is given writable: the tree (first), the temp
    dirs, and the caches and paths ``spec`` names."""
    return _existing([work_tree(where.cwd), *where.temp_dirs,
                      *_expand(spec.writable, where.home)])


def settings_root(where: Where) -> str:
    """Where the copies of settings files without their credentials are kept: beside the
    caches kept apart, never bound writable into a box."""
    return os.path.join(os.path.dirname(where.separate_root), "box-settings") \
        if where.separate_root else ""


def separate_places(spec: Spec, where: Where, hidden_home: str = "",
                    writable: list[str] | None = None) -> list[tuple[str, str]]:
    """Each cache the box keeps apart: its copy under ``where.separate_root`` and its place in
    the home. Bound where the box can make the place (the hidden home is the box's own empty
    directory, a ``writable`` place makes it), or where the place exists; elsewhere the
    cache stays read-only. Not bound: a copy that leads out of the root through a link (it
    would make whatever it leads to writable in the box), or copies kept where the box
    writes (``XDG_CACHE_HOME`` in the tree or ``/tmp``): a box could swap one for a link
    between this check and the next box's start."""
    writable = writable or []
    real_root = os.path.realpath(where.separate_root)
    if not where.separate_root or spec.everything_writable \
            or _box_writes(real_root, writable, hidden_home):
        return []
    home = hidden_home or where.home
    out = []
    for relative, source in copies(spec, where.separate_root):
        if os.path.lexists(source) and not _within(os.path.realpath(source), real_root):
            continue
        place = os.path.join(home, relative)
        if hidden_home or os.path.isdir(place) or under_any(os.path.realpath(place), writable):
            out.append((source, place))
    return out


def _box_writes(path: str, writable: list[str], hidden_home: str) -> bool:
    """Whether ``path`` is in a place the box writes: in the hidden home, only the writable
    places inside it are (the home's empty tmpfs covers the rest, even inside ``/tmp``)."""
    if hidden_home and _within(path, hidden_home):
        return under_any(path, [w for w in writable if _within(w, hidden_home)])
    return under_any(path, writable)


def copies(spec: Spec, root: str) -> list[tuple[str, str]]:
    """``(place relative to the home, copy)`` of each cache kept apart: ``~/a`` is ``ROOT/a``."""
    return [(relative, os.path.join(root, relative)) for relative in _kept_apart(spec)] \
        if root else []


def _kept_apart(spec: Spec) -> list[str]:
    """The caches kept apart, relative to the home (``~/a/b`` is ``a/b``)."""
    named = (os.path.normpath(given[2:]) for given in spec.separate)
    return [relative for relative in named
            if relative != "." and not relative.startswith(("..", "/"))]


def _hidden_home(spec: Spec, home: str, tree: str, writable: list[str]) -> str:
    """The home directory, hidden in the box but for what it shows: secrets live there under
    names no policy lists (another project's ``.env``, a tool's token). Not hidden when the
    policy shows all of it (``~``), when it holds nothing but the tree (the tree is the home
    or inside the tree), or when an approval made it or the whole file system writable."""
    if "~" in spec.readable or spec.everything_writable or not home.startswith("/"):
        return ""
    real = os.path.realpath(home)
    if real == "/" or not os.path.isdir(real) or real in writable \
            or _within(real, os.path.realpath(tree)):
        return ""
    return real


def _kept(spec: Spec, home: str, tree: str) -> list[str]:
    """What the hidden home would show read-only (toolchains, settings, the shared download
    caches of an offline box), for a home the box does not hide: one that is the tree or
    lies in it. There the tree's code would write them, and the operator's next unboxed
    build runs what it left in ``~/.m2/repository``. One that holds the tree stays as it is."""
    real_tree = os.path.realpath(tree)
    return [p for p in _expand(tuple(r for r in spec.readable if r.startswith("~/")), home)
            if not _within(real_tree, os.path.realpath(p))]


def _home_places(spec: Spec, home: str, hidden: str, visible: list[str]
                 ) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """What the box shows of the hidden home (``readable``, real paths), and the places in it
    that a link leads elsewhere from (a cache or toolchain kept on another disk): each is
    bound at its place in the home, from where it leads."""
    if not hidden:
        return [], []
    shown: list[str] = []
    relinked: list[tuple[str, str, bool]] = []
    for writes, patterns in ((False, spec.readable), (True, spec.writable)):
        for given in _expand(tuple(p for p in patterns if p.startswith("~")), home):
            inside = given[len(home) + 1:] if given.startswith(home.rstrip("/") + "/") \
                else os.path.relpath(given, home)  # _expand put the home in front of ``~``
            place = os.path.normpath(os.path.join(hidden, inside))
            if not _within(place, hidden) or not os.path.exists(place):
                continue
            source = os.path.realpath(place)
            if source != place:
                relinked.append((source, place, writes))
            elif not writes and not under_any(place, [v for v in visible
                                                       if _within(v, hidden)]):
                shown.append(place)
    return shown, relinked


def _seen(paths: list[str], home: str, places: list[str]) -> list[str]:
    """Those outside the hidden ``home`` or inside a place in it that the box shows."""
    inner = [p for p in places if _within(p, home)]
    return [p for p in paths if not _within(p, home) or under_any(p, inner)]


def _mirrored(paths: list[str], relinked: list[tuple[str, str, bool]]) -> list[str]:
    """``paths``, and each that lies under a relinked place's source again at that place
    (a bind takes what is under its source, not what the box laid over it)."""
    out = list(paths)
    for source, place, _ in relinked:
        out.extend(place + p[len(source):] for p in paths if _within(p, source) and source != "/")
    return out


def _installation(tree: str) -> list[str]:
    """gatekeep's own code, the Python environment that runs it (its interpreter link, its
    site-packages with their ``.pth`` files) and its console scripts: rewritten from inside
    a box, they would run the agent's code, unjudged and unboxed, on gatekeep's next call.
    One that holds the working tree is left alone: a read-only bind of it would make the
    tree read-only too."""
    import sys

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    scripts = [os.path.join(os.path.dirname(script), name) for name in ("gatekeep", "gatekeep-sh")
               ] if os.path.basename(script).startswith("gatekeep") else []
    real_tree = os.path.realpath(tree)
    return [p for p in (sys.prefix, package, *scripts)
            if not _within(real_tree, os.path.realpath(p))]


def _kept_tree(tree: str, protected: Sequence[str], spec: Spec, where: Where) -> str | None:
    """What the tree lies in that a box must not write: a protected path (``~/.claude``,
    ``/usr``), a hidden directory of the home (``~/.local``, ``~/.config``, ``~/.cargo``:
    where the operator's tools and their settings live, or a link there to elsewhere), a
    tool's place the home shows or keeps apart (``~/go``, holding ``~/go/pkg/mod``), a
    directory named ``bin`` or below one, an XDG directory, a directory below one on the
    run's PATH, or the prefix of a PATH directory's ``bin`` or below it (``~/miniconda3``,
    ``/opt/conda/lib``) when it is no git work tree. Both the path as given and its real
    path count. The agent picks the directory a command starts in; without this, such a
    directory would be the box's writable tree."""
    real = os.path.realpath(tree)
    spellings = tuple(dict.fromkeys((os.path.abspath(tree), real)))
    place = _system_place(spellings, real, where)
    if place is not None:
        return place
    for path in protected:  # most lie in the tree (its files, its git settings): not above it
        if not (_within(path, tree) and path != tree) and _within(real, os.path.realpath(path)):
            return path
    home = where.home
    homes = tuple(dict.fromkeys((home, os.path.realpath(home)))) \
        if home.startswith("/") and home != "/" else ()
    for spelling in spellings:
        for own in homes:
            if spelling.startswith(own.rstrip("/") + "/"):
                first = spelling[len(own.rstrip("/")) + 1:].split("/", 1)[0]
                if first.startswith("."):
                    return os.path.join(home, first)
        if "bin" in spelling.split("/"):
            return spelling  # programs live in a bin directory (~/bin, /opt/tool/bin)
    for link in _dot_links(home) if homes else ():  # ~/.local on another disk
        if _within(real, os.path.realpath(link)):
            return link
    if any(_within(s, h) for s in spellings for h in homes):
        for place in _expand((*spec.readable, *spec.separate, *spec.writable), home):
            at = os.path.realpath(place)
            if _within(real, at) or _within(at, real):
                return place
    for place in where.settings:
        if any(_within(s, place) or _within(s, os.path.realpath(place)) for s in spellings):
            return place
    for tool in where.tools:
        at = os.path.realpath(tool)
        if at == "/" or any(_within(h, at) for h in homes):
            continue  # a PATH that names the home itself says nothing of a tool
        if any(_within(s, p) and s != p for s in spellings for p in (tool, at)):
            return tool  # the tree itself on PATH is the project's choice (its scripts)
        prefix = os.path.dirname(at)
        if os.path.basename(at) == "bin" and prefix != "/" \
                and not any(_within(h, prefix) for h in homes) \
                and any(_within(s, prefix) for s in spellings) \
                and not os.path.lexists(os.path.join(real, ".git")):
            return prefix  # ~/miniconda3, /opt/conda/lib (a project is a git work tree)
    return None


def _system_place(spellings: tuple[str, ...], real: str, where: Where) -> str | None:
    """The system's place a tree is or lies in (``in_system``), but a temp dir (written
    anyway), the operator's home, and a git work tree or temp dir in the system's state."""
    homes = {where.home, os.path.realpath(where.home)}
    if any(s in where.temp_dirs or s in homes for s in spellings):
        return None
    accounts: list[str] | None = None
    for spelling in spellings:
        place = in_system(spelling, homes)
        if place is None and not any(_within(spelling, h) for h in homes if h != "/"):
            accounts = _account_homes(homes) if accounts is None else accounts
            place = in_home(spelling, accounts)
        if place in SYSTEM_STATE and (under_any(spelling, where.temp_dirs)
                                      or os.path.lexists(os.path.join(real, ".git"))):
            continue
        if place is not None:
            return place
    return None


def in_system(path: str, homes: Collection[str]) -> str | None:
    """The system's place ``path`` is or lies in: ``/`` or a directory of others' places
    itself (SYSTEM_PARENTS), the system's trees and state, another account's home or a
    hidden directory of it (its shell's and tools' settings; ``homes`` are the operator's
    own, which the other rules judge)."""
    if path == "/" or path in SYSTEM_PARENTS:
        return path
    for place in SYSTEM_TREES:
        if _within(path, place):
            return place
    other = _other_home(path, homes)
    if other is not None:
        return other
    for place in SYSTEM_STATE:
        if _within(path, place):
            return place
    return None


def _other_home(path: str, homes: Collection[str]) -> str | None:
    """The account's home in ACCOUNT_HOMES that ``path`` is, or the hidden directory of it
    that ``path`` is or lies in, when that home is not one of ``homes``."""
    for parent in {p for a in ACCOUNT_HOMES for p in (a, os.path.realpath(a))}:
        if not path.startswith(parent.rstrip("/") + "/") and path != parent:
            continue
        home = parent
        if parent == "/home":  # a directory of homes, not one itself
            home = f"{parent}/{path[len(parent):].strip('/').split('/', 1)[0]}"
        if home in homes or any(_within(own, home) or _within(home, own) for own in homes):
            return None
        return in_home(path, [home])
    return None


def _account_homes(homes: Collection[str]) -> list[str]:
    """The homes of the account database's entries (``/srv/bob``), as given and resolved,
    but the operator's own and those in a system place (``/``, ``/var/mail``: asked about
    anyway). Read only for a tree outside the operator's home."""
    import pwd

    try:
        entries = pwd.getpwall()
    except OSError:
        return []
    elsewhere = tuple(f"{p}/" for p in (*SYSTEM_TREES, *SYSTEM_STATE, *ACCOUNT_HOMES))
    found = {p for e in entries if e.pw_dir.startswith("/") and e.pw_dir.rstrip("/")
             and not f"{e.pw_dir.rstrip('/')}/".startswith(elsewhere)  # in_system judges them
             for p in (e.pw_dir.rstrip("/"), os.path.realpath(e.pw_dir))}
    return sorted(h for h in found if h and h != "/" and h not in homes)


def in_home(path: str, homes: Collection[str]) -> str | None:
    """The home in ``homes`` that ``path`` is, or the hidden directory of it that ``path``
    is or lies in."""
    for home in homes:
        if path == home:
            return home
        if path.startswith(home + "/"):
            entry = path[len(home) + 1:].split("/", 1)[0]
            if entry.startswith("."):
                return f"{home}/{entry}"
    return None


def _dot_links(home: str) -> list[str]:
    """The home's hidden entries that are symbolic links (one directory read)."""
    try:
        with os.scandir(home) as entries:
            return [e.path for e in entries if e.name.startswith(".") and e.is_symlink()]
    except OSError:
        return []


def work_tree(cwd: str) -> str:
    """The enclosing git work tree of ``cwd`` (the directory holding ``.git``), else ``cwd``."""
    directory = cwd
    while True:
        if os.path.lexists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return cwd
        directory = parent


def _expand(patterns: tuple[str, ...], home: str, anchored_only: bool = False) -> list[str]:
    """The existing paths that ``~``- and ``/``-anchored globs name (``X/**`` names ``X``)."""
    found: list[str] = []
    for pattern in patterns:
        if not pattern.startswith(("/", "~")):
            if not anchored_only:
                found.append(pattern)
            continue
        text = home + pattern[1:] if pattern.startswith("~") else pattern
        text = text[:-3] if text.endswith("/**") else text.rstrip("/") or "/"
        if under_any(text, list(OWN_MOUNTS)):
            continue
        if not any(char in text for char in "*?["):
            found.append(text)
        else:
            found.extend(_glob_files(text))
    return found


def _glob_files(text: str) -> list[str]:
    """Paths matching ``text``; a wildcard in the last name only needs one directory read."""
    directory, name = os.path.split(text)
    if any(char in directory for char in "*?["):
        import glob

        return glob.glob(text, recursive=True)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    import re  # here, not at the top: a reused run's usual globs need no expression

    pattern = re.compile(_glob(name))
    return [os.path.join(directory, n) for n in names if pattern.fullmatch(n)]


def _scan(tree: str, spec: Spec, where: Where, notes: list[str]
          ) -> tuple[list[str], list[str], gitdirs.Walked]:
    """Entries of the working tree that the unanchored globs (``**/.env``) name, and the
    repositories inside it."""
    write = _matcher([p for p in spec.protect_write if not p.startswith(("/", "~", "!"))])
    read = _matcher([p for p in spec.protect_read if not p.startswith(("/", "~", "!"))])
    # ``!PATTERN``: a template beside the secrets (``.env.example``) stays readable
    kept = _matcher([p[1:] for p in spec.protect_read if p.startswith("!")
                     and not p.startswith(("!/", "!~"))])
    found_write: list[str] = []
    found_read: list[str] = []
    walked = gitdirs.Walked([], [], [], [])
    pending = [tree]
    seen = 0
    skip = frozenset(where.not_scanned)
    cut = len(tree.rstrip("/")) + 1
    while pending:
        directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            continue  # gone since its parent was read
        except OSError:
            # One that cannot be listed (``chmod 111 config``) still opens the names in it
            # that a box knows, and a box can make it listable again: hidden wholesale.
            if directory == tree:
                notes.append(UNLISTED)
                break
            found_read.append(directory)
            continue
        for entry in entries:
            seen += 1
            if _hit(read, entry, cut) and not _hit(kept, entry, cut):
                found_read.append(entry.path)
                walked.passed.append(entry.path)  # hidden: the box makes nothing in it
                continue
            if _hit(write, entry, cut):
                found_write.append(entry.path)
            if gitdirs.noted(walked, directory, entry, skip, agent_named):
                pending.append(entry.path)
        if seen > where.scan_limit:
            notes.append(f"the working tree has more than {where.scan_limit} entries: "
                         "protected files deeper in it would not be hidden by the box")
            break
    return found_write, found_read, walked


def _matcher(patterns: list[str]) -> tuple[NameGlobs | None, PathGlobs | None]:
    """The patterns that name an entry by its name alone, at any depth (``**/.env``,
    ``**/*.pem``, ``.claude/**``: a directory covers what is in it), matched against the name
    (``NameGlobs``: no regex for the usual ones); the rest against the path in the tree
    (``PathGlobs``: string tests for globs without a wildcard). Most entries of a tree are
    then ruled out by a few tests of a short name."""
    names: list[str] = []
    paths: list[str] = []
    for pattern in patterns:
        bare = pattern
        while bare.startswith("**/"):
            bare = bare[3:]
        bare = bare[:-3] if bare.endswith("/**") else bare
        if bare and "/" not in bare.rstrip("/") and "**" not in bare:
            names.append(bare.rstrip("/"))
        else:
            paths.append(pattern)
    return (NameGlobs(names, _glob) if names else None), \
        (PathGlobs(paths, _glob) if paths else None)


def _hit(matcher: tuple[NameGlobs | None, PathGlobs | None], entry: os.DirEntry[str],
         cut: int) -> bool:
    named, pathed = matcher
    return bool((named is not None and named.fullmatch(entry.name))
                or (pathed is not None and pathed.fullmatch(entry.path[cut:])))


def _ways_out(where: Where, tree: str) -> list[str]:
    """Hidden whatever the policy says: gatekeep's state dir, and the runtime dirs and sockets
    that reach processes outside the box (a directory holding the tree excepted: the box
    would hide its work)."""
    state = where.own_dirs[1:2]  # gatekeep's state: its cache key and audit log, wherever
    whole = [d for d in (*where.runtime_dirs, *state)
             if not _within(os.path.realpath(tree), os.path.realpath(d))]
    return [*whole, *_sockets(where.temp_dirs, tree), *SOCKET_FILES, *system.SERVICE_DIRS]


def _own_temp(spec: Spec, where: Where, tree: str, writable: list[str]) -> tuple[str, ...]:
    """The temp dirs a box with the network has as its own, empty: every other box writes
    them, so what it reads there could be what a box that ran the tree's code left (a
    package in yarn's fallback cache, ``$XDG_CACHE_HOME`` or ``$TMP`` in ``/tmp``), and its
    install would run that with the network and the registry's token. Not a temp dir that
    is the tree, or one an approval made writable (``spec.writable``: the box writes the
    real one); a place inside one (the tree in ``/tmp``) is bound into it as before."""
    if not spec.network or spec.everything_writable:
        return ()
    temps = {os.path.realpath(t) for t in where.temp_dirs}
    lifted = [os.path.realpath(p) for p in _expand(spec.writable, where.home)]
    real_tree = os.path.realpath(tree)
    return tuple(d for d in writable if d in temps and d != real_tree
                 and not under_any(d, lifted) and not _within(d, real_tree))


def _sockets(temp_dirs: tuple[str, ...], tree: str) -> list[str]:
    """What in the temp dirs leads to another process: socket directories and sockets."""
    names = NameGlobs(SOCKET_DIRS, _glob)
    holders = NameGlobs(SOCKET_HOLDERS, _glob)
    found: list[str] = []
    for directory in temp_dirs:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        found.extend(entry.path for entry in entries
                     if (names.fullmatch(entry.name) and entry.is_dir()) or _is_socket(entry)
                     or (holders.fullmatch(entry.name) and entry.is_dir()
                         and not _within(os.path.realpath(tree), os.path.realpath(entry.path))
                         and _holds_socket(entry.path, 2)))
    return found


def _holds_socket(directory: str, depth: int) -> bool:
    """Whether a socket is in ``directory`` or, ``depth`` deep, in a directory in it."""
    try:
        with os.scandir(directory) as listing:
            entries = [entry for _, entry in zip(range(_HOLDER_ENTRIES), listing,
                                                 strict=False)]
    except OSError:
        return False
    if any(_is_socket(entry) for entry in entries):
        return True
    return depth > 1 and any(entry.is_dir(follow_symlinks=False)
                             and _holds_socket(entry.path, depth - 1) for entry in entries)


def _is_socket(entry: os.DirEntry[str]) -> bool:
    if entry.is_dir(follow_symlinks=False) or entry.is_file(follow_symlinks=False):
        return False  # known from the directory read: no stat for most of /tmp
    try:
        return stat.S_ISSOCK(entry.stat().st_mode)  # a link to a socket connects too
    except OSError:
        return False


def _glob(text: str) -> str:
    """A protect glob as a regex: ``**/`` any directories, ``*`` and ``?`` within a name."""
    tail = ""
    if text.endswith("/**"):
        text, tail = text[:-3], "(?:/.*)?"
    import re

    out = []
    for part in re.split(r"(\*\*/|\*\*|\*|\?)", text.rstrip("/")):
        out.append({"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
            part, re.escape(part)))
    return "".join(out) + tail


def _agent_files(tree: str, home: str, cwd: str) -> list[str]:
    """The agent settings names at the tree's root, the home, and every directory from the
    command's own up to the tree: an agent started in a package of a monorepo reads its
    project settings there (``pkg/.claude``), not only at the repository's root."""
    bases = [tree, home]
    directory = cwd
    while _within(directory, tree) and directory != tree:
        bases.append(directory)
        directory = os.path.dirname(directory)
    return [os.path.join(base, name) for base in dict.fromkeys(bases) for name in AGENT_FILES]


def _linked(paths: list[str], places: tuple[str, str]) -> list[str]:
    """Protected files in the tree or home that another name writes too: a hard link made
    before the run, anywhere the box can write, is not covered by the bind."""
    found = []
    for path in paths:
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_nlink > 1 and under_any(path, list(places)):
            found.append(path)
    return found


def _absent(paths: list[str], roots: list[str]) -> tuple[str, ...]:
    """Those missing where the box can write: it could create them, and nothing binds them."""
    parents: dict[str, str] = {}  # most share a directory: the tree, the home, .git
    absent: dict[str, None] = {}
    for path in paths:
        if os.path.lexists(path):
            continue
        parent, name = os.path.split(path)
        if parent not in parents:
            parents[parent] = os.path.realpath(parent)
        # what realpath gives for a missing name: its directory's real path, and the name
        if under_any(os.path.join(parents[parent], name), roots):
            absent[path] = None
    return tuple(absent)


def _existing(paths: list[str]) -> list[str]:
    """Real paths of those that exist, each once (a box can only bind what is there)."""
    found: dict[str, None] = {}
    for path in paths:
        if not os.path.exists(path):  # most protected paths are absent: one stat each
            continue
        real = os.path.realpath(path)
        if not under_any(real, list(OWN_MOUNTS)):
            found[real] = None
    return list(found)


def _outermost(paths: list[str]) -> list[str]:
    return [p for p in paths if not any(q != p and _within(p, q) for q in paths)]


def _anchors(paths: list[str], roots: list[str]) -> list[str]:
    """Directories between a writable root and what is bound inside it: as mount points they
    cannot be renamed, so ``mv .git x; mkdir -p .git/hooks`` cannot step around a bind."""
    found: dict[str, None] = {}
    for path in paths:
        parent = os.path.dirname(path)
        while parent != "/" and not any(parent == r for r in roots) \
                and under_any(parent, roots):
            found[parent] = None
            parent = os.path.dirname(parent)
    return [p for p in found if p not in paths]


def _by_depth(paths: list[str]) -> list[str]:
    return sorted(dict.fromkeys(paths), key=lambda p: (p.count("/"), p))


def _missing_own(own_dirs: tuple[str, ...], roots: list[str]) -> list[str]:
    return [f"{d} does not exist yet: the box cannot keep it read-only"
            for d in own_dirs if not os.path.exists(d) and under_any(d, roots)]
