"""After a boxed run: settings it created where nothing could be bound are removed, links
on the way to protected paths that it replaced are put back, and repositories it made or
staged that would run code in a later git are held.

A bind needs something there, so an agent's settings directory or a ``.git/commondir``
that did not exist before the run could be created by it, and would run code in a later
unboxed program. So would a repository the run made and staged in the index (a gitlink):
the next ``git status`` runs git there, with that repository's settings. Its ``.git`` is
moved aside, not removed: its history is the agent's work. Only the standard library: this
runs after every boxed run.
"""

from __future__ import annotations

import os

from gatekeep.sandbox import gitindex
from gatekeep.sandbox.gitdirs import Index, Unreadable, made_in, pointed, regular, repositories

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path imports this
if TYPE_CHECKING:
    from collections.abc import Callable

    from gatekeep.sandbox.boundary import Boundary

_BACK = "check its config and hooks before moving it back"
_FIRST = "check its config and hooks first"
_REBASE = "check its git-rebase-todo before moving it back"
_CHECK = "check it before moving it back"
_INDEX_HELD = ("git sees nothing staged until it is moved back: check what it stages first "
               "(GIT_INDEX_FILE=that-file git ls-files -s)")
# What each kind of path changes, for the warning: an agent's settings or a hook runner's
# (boundary.AGENT_FILES), else git's (a commondir, a hooks directory, an included config).
_AGENTS = "which changes what agents run"
_GIT = "which changes what git runs"


def remove_created(paths: tuple[str, ...], tree: str,
                   parents: tuple[tuple[str, str], ...] = (),
                   held: list[str] | None = None) -> list[str]:
    """Remove each of ``paths`` that exists now (a link itself, never what it points to);
    one warning line for each. Only where its directory is still the one planned
    (``parents``): a command that put a link in place of a directory above it would have
    gatekeep remove what that link leads to."""
    lines = []
    for path in paths:
        if not os.path.lexists(path):
            continue
        if _moved(path, parents):
            lines.append(_untouched(path, tree))
            continue
        if os.path.basename(path) == ".git":  # a repository where a gitlink is: held
            done = _hold(path, tree, (os.path.realpath(os.path.dirname(path)),), held=held)
        else:
            _remove(path)
            done = "could not remove it: remove it yourself before running git or an agent" \
                if os.path.lexists(path) else "removed"
        lines.append(f"gatekeep: warning: the command created {_shown(path, tree)}, "
                     f"{_changes(path)}; {done}\n")
    return lines


def restore_links(links: tuple[tuple[str, str], ...], tree: str,
                  parents: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """Put back each link (outer ones first) the command replaced or changed: what it put in
    its place is removed (a link itself, never what it points to); one warning line each.
    Only where its directory is still the one planned (``parents``), as in
    ``remove_created``."""
    lines = []
    for path, target in links:
        try:
            if os.readlink(path) == target:
                continue
        except OSError:  # not a link now, or gone
            pass
        if _moved(path, parents):
            lines.append(_untouched(path, tree))
            continue
        _remove(path)
        try:
            os.symlink(target, path)
            done = "put the link back"
        except OSError as error:
            done = (f"could not put the link back ({error.strerror}): restore it yourself "
                    "before running git or an agent")
        from gatekeep.text import visible

        lines.append(f"gatekeep: warning: the command replaced {_shown(path, tree)}, a link to "
                     f"{visible(target)}, {_changes(path)}; {done}\n")
    return lines


def hold_repositories(box: Boundary, held: list[str]) -> list[str]:
    """After a boxed run, each repository it made or staged that a later git would run code
    from is held: its ``.git`` (or a bare one's ``HEAD``, or an index that cannot be read)
    moved aside; one warning line each. Nothing outside the tree and the git dirs it had
    when the box was planned (``box.git_roots``) is moved. ``held``: what the clean-up
    moved aside (a held ``.git`` is a bare repository, not one the run made)."""
    roots = box.git_roots or (os.path.realpath(box.tree),)
    places = {real for _, real, _ in box.git_dirs}  # .git/modules: the box writes them
    homes = tuple(root for root in roots[1:] if root not in places)
    before = frozenset(box.repositories)  # the operator's, kept by the box
    return [*_hold_made(box.git_dirs, box.tree, roots, homes, held),
            *_hold_staged(box.indexes, box.tree, roots, held, before),
            *_hold_new(box, roots, homes, held)]


def hold_forged_entries(box: Boundary, held: list[str]) -> list[str]:
    """An index the run wrote whose entries for protected paths changed: one naming another
    object with git's assume-unchanged or skip-worktree bit set is not shown by ``git
    status``, and the operator's ``git reset --hard`` would write that object into the file
    the box kept read-only (red team 64). A legitimate run cannot change those files, so
    their entries stay as they were; the index is moved aside when they did not."""
    stamps = {index.path: index.stamp for index in box.indexes}
    lines = []
    for path, places, before in box.index_marks:
        stamp = stamps.get(path)
        if stamp is not None and gitindex.stamp(path) == stamp:
            continue  # the usual case: the run wrote no index
        after = gitindex.marks(path, places, _hash_size(box, path))
        if after == before != "?":
            continue
        if "?" in (before, after):  # what it records cannot be compared: git must not read it
            lines.append(f"gatekeep: warning: the command wrote {_shown(path, box.tree)}, "
                         "whose entries for protected files gatekeep cannot read (a split "
                         "index, or one cut short); "
                         f"{_hold(path, box.tree, box.git_roots, _INDEX_HELD, held)}\n")
            continue
        changed = sorted(set(after.splitlines()) ^ set(before.splitlines()))
        names = ", ".join(dict.fromkeys(line.split(" ")[0] for line in changed))
        lines.append(f"gatekeep: warning: the command changed what the index records for "
                     f"{_visible_text(names)}, protected: git would write it at the next "
                     f"checkout or reset; {_hold(path, box.tree, box.git_roots, _INDEX_HELD, held)}"
                     "\n")
    return lines


def _hash_size(box: Boundary, path: str) -> int:
    return next((index.hash_size for index in box.indexes if index.path == path), 20)


def hold_rebases(box: Boundary) -> list[str]:
    """A rebase, cherry-pick or revert in progress that the run started or changed, whose
    remaining steps run programs (``exec`` lines in its todo, a merge strategy of its
    choosing): the operator's ``git rebase --continue`` (``git cherry-pick --continue``),
    which ``git status`` suggests, would run them outside the box. Its state is moved aside;
    one the operator left before the run is not touched. Each git dir's linked worktrees
    are looked in too, a worktree the run added included."""
    lines = []
    for state in _sequencer_states(box.git_roots[1:]):
        code = _rebase_code(state, box.planned)
        if code is not None:
            lines.append(f"gatekeep: warning: the command left a "
                         f"{'rebase' if state.endswith('rebase-merge') else 'cherry-pick'} in "
                         f"progress ({_shown(state, box.tree)}) whose {code}: git would run it "
                         f"outside the box at --continue; "
                         f"{_hold(state, box.tree, box.git_roots, _REBASE)}\n")
    return lines


def drop_replacements(box: Boundary) -> list[str]:
    """Replace refs the run made or changed (``refs/replace/OBJECT``, loose or packed): every
    later git shows and checks out the object it names instead of OBJECT, so the operator's
    own ``git checkout`` would write the agent's content into a file the box kept read-only
    (``.pre-commit-config.yaml``, a hook runner's settings), while ``git status`` shows
    nothing. Each is removed; the warning says how to put it back. One the operator had
    before the run is not touched (a packed one is, when the run rewrote ``packed-refs``:
    it is named in the warning too). A repository whose refs are a reftable (binary) is
    only warned about."""
    since = box.planned - 1  # a file's change time cannot be set back; coarse clocks
    lines = []
    for git in box.git_roots[1:]:
        loose = os.path.join(git, "refs", "replace")
        if os.path.islink(loose):  # not followed: what it leads to is not the repository's
            lines.append(f"gatekeep: warning: {_shown(loose, box.tree)} is a link: check git "
                         "replace -l before running git there\n")
            loose = ""
        packed = os.path.join(git, "packed-refs")
        try:
            found = _packed_replacements(packed, since)
        except NotPacked:  # git reads what a link names: all of it held, with the warning
            found = []
            lines.append(f"gatekeep: warning: the command left {_shown(packed, box.tree)} as "
                         f"a link or no plain file, whose refs git would read (replace refs "
                         f"too); {_hold(packed, box.tree, box.git_roots, _CHECK)}\n")
        found += _loose_replacements(box, loose, since) if loose else []
        for name, target in found:
            replaced = _visible_text(name.rpartition("/")[2])  # git reads the last part
            lines.append(f"gatekeep: warning: the command left the replace ref "
                         f"refs/replace/{_visible_text(name)} (in {_shown(git, box.tree)}), "
                         f"which makes git show {_visible_text(target)} wherever "
                         f"{replaced} is; removed (git replace {replaced} "
                         f"{_visible_text(target)} puts it back)\n")
        table = os.path.join(git, "reftable")
        if os.path.isdir(table) and any(_changed_since(os.path.join(table, entry), since)
                                        for entry in ("", "tables.list")):
            lines.append(f"gatekeep: warning: the command changed the refs of "
                         f"{_shown(git, box.tree)} (a reftable, which gatekeep does not "
                         "read): check git replace -l before running git there\n")
    return lines


def _loose_replacements(box: Boundary, directory: str, since: float
                        ) -> list[tuple[str, str]]:
    """Loose replace refs changed since ``since`` (all of them in a directory renamed in,
    whose entries keep their times), removed: (object, replacement). git takes the name
    after the last ``/`` for the object's, so every depth is looked at (without recursion,
    at most ``_MOST_REFS`` entries: past that, all are removed). A link or a file that is
    not a regular one is removed unread."""
    from gatekeep.sandbox.gitinodes import renewed

    found: list[tuple[str, str]] = []
    pending, seen = [directory], 0
    while pending:
        current = pending.pop()
        whole = renewed(box, current)
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:
            continue
        seen += len(entries)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
                continue
            if not (whole or seen > _MOST_REFS or _changed_since(entry.path, since)):
                continue
            data = _regular(entry.path, 200)
            _remove(entry.path)
            found.append((os.path.relpath(entry.path, directory),
                          "(not a file)" if data is None
                          else data.decode("ascii", "replace").strip()))
    return found


_MOST_REFS = 10_000


def _packed_replacements(path: str, since: float) -> list[tuple[str, str]]:
    """Replace refs in a ``packed-refs`` the run wrote, taken out of it: (object,
    replacement)."""
    if not _changed_since(path, since):
        return []
    return [(name[len("refs/replace/"):], target) for name, target in
            rewrite_packed(path, lambda name: name.startswith(b"refs/replace/"))]


def rewrite_packed(path: str, dropped: Callable[[bytes], bool]) -> list[tuple[str, str]]:
    """The refs of ``packed-refs`` whose names ``dropped`` takes, taken out of it: (name,
    object). The file is written again whole, as git writes it: a new file, made where no
    name of the run's can be followed (``mkstemp``), renamed over the old. ``NotPacked``
    when it is a link or no regular file (none there: nothing to take out)."""
    if not os.path.lexists(path):
        return []
    data = _regular(path, _PACKED_LIMIT)
    if data is None:
        raise NotPacked
    kept, found, dropping = [], [], False
    for line in data.splitlines(keepends=True):
        if line.startswith(b"^"):  # the peeled object of the ref above it
            if not dropping:
                kept.append(line)
            continue
        words = line.split()
        dropping = len(words) == 2 and dropped(words[1])
        if dropping:
            found.append((words[1].decode("ascii", "replace"),
                          words[0].decode("ascii", "replace")))
        else:
            kept.append(line)
    if found:
        import tempfile

        handle, fresh = tempfile.mkstemp(prefix="packed-refs.gatekeep-",
                                         dir=os.path.dirname(path))
        try:
            with os.fdopen(handle, "wb") as out:
                out.writelines(kept)
            os.replace(fresh, path)
        except BaseException:
            _remove(fresh)
            raise
    return found


class NotPacked(Exception):
    """``packed-refs`` is a link, or no regular file, or too large to read: held whole."""


_PACKED_LIMIT = 1 << 30


def _regular(path: str, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of ``path`` when it is a regular file (never through a link,
    never blocking on a FIFO); None otherwise, or when it is larger."""
    try:
        return regular(path, limit, follow=False)
    except Unreadable:
        return None


def _visible_text(text: str) -> str:
    from gatekeep.text import visible

    return visible(text)


def _sequencer_states(gits: tuple[str, ...]) -> list[str]:
    """Where a rebase's and a cherry-pick's state would be, in each git dir and in each of
    its linked worktrees' git dirs."""
    dirs = list(gits)
    for git in gits:
        try:
            with os.scandir(os.path.join(git, "worktrees")) as entries:
                dirs += [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    return [state for git in dict.fromkeys(dirs) for state in (
        os.path.join(git, "rebase-merge"), os.path.join(git, "sequencer"))
        if os.path.isdir(state) or os.path.islink(state)]


def _rebase_code(state: str, planned: float) -> str | None:
    if os.path.islink(state) or any(os.path.islink(os.path.join(state, name))
                                    for name in _entries(state)):
        return "state is a link (git follows it to what gatekeep cannot see the run wrote)"
    # a file's change time cannot be set back; a second's margin for coarse clocks
    if not any(_changed_since(os.path.join(state, name), planned - 1)
               for name in ("", "git-rebase-todo", "todo", "strategy", "opts")):
        return None
    try:
        opts = regular(os.path.join(state, "opts"), 1 << 20) or b""
        todo = b"".join(regular(os.path.join(state, name), 1 << 24) or b""
                        for name in ("git-rebase-todo", "todo"))
    except Unreadable:
        return "todo cannot be read"
    if os.path.lexists(os.path.join(state, "strategy")) or b"strategy" in opts.lower():
        return ("merge strategy is its own choice (git runs git-merge-STRATEGY, which can "
                "name a file of the tree)")
    for line in todo.splitlines():
        words = line.split()
        if words and words[0] in (b"exec", b"x"):
            return "todo runs commands (exec lines)"
    return None


def _entries(directory: str) -> list[str]:
    try:
        return os.listdir(directory)[:4096]
    except OSError:
        return []


def _changed_since(path: str, when: float) -> bool:
    try:
        return os.lstat(path).st_ctime >= when
    except OSError:
        return False


def _hold_made(git_dirs: tuple[tuple[str, str, tuple[str, ...]], ...], tree: str,
               roots: tuple[str, ...], homes: tuple[str, ...], held: list[str]) -> list[str]:
    """Each git dir made under a ``.git/modules`` during the run, with more than
    ``git submodule update`` writes (``plainrepo``): that command would use it, hooks and
    all. Only where that directory is still the one planned."""
    lines = []
    for modules, real, known in git_dirs:
        if os.path.islink(modules) or os.path.realpath(modules) != real:
            if os.path.lexists(modules):
                lines.append(f"gatekeep: warning: the command replaced {_shown(modules, tree)} "
                             f"(or a directory above it), {_GIT}; nothing there was touched: "
                             "check it before running git\n")
            continue
        try:
            made = [git for git in made_in(modules) if git not in known]
        except OSError as error:  # gitdirs.Unreadable: more than are read on every run
            lines.append(f"gatekeep: warning: {_visible(error)}: check it before running "
                         "git\n")
            continue
        for git in made:
            if not os.path.lexists(git):  # in one held already
                continue
            from gatekeep.sandbox.plainrepo import code_in

            code = code_in(git, roots, homes, submodule=True)
            if code is not None:
                lines.append(f"gatekeep: warning: the command made the git dir "
                             f"{_shown(git, tree)}, whose {code}, {_GIT}; "
                             f"{_hold(git, tree, roots, _FIRST, held)}\n")
    return lines


def _hold_staged(indexes: tuple[Index, ...], tree: str, roots: tuple[str, ...],
                 held: list[str], before: frozenset[str]) -> list[str]:
    """The ``.git`` of each repository that an index the run wrote stages as a gitlink it
    did not stage before. Only where the gitlink's path still resolves to where it is in
    the tree (a link there would lead the move elsewhere)."""
    lines = []
    for index in indexes:
        if index.stamp is not None and gitindex.stamp(index.path) == index.stamp:
            continue  # the usual case: the run wrote no index
        try:  # both hash sizes: a repository the run made can have either
            now = {name for size in (20, 32) for name in gitindex.gitlinks(_index(index), size)}
        except gitindex.Unread as error:  # what it stages is unknown: git must not read it
            lines.append(f"gatekeep: warning: the command wrote the index, and "
                         f"{_visible(error)}; "
                         f"{_hold(_index(index), tree, roots, _INDEX_HELD, held)}\n")
            continue
        for name in sorted(now):
            path = os.path.join(index.tree, name)
            dot = os.path.join(path, ".git")
            if name in index.gitlinks or path in before or not os.path.lexists(dot):
                continue  # a repository that was there: its settings were kept read-only
            if os.path.realpath(path) != os.path.normpath(os.path.join(index.real, name)):
                lines.append(_untouched(dot, tree))
                continue
            lines.append(f"gatekeep: warning: the command staged {_shown(path, tree)}, a "
                         f"repository, as a gitlink, {_GIT}; "
                         f"{_hold(dot, tree, roots, _BACK, held)}\n")
    return lines


def _hold_new(box: Boundary, roots: tuple[str, ...], homes: tuple[str, ...],
              held: list[str]) -> list[str]:
    """Each repository the run made in the tree (none was there before) that holds settings
    or hooks a later git would run (``plainrepo``): the operator's ``git add -A`` would
    stage it, or a ``git reset`` bring back a gitlink the run committed; and each bare
    repository it made (git takes the directory for a git dir when run there)."""
    from gatekeep.sandbox.boundary import AGENT_ENV, agent_named

    walked, whole = repositories(box.tree, frozenset(box.not_scanned), box.scan_limit,
                                 frozenset(box.passed), agent_named)
    made = [(d, os.path.join(d, ".git"), os.path.join(d, ".git"))  # the tree's own too,
            for d in walked.dots if d not in box.repositories]    # when the run made it
    made += [(d, d, os.path.join(d, "HEAD")) for d in walked.bares
             if d not in box.bares and d not in held]
    lines = []
    for directory, git, moved in made:
        from gatekeep.sandbox.plainrepo import code_in

        code = code_in(git, roots, homes)
        if code is not None:
            lines.append(f"gatekeep: warning: the command made a repository, "
                         f"{_shown(directory, tree=box.tree)}, whose {code}: a later git "
                         f"there could run what the command chose; "
                         f"{_hold(moved, box.tree, roots, _BACK, held)}\n")
    before = frozenset(box.agents)
    theirs = AGENT_ENV if box.approved else ()  # `cp .env.example .env`, approved
    made_agents = []
    for path in walked.agents:  # anywhere in the tree: an agent started there reads it
        if path not in before and os.path.lexists(path) and path not in held \
                and os.path.basename(path) not in theirs:
            made_agents.append(path)
            lines.append(f"gatekeep: warning: the command created {_shown(path, box.tree)}, "
                         f"{_changes(path)}; {_hold(path, box.tree, roots, _CHECK, held)}\n")
    lines += _hold_staging(box, made_agents, roots, held)
    if not whole:
        lines.append(f"gatekeep: warning: the tree has more than {box.scan_limit} entries: "
                     "repositories and agents' settings the command made past them were not "
                     "checked; check before running git or an agent in the tree\n")
    return lines


def _hold_staging(box: Boundary, made: list[str], roots: tuple[str, ...],
                  held: list[str]) -> list[str]:
    """Each index that stages one of the agents' settings the run made (and that were just
    moved aside): the operator's `git checkout -- .` or `git restore .` would write it
    back, a `git commit` commit it (red team 77). Moved aside too."""
    lines = []
    real = [os.path.join(os.path.realpath(os.path.dirname(p)), os.path.basename(p))
            for p in made]
    for index in box.indexes if made else ():
        inside = index.real.rstrip("/") + "/"
        names = tuple(os.path.relpath(path, index.real) for path in real
                      if path.startswith(inside))
        staged = gitindex.marks(index.path, names, index.hash_size) if names else ""
        if staged:
            shown = "entries gatekeep cannot read" if staged == "?" else ", ".join(
                dict.fromkeys(line.rsplit(" ", 3)[0] for line in staged.splitlines()))
            lines.append(f"gatekeep: warning: {_shown(index.path, box.tree)} stages "
                         f"{_visible_text(shown)}, which the command made: `git checkout "
                         "-- .` would write it back; "
                         f"{_hold(index.path, box.tree, roots, _INDEX_HELD, held)}\n")
    return lines


def _visible(error: OSError) -> str:
    from gatekeep.text import visible  # it can name a file the command wrote

    return visible(str(error))


def _index(index: Index) -> str:
    """The index file now: a ``.git`` the run made where there was none can be a file that
    names a git dir elsewhere."""
    dot = os.path.dirname(index.path)
    if os.path.basename(dot) == ".git" and os.path.isfile(dot):
        return os.path.join(pointed(dot, "gitdir: ", os.path.dirname(dot)), "index")
    return index.path


def _hold(path: str, tree: str, roots: tuple[str, ...], then: str = "",
          held: list[str] | None = None) -> str:
    """Move ``path`` (itself, never what a link names) to a free name beside it, one the
    command could not have taken in advance; only in the tree or one of its git dirs."""
    import time

    from gatekeep.sandbox.places import under_any

    parent = os.path.realpath(os.path.dirname(path))
    if not under_any(parent, roots):
        return (f"it is not in the tree or its git dirs ({_shown(parent, tree)}), so it was "
                "left: remove it yourself before running git or an agent")
    for aside in (f"{path}.gatekeep-held", f"{path}.gatekeep-held-{time.time_ns()}"):
        if os.path.lexists(aside):
            continue
        try:
            os.rename(path, aside)
        except PermissionError:  # a directory the command made read-only: it is the tree's
            try:
                os.chmod(parent, os.stat(parent).st_mode | 0o200)
                os.rename(path, aside)
            except OSError as error:
                return (f"could not move it aside ({error.strerror}): remove it yourself "
                        "before running git or an agent")
        except OSError as error:
            return (f"could not move it aside ({error.strerror}): remove it yourself before "
                    "running git or an agent")
        if held is not None:
            held.append(aside)
        return f"moved it to {_shown(aside, tree)}: {then or _BACK}"
    return "could not move it aside: remove it yourself before running git or an agent"


def _moved(path: str, parents: tuple[tuple[str, str], ...]) -> bool:
    """Whether ``path``'s directory now resolves elsewhere than when the box was planned
    (or was not recorded: then nothing is touched)."""
    planned = dict(parents).get(os.path.dirname(path))
    return planned is None or os.path.realpath(os.path.dirname(path)) != planned


def _untouched(path: str, tree: str) -> str:
    return (f"gatekeep: warning: the command changed the directories above "
            f"{_shown(path, tree)}, {_changes(path)}; nothing there was touched: check it "
            "before running git or an agent\n")


def _shown(path: str, tree: str) -> str:
    """The path as the warning shows it: relative to the tree when in it, made visible."""
    from gatekeep.text import visible

    inside = path.startswith(tree.rstrip("/") + "/")
    return visible(os.path.relpath(path, tree) if inside else path)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        import shutil

        shutil.rmtree(path, ignore_errors=True)  # rmtree never follows links inside
    else:
        try:  # noqa: SIM105 - contextlib costs every boxed run its import
            os.unlink(path)
        except OSError:  # reported by the caller: it is still there
            pass


def _changes(path: str) -> str:
    """What the path changes: an agent's or a hook runner's settings, else git's."""
    from gatekeep.sandbox.boundary import agent_named

    return _AGENTS if agent_named(os.path.basename(path)) else _GIT
