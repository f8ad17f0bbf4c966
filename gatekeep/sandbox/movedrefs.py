"""After a boxed run: refs and reflog entries it left at a commit that changes a protected
file, undone.

A boxed run writes ``.git`` (commits need it), so it can move any ref, not only the branch
checked out: ``git update-ref refs/heads/other NEW``, ``ORIG_HEAD``, a line of FETCH_HEAD or
of a reflog (``git checkout -``, ``HEAD@{1}`` and ``stash@{0}`` are read from reflogs), to an
honest commit whose tree holds the agent's ``.pre-commit-config.yaml``. The operator's next
``git checkout other`` or ``git reset --hard ORIG_HEAD`` writes it, unboxed, and ``git
status`` shows nothing (red team 64). The box keeps those files read-only, so no run of the
operator's tools can have committed a change to them.

So when the refs' files changed (or git may read them otherwise than their text says), git
itself is asked, in a box that writes nothing, what each ref names now. A ref that names
another commit than before (a new one: not one any ref named before, and for ``HEAD``, not
``HEAD``'s), whose tree differs from the old one's (a new ref's: ``HEAD``'s) at a protected
path (one the box kept, or an agent's or hook runner's settings anywhere in the tree) with
other than what the index held for it, is put back (a new one removed) and the run's commit
kept as ``refs/gatekeep-held/NAME``; a FETCH_HEAD or MERGE_HEAD naming one is moved aside;
reflog lines the run appended that name one are cut off, and a reflog the run rewrote is
moved aside (red team 67). A rebase, cherry-pick or bisect in progress that the run made or
changed, going to such a commit, is moved aside; every word git may read as a commit there,
and in a reflog's checkout line, is read by git itself (red teams 68 to 70).

Beyond the commit a ref names, each commit it brings that no ref of the operator's reached
and that touches a protected path or a gitlink is compared with its parents (red teams 72
and 73); a gitlink's commit is compared in the submodule's git dir; a linked worktree's own
refs, reflog and state are read as git run there reads them (red team 70). What git would
read otherwise than gatekeep can check (a link made a ref, a FETCH_HEAD too large, a name
that names nothing yet, a ``shallow`` file) is removed, held or put back.
"""

from __future__ import annotations

import os

from gatekeep.sandbox.gitrefs import (
    _CAPS,
    HEX,
    LISTS,
    MOST_REFS,
    PACKED,
    STASH_LOG,
    Refs,
    logs,
    refs,
    resolved,
    tail,
    worktree,
)
from gatekeep.sandbox.gitrefs import odd as _odd

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: runtime code imports this
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from gatekeep.sandbox.boundary import Boundary

HELD = "refs/gatekeep-held/"
EMPTY_TREES = {40: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
               64: "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"}
_ZEROS = frozenset("0")
_MOST_LOG = 1 << 24  # bytes of a reflog's new lines read
_CHECK = "check it before moving it back"
_UNREAD_LOGS = ("logs/refs/notes/", "logs/refs/replace/")
_UNCOMPARED = ("refs/replace/", "refs/notes/")  # never what a commit is taken from


def check(box: Boundary) -> list[str]:
    """Each repository's refs and reflogs after a boxed run; warning lines."""
    from gatekeep.sandbox.created import _shown

    lines: list[str] = []
    for record in box.git_refs:
        try:
            lines += _shallow(box, record)  # first: the check walks parents
            lines += _check(box, record)
            lines += _staged_links(box, record)
        except OSError as error:  # said; the next repository is still checked
            lines.append(f"gatekeep: warning: the refs of {_shown(record.git, box.tree)} "
                         f"could not be checked ({error.strerror}): check which refs the "
                         "command moved before checking one out\n")
    return lines


class _Move:
    """A ref (or reflog, or state file) that names ``new`` now, compared with ``old``."""

    def __init__(self, name: str, new: str, old: str | None, log: str = "",
                 state: str = "") -> None:
        self.name, self.new, self.old, self.log, self.state = name, new, old, log, state


def _check(box: Boundary, record: Refs) -> list[str]:
    from gatekeep.sandbox.created import _shown

    where = _shown(record.git, box.tree)
    after = refs(record.git)
    grown, rewritten = _logs(record)
    # the reflogs of refs that are never checked out (as the refs themselves, below)
    grown = [(path, start) for path, start in grown if not path.startswith(_UNREAD_LOGS)]
    rewritten = [path for path in rewritten if not path.startswith(_UNREAD_LOGS)]
    if record.refs is None or after is None or record.logs is None:
        return [f"gatekeep: warning: {where} has more refs or reflogs than gatekeep reads "
                f"on each run ({MOST_REFS:,}): check which refs the command moved before "
                "checking one out\n"]
    before = dict(record.refs)
    if after == record.refs and not _odd(before) and not grown and not rewritten and \
            not _in_progress(record.git, box.planned):
        return []  # the usual case: nothing is run
    lines = [_hold_log(box, record, path, "rewrote") for path in rewritten]
    lines += [_hold_unread(box, record, name) for name, value in after
              if name.rpartition("/")[2] in LISTS and value.startswith(("link:", "?"))]
    view = _view(record.git, dict(after))
    if view is None:
        return [*lines, f"gatekeep: warning: the refs of {where} changed and gatekeep could "
                "not run git to check what they name: check them before checking one out\n"]
    head = resolved(before, "HEAD")
    # the commits the operator's refs named: never through a name the run could have made
    # unseen (one git does not read) or under refs/gatekeep-held/ (the run's, kept)
    known = {oid for name in before if valid(name)
             and not name.startswith((HELD, *_UNCOMPARED))
             for oid in _ids(before, name, first=True)}
    # a ref that is a link, or no file git reads as a ref, that the run made: git never
    # makes one, and what it names can depend on where git runs (/proc/self/cwd/...)
    lines += [_drop_odd(box, record, name, value) for name, value in after
              if value.startswith(("link:", "?")) and before.get(name) != value
              and name != PACKED and name.rpartition("/")[2] not in LISTS
              and (value.startswith("link:") or not view.get(name))
              and not _symbolic_link(name, value)]
    moves = _ref_moves(view, before, dict(after), known, head)
    logged: list[tuple[str, list[str]]] = []
    named: dict[str, list[str]] = {}
    for path, start in grown:
        read = _logged(os.path.join(record.git, path), start)
        if read is None:
            lines.append(_hold_log(box, record, path, "changed"))
        else:
            logged.append((path, read[0]))
            named[path] = read[1]
    states = _states(record.git, box.planned)
    # every word git may read as a commit there, as git reads it (a name in the git dir,
    # `X^0`, a start of an id): asked of git itself
    # a linked worktree's reflog and state are read by git run there (red team 70)
    asked: dict[str, set[str]] = {}
    for path, words in [*logged, *((label, words or []) for label, _, words, _, _ in states)]:
        asked.setdefault(worktree(path), set()).update(words)
    commits = {own: _commits(record.git, words, own) for own, words in asked.items()}
    for path, words in logged:
        said = commits[worktree(path)]
        if said is None:
            lines.append(_hold_log(box, record, path, "added lines gatekeep could not check "
                                   "to"))
            continue
        unresolved = _unresolved(named[path], said)
        if unresolved:
            lines.append(_cut_unresolved(box, record, path, dict(grown)[path], unresolved))
            continue
        moves += [_Move(path, oid, _head(before, path, head), log=path) for oid in
                  dict.fromkeys(said[w] for w in words if w in said) if oid not in known]
    held: set[str] = set()
    for label, path, picked, own, strict in states:
        said = commits[worktree(label)]
        if said is None or picked is None or _unresolved(strict, said):
            if path not in held:
                held.add(path)
                lines.append(_hold_whole(box, record, label, path))
            continue
        moves += [_Move(label, oid, f"{oid}^" if own else _head(before, label, head),
                        state=path)
                  for oid in dict.fromkeys(said[w] for w in picked if w in said)
                  if oid not in known]
    if not moves:
        return lines
    stashes = {m.new for m in moves if m.name in _STASHES or m.name.endswith("/autostash")}
    # the commits each new one brings that no ref of the operator's reached, which touch a
    # protected path: `git reset --hard HEAD~1` checks out a parent (red team 72)
    ancestry = _brought(record, {m.new for m in moves}, known)
    changes = None if ancestry is None else _changes(
        record.git, {(m.old, m.new) for m in moves} | {
            pair for pairs in ancestry.values() for pair in pairs}, record.places, stashes)
    if changes is None or ancestry is None:
        return [*lines, f"gatekeep: warning: the command moved refs in {where} "
                f"({_names(dict.fromkeys(m.name for m in moves))}) and gatekeep could not "
                "run git to check what they hold: check them before checking one out\n"]
    staged = {entry[0]: entry[2] for entry in record.staged if len(entry) == 4}
    done: set[str] = set(held)
    for move in moves:
        changed = list(dict.fromkeys(
            _SAID.get(path, path)
            for pair in [(move.old, move.new), *ancestry.get(move.new, ())]
            for path, blob in changes.get(pair, [])
            if path in _SAID or (_protected(path, record.places)
                                 and blob != staged.get(path, _none(blob)))))
        if not changed or (move.state or move.name) in done:
            continue
        done.add(move.state or move.name)
        if move.state:
            lines.append(_hold_state(box, record, move, changed))
        elif move.log:
            lines.append(_cut_log(box, record, move, dict(grown)[move.log], changed))
        elif move.name.rpartition("/")[2] in LISTS:
            lines.append(_hold_list(box, record, move, changed))
        else:
            lines.append(_put_back(box, record, move, before.get(move.name), changed))
    return lines


def _shallow(box: Boundary, record: Refs) -> list[str]:
    """A ``shallow`` file the run made, changed or removed is put back: git takes the
    parents of the commits it lists as missing, so a run could hide the agent's commit
    behind a clean one from the check, then remove the file (red team 73)."""
    from gatekeep.sandbox.created import _shown
    from gatekeep.sandbox.gitrefs import ABSENT, shallow

    now = shallow(record.git)
    if now == record.shallow:
        return []  # the usual case
    path = os.path.join(record.git, "shallow")
    where = _shown(record.git, box.tree)
    said = (f"gatekeep: warning: the command changed {_shown(path, box.tree)} (which commits "
            f"git takes as having no parents, in {where}); ")
    if record.shallow == "?":
        return [said + "gatekeep could not read it before the run to put it back: check "
                "which commits it lists\n"]
    try:
        if record.shallow == ABSENT:
            if os.path.lexists(path):
                os.unlink(path)
        else:
            failed = _write(record.git, "shallow", record.shallow, check=False)
            if failed is not None:
                raise OSError(0, failed)
    except OSError as error:
        return [said + f"could not put it back ({error.strerror}): check which commits it "
                "lists before running git there\n"]
    return [said + "put it back as it was (a fetch of a shallow repository changes it: "
            "fetch again outside gatekeep's box)\n"]


def _staged_links(box: Boundary, record: Refs) -> list[str]:
    """The index's gitlinks the run staged at another submodule commit, one whose protected
    files differ from the commit's before: `git submodule update` checks out what the index
    stages (red team 70). Said, with how to put each back: gatekeep writes no index."""
    from gatekeep.sandbox.created import _shown, _visible_text
    from gatekeep.sandbox.gitindex import marks

    if not record.links:
        return []
    names = tuple(line.rsplit(" ", 3)[0] for line in record.links.splitlines())
    now = marks(record.index_file, names, record.hash_size)
    if now == record.links:
        return []  # the usual case
    where = _shown(record.git, box.tree)
    if now == "?":
        return [f"gatekeep: warning: the index of {where} changed and gatekeep could not read "
                "its gitlinks: check `git diff --cached --submodule` before `git submodule "
                "update`\n"]
    was = {entry[0]: entry[2] for entry in _marked(record.links)}
    links = [(name, was[name], obj) for name, mode, obj, _ in _marked(now)
             if mode == _GITLINK_MARK and name in was and obj != was[name] and set(obj) <= HEX]
    lines = []
    for (path, old, new), inside in zip(links, _submodules(record.git, links), strict=True):
        changed = [_SAID.get(p, f"{path}/{p}") for p, _ in inside
                   if p in _SAID or _protected(f"{path}/{p}", record.places)]
        if changed:
            lines.append(
                f"gatekeep: warning: the command staged the submodule {_visible_text(path)} "
                f"(in {where}) at {new}, whose protected files differ "
                f"({_visible_text(', '.join(changed))}): `git submodule update` would check "
                f"it out; `git update-index --cacheinfo 160000,{old},{_visible_text(path)}` "
                "puts back what was staged\n")
    return lines


def _marked(text: str) -> list[tuple[str, str, str, str]]:
    """``gitindex.marks``' lines: name, mode, object, flags."""
    return [(parts[0], parts[1], parts[2], parts[3]) for parts in
            (line.rsplit(" ", 3) for line in text.splitlines()) if len(parts) == 4]


def _pseudo(name: str) -> bool:
    """A name git reads as a ref at the top of the git dir or of one of its worktrees'
    (``ORIG_HEAD``, ``worktrees/X/HEAD``, any name in capitals: ``gitrefs.pseudo_names``)."""
    last = name.rpartition("/")[2]
    return bool(last) and set(last) <= _CAPS and (
        "/" not in name or (name.startswith("worktrees/") and name.count("/") == 2))


def _head(before: dict[str, str], name: str, head: str | None) -> str | None:
    """What a new ref, reflog line or state is compared with: its worktree's ``HEAD``."""
    own = worktree(name)
    return (resolved(before, own + "HEAD") or head) if own else head


def _is_head(name: str) -> bool:
    return name == "HEAD" or (name.startswith("worktrees/") and name.endswith("/HEAD"))


def _none(blob: str) -> str:
    """What ``staged`` must hold for a path the commit does not have: nothing."""
    return blob if set(blob) <= _ZEROS else ""


def _ids(values: dict[str, str], name: str, first: bool = False) -> list[str]:
    """The objects a ref's files name (each line of FETCH_HEAD, each value of a name packed
    twice; ``first``: only what git surely reads, the first), lower case."""
    value = values.get(name, "")
    if name.rpartition("/")[2] in LISTS or (not first and " " in value and
                                            not value.startswith(("ref:", "link:"))):
        return [w.lower() for w in value.split() if len(w) in (40, 64) and set(w) <= HEX]
    found = resolved(values, name)
    return [found] if found is not None else []


def _protected(path: str, places: tuple[str, ...]) -> bool:
    """A path the box keeps as it is (a place, or below one), or an agent's or a hook
    runner's settings in any directory (``pkg/.claude``, ``sub/.gatekeep.yaml``), or a
    parent of a place: a link there leads git into it (red team 69)."""
    return _placed(path, places) or any(place.startswith(path + "/") for place in places)


def _placed(path: str, places: tuple[str, ...]) -> bool:
    """A path the box keeps, or below one, or an agent's settings: not a parent of one."""
    from gatekeep.sandbox.boundary import agent_named

    return any(path == place or path.startswith(place + "/") for place in places) or \
        any(agent_named(part) for part in path.split("/"))

def _logs(record: Refs) -> tuple[list[tuple[str, int]], list[str]]:
    """The reflogs the run added lines to (each with where its new lines start), and those
    it changed otherwise (another file, shorter, other bytes before the old end, a link
    made or changed, more added than is read): git reads ``@{N}`` and ``@{-N}`` from them."""
    now = logs(record.git) or ()
    was = {path: (inode, size, end) for path, inode, size, end in record.logs or ()}
    grown: list[tuple[str, int]] = []
    rewritten: list[str] = []
    for path, inode, size, end in now:
        known = was.get(path)
        if size < 0:  # a link: git reads what it names
            if known is None or known[0] != inode or known[2] != end:
                rewritten.append(path)
        elif known is None and size <= _MOST_LOG:
            grown.append((path, 0))
        elif known is not None and _dropped_newest(os.path.join(record.git, path), size,
                                                    known[2]):
            continue  # its newest line taken off, the rest as it was (`git stash pop`)
        elif known is None or known[0] != inode or size < known[1] or \
                size - known[1] > _MOST_LOG or \
                tail(os.path.join(record.git, path), known[1]) != known[2].split(" ")[0]:
            kept = _kept(os.path.join(record.git, path), record.stash) \
                if path == STASH_LOG and record.stash else None
            if kept is None:
                rewritten.append(path)
            elif kept < size:  # lines taken out of the middle (`stash drop stash@{1}`),
                grown.append((path, kept))  # then stashes added: looked at as added
        elif size > known[1]:
            grown.append((path, known[1]))
    return grown, rewritten

def _kept(path: str, was: tuple[int, ...]) -> int | None:
    """Where the lines the run added to the reflog ``path`` start, when all lines before
    them are lines it had (``gitrefs.lines``), in their order, some taken out; None
    otherwise."""
    from gatekeep.sandbox.created import _regular

    data = _regular(path, 1 << 20)
    if data is None:
        return None
    offset, at = 0, 0
    now = data.split(b"\n")[:-1]
    for index, line in enumerate(now):
        while at < len(was) and was[at] != hash(line):
            at += 1
        if at == len(was):  # no line it had: the rest must be new
            return offset if all(hash(rest) not in was for rest in now[index:]) else None
        at += 1
        offset += len(line) + 1
    return offset

def _dropped_newest(path: str, size: int, ends: str) -> bool:
    """Whether the reflog is what it was without its newest line (``gitrefs.ends``)."""
    parts = ends.split(" ")
    return len(parts) == 3 and parts[1] == str(size) and tail(path, size) == parts[2]

def _logged(path: str, start: int) -> tuple[list[str], list[str]] | None:
    """The words git may read as commits in the lines of a reflog after ``start``: each
    line's old and new object, and the names of a ``checkout: moving from X to Y`` (``git
    checkout -`` takes X up to the first " to "), wherever the message starts (git skips
    the committer's name, whatever it holds, then its time, then a tab if there is one);
    and those names apart. None when it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        os.lseek(fd, start, os.SEEK_SET)
        data = os.read(fd, _MOST_LOG + 1)
    finally:
        os.close(fd)
    if len(data) > _MOST_LOG:
        return None
    found: dict[str, None] = {}
    names: dict[str, None] = {}
    for line in os.fsdecode(data).split("\n"):  # git's lines; more names, never fewer
        for word in line.split(" ", 2)[:2]:
            if word and not set(word) <= _ZEROS:
                found[word] = None
        at = line.find(_MOVING)
        while at >= 0:  # anywhere in the line (red team 72)
            moved = line[at + len(_MOVING):]
            first, last = moved.find(" to "), moved.rfind(" to ")
            for word in (moved[:first] if first >= 0 else moved, moved[:last]):
                if word and not set(word) <= _ZEROS:  # what `git checkout -` takes
                    found[word] = names[word] = None
            target = moved[last + 4:] if last >= 0 else ""
            if target and not set(target) <= _ZEROS:
                found[target] = None  # (a new branch may have no commit yet: --orphan)
            at = line.find(_MOVING, at + 1)
    return list(found), list(names)

_MOVING = "checkout: moving from "

def _unresolved(words: list[str], said: dict[str, str]) -> list[str]:
    """The words git would read as a commit that name none now: a later run could make
    one so, moving no ref (an object whose id starts so, red team 72; a file in the git
    dir, ``wip/x``, red team 73). git itself writes only names that named one."""
    return [word for word in words if word not in said]

# What git's commands in progress go back to or go on with: `rebase --abort` resets to
# orig-head, `--continue` picks the todo's commits, `cherry-pick --abort` resets to
# sequencer/head, `bisect reset` checks out BISECT_START (red team 68). A todo's or done
# list's commits are compared with their parents: what picking one changes. A patch series
# (`git am`: rebase-apply) names no commit for its patches: one the run made or changed is
# held whole (red team 69).
_STATES = ("rebase-merge", "rebase-apply", "sequencer", "BISECT_START")
_PICKED = frozenset({"git-rebase-todo", "git-rebase-todo.backup", "done", "todo"})
# the state's files git reads a commit from, and a todo's commands that name one: where a
# word is one
_NAMED = frozenset({"orig-head", "onto", "head", "abort-safety", "stopped-sha", "amend",
                    "autostash", "squash-onto", "BISECT_START"})
_PICKS = frozenset({"pick", "p", "revert", "edit", "e", "reword", "r", "fixup", "f",
                    "squash", "s", "drop", "d", "reset", "t", "merge", "m"})
_MOST_WORDS = 4096  # words of one run's state and reflog lines asked of git
_MOST_FILES = 256  # files of one state directory read

def _states(git: str, planned: float
            ) -> list[tuple[str, str, list[str] | None, bool, list[str]]]:
    """Each such state the run made or changed, or that is or holds a link, in the git dir
    and its worktrees' dirs: (its name, its path, each file's words git may read as commits,
    whether they are picked commits, the words git surely reads as one); words None: held
    whole (a patch series, a file that is no plain one, too many files or words)."""
    from gatekeep.sandbox.created import _changed_since, _regular
    from gatekeep.sandbox.gitrefs import _worktrees

    found: list[tuple[str, str, list[str] | None, bool, list[str]]] = []
    for base, prefix in [(git, ""), *_worktrees(git)]:
        for name in _STATES:
            path = os.path.join(base, name)
            if not os.path.lexists(path):
                continue
            if os.path.islink(path):  # git follows it: held whole, whenever made (red team 72)
                found.append((prefix + name, path, None, False, []))
                continue
            listed = _listed(path) if os.path.isdir(path) else None
            files = [path] if listed is None else [os.path.join(path, e) for e in listed]
            if any(os.path.islink(file) for file in files):
                found.append((prefix + name, path, None, False, []))
                continue
            if not any(_changed_since(p, planned - 1) for p in [path, *files]):
                continue
            if name == "rebase-apply" or (listed is not None and len(listed) > _MOST_FILES):
                found.append((prefix + name, path, None, False, []))
                continue
            for file in files:
                data = _regular(file, 1 << 20)
                own = os.path.basename(file) in _PICKED
                text = (data or b"").decode("utf-8", "replace")
                words = _picked(text) if own else text.split()
                strict = _picks(text) if own else words if os.path.basename(file) in _NAMED \
                    else []
                stash = "/autostash" if os.path.basename(file) == "autostash" else ""
                found.append((prefix + name + stash, path, None if data is None and
                              os.path.lexists(file) and not os.path.isdir(file) else words,
                              own, strict))
    return found

def _commits(git: str, words: set[str], own: str = "") -> dict[str, str] | None:
    """The commit each word names as git reads it (``cat-file`` of ``WORD^{commit}``: an
    id or a start of one, a ref or a name in the git dir, ``X^0``), in the linked worktree
    ``own`` (``worktrees/X/``) or the git dir's own; words naming none are left out. None
    when git cannot be run, or past ``_MOST_WORDS`` words."""
    found = {w: w.lower() for w in words if len(w) in (40, 64) and set(w) <= HEX}  # ids
    asked = sorted(w for w in words if w and w not in found and "\n" not in w
                   and not w.startswith("-"))
    if not asked:
        return found  # the usual case (a commit's reflog lines): git is not run
    if len(asked) > _MOST_WORDS:
        return None
    said = _boxed(git, ["git", "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                  "".join(f"{w}^{{commit}}\n" for w in asked), os.path.join(git, own))
    if said is None:
        return None
    for word, line in zip(asked, os.fsdecode(said).splitlines(), strict=False):
        oid, _, kind = line.partition(" ")
        if kind.strip() == "commit" and set(oid) <= HEX:
            found[word] = oid
    return found

def _picked(text: str) -> list[str]:
    """What a todo's lines pick: each line's words after its command."""
    found = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and not words[0].startswith("#"):
            found += words[1:4]
    return found

def _picks(text: str) -> list[str]:
    """The words of a todo's lines that git reads as commits (``fixup -C X``; ``merge -C X
    LABEL``). A label (``reset L``, a merge's) is a ref of the rebase's own, made by a later
    line, else what git finds by that name: one only when it could be a start of an id."""
    found = []
    for line in text.split("\n"):
        words = line.split()
        if len(words) < 2 or words[0] not in _PICKS:
            continue
        if words[1] in ("-C", "-c"):
            found += words[2:3]
            labels = words[3:4] if words[0] in ("merge", "m") else []
        elif words[0] in ("merge", "m", "reset", "t"):
            labels = words[1:2]
        else:
            found.append(words[1])
            labels = []
        found += [w for w in labels if len(w) >= 4 and set(w) <= HEX]
    return found

def _in_progress(git: str, planned: float) -> bool:
    """Whether the run made or changed a command's state in progress (``_STATES``), or one
    is a link."""
    return bool(_states(git, planned))

def _listed(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))[:_MOST_FILES + 1]
    except OSError:
        return []

def _view(git: str, after: dict[str, str]) -> dict[str, list[str]] | None:
    """Each ref as git reads it now (``for-each-ref``; a pseudo ref by ``cat-file``, and
    every line of FETCH_HEAD and MERGE_HEAD): name and the objects it names. A pseudo ref
    naming an object git does not have yet names what its file says: a later run could
    write that object, moving no ref (red team 76). None when git cannot be run."""
    pseudo = [name for name in after if _pseudo(name) or worktree(name)]
    script = ("git for-each-ref --format='%(objectname) %(refname)' && printf '\\0' && "
              "git cat-file --batch-check='%(objectname)'")
    said = _boxed(git, ["sh", "-c", script], "".join(f"{n}\n" for n in pseudo))
    if said is None or b"\0" not in said:
        return None
    listed, _, answers = os.fsdecode(said).partition("\0")
    view: dict[str, list[str]] = {}
    for line in listed.splitlines():
        oid, _, name = line.partition(" ")
        view.setdefault(name, []).append(oid)
    for name, answer in zip(pseudo, answers.splitlines(), strict=False):
        oid = answer.strip()
        ids = ([oid] if len(oid) in (40, 64) and set(oid) <= HEX else [])
        if not ids or name.rpartition("/")[2] in LISTS:  # LISTS: git merges every line
            ids += _ids(after, name)
        view[name] = list(dict.fromkeys(ids))
    return view

_FAILED = "\0failed"
_MOST_PAIRS = 512  # commits compared after one run; past that, each is taken as changed
_UNCHECKED = "\0unchecked"
_NESTED = "\0nested"
_UNFOUND = "\0unfound"
_SAID = {_FAILED: "(a commit git could not read)",
         _UNCHECKED: "(not compared: more commits moved in one run than gatekeep compares)",
         _NESTED: "(a submodule's own submodule, not compared)",
         _UNFOUND: "(a submodule's commit in a git dir gatekeep could not look in)"}
# what names stashes: `stash pop`, and a merge's or rebase's own stash, which `--abort`
# applies (its untracked files too)
_STASHES = ("refs/stash", "logs/refs/stash", "MERGE_AUTOSTASH")
_GITLINK = "160000"
_GITLINK_MARK = "0000e000"  # its mode as gitindex.marks says it
_MOST_MODULES = 256  # submodules' git dirs looked in
_MOST_MODULE_DIRS = 8192  # directories below modules/ looked through for them
# a submodule's `ignore = all` in .gitmodules (the run's, in the index or HEAD) would leave
# its gitlink out of every diff (red team 74)
_DIFF = "diff-tree -r -z --no-renames --ignore-submodules=none"
_MOST_LOGGED = 4096  # new commits one moved ref brings that are read; past that, changed
# each commit's changes from each of its parents, whatever the repository's config says
_WALK = ("-c log.showRoot=true -c log.diffMerges=separate log --stdin --format=@%H%x20%P "
         "--raw -z --no-abbrev --no-renames -m --ignore-submodules=none")

Pair = tuple[str | None, str]

def _changes(git: str, pairs: set[Pair], places: tuple[str, ...],
             stashes: Collection[str] = ()) -> dict[Pair, list[tuple[str, str]]] | None:
    """For each (old, new) commit: each path whose content differs, with the new object
    (zeros: none), from ``git diff-tree``; old None: the empty tree; ``_FAILED`` for a pair
    git could not compare, or one past ``_MOST_PAIRS``. A stash's other commits are compared
    too: `git stash pop` restores its index commit (^2) and writes its untracked files (^3,
    against nothing). A submodule's commit that changed (a gitlink) is compared with the
    one before it in the submodule, its paths below the gitlink's: `git submodule update`
    checks it out (red team 70). None when git cannot be run."""
    unchecked = {pair for pair in pairs if pair[1] in _SAID}
    ordered = sorted(pairs - unchecked, key=lambda pair: (pair[0] or "", pair[1]))
    script = "".join(
        f"printf '\\0@{index}\\0'; git {_DIFF} "
        f"{old or EMPTY_TREES[len(new)]} {new} || printf '\\0!\\0'; "
        + (f"for p in 2 3; do if git rev-parse -q --verify {new}^$p >/dev/null; then "
           f"if [ $p = 3 ]; then b={EMPTY_TREES[len(new)]}; else b={old or EMPTY_TREES[len(new)]};"
           f" fi; git {_DIFF} $b {new}^$p || "
           "printf '\\0!\\0'; fi; done; " if new in stashes else "")
        for index, (old, new) in enumerate(ordered[:_MOST_PAIRS])
        if set(new) <= HEX and (old is None or set(old.rstrip("^")) <= HEX))
    said = _boxed(git, ["sh", "-c", script], "")
    if said is None:
        return None
    found: dict[Pair, list[tuple[str, str]]] = {
        pair: [(pair[1] if pair[1] in _SAID else _UNCHECKED, "")]
        for pair in [*ordered[_MOST_PAIRS:], *unchecked]}
    links: list[tuple[Pair, str, str, str]] = []  # (pair, path, old commit, new commit)
    for at, path, old, new in _entries(said):
        pair = ordered[at]
        if new[0] == _GITLINK:  # what it holds is looked at instead
            links.append((pair, path, old[1] if old[0] == _GITLINK else "", new[1]))
            found.setdefault(pair, [])
            if _placed(path, places):  # a submodule at `.vscode`: never ordinary work
                found[pair].append((path, new[1]))
        else:
            found.setdefault(pair, []).append((path, new[1]))
    inside_links = _submodules(git, [(path, old, new) for _, path, old, new in links])
    for (pair, path, _, _), inside in zip(links, inside_links, strict=True):
        found[pair] += [(p if p in _SAID else f"{path}/{p}", blob) for p, blob in inside]
    return found

def _brought(record: Refs, news: set[str], known: set[str]) -> dict[str, list[Pair]] | None:
    """For each new commit: (parent, commit) for each commit it brings that none of the
    operator's refs reached (``known``) and that changes a protected path or a gitlink
    anywhere, with each of its parents (``git log --raw -m``): `git reset --hard HEAD~1`
    checks out a parent (red team 72), a submodule added and removed again is one `git
    submodule update` checks out (red team 73). Past ``_MOST_LOGGED`` commits read, one pair
    taken as changed. The repository's config cannot narrow it (red team 76): a root
    commit's files and each parent of a merge are always compared. None when git cannot
    be run."""
    wanted = sorted(n for n in news if len(n) in EMPTY_TREES and set(n) <= HEX)
    if not wanted:
        return {}
    script = "k=$(cat); " + "".join(
        f"printf '#{index}\\0'; {{ echo {new}; printf '%s\\n' \"$k\"; }} | git {_WALK} "
        f"--max-count={_MOST_LOGGED + 1} || printf '!\\0'; "
        for index, new in enumerate(wanted[:_MOST_PAIRS]))
    said = _boxed(record.git, ["sh", "-c", script],
                  "".join(f"^{k}\n" for k in sorted(known) if set(k) <= HEX))
    if said is None:
        return None
    found: dict[str, list[Pair]] = {new: [(None, _UNCHECKED)] for new in wanted[_MOST_PAIRS:]}
    current: list[Pair] = []
    commit: list[str] = []
    seen: set[str] = set()
    words = [w.strip("\n") for w in os.fsdecode(said).split("\0")]
    at = 0
    while at < len(words):
        word = words[at]
        if word.startswith(":"):  # a change, then its path (never read as a mark)
            path = words[at + 1] if at + 1 < len(words) else ""
            if commit and (_GITLINK in word[1:].split()[:2]
                           or _protected(path, record.places)):
                current += [(parent, commit[0]) for parent in commit[1:]] or [
                    (None, commit[0])]
            at += 2
            continue
        if word.startswith("#") and word[1:].isdigit():
            current = found.setdefault(wanted[int(word[1:])], [])
            seen = set()
        elif word == "!":  # a commit git cannot walk (one no object holds yet)
            current.append((None, _FAILED))
        elif word.startswith("@"):
            commit = word[1:].split()
            seen.add(commit[0] if commit else "")
            if len(seen) > _MOST_LOGGED:  # more than are read: taken as changed
                current.append((None, _UNCHECKED))
        at += 1
    return {new: list(dict.fromkeys(pairs)) for new, pairs in found.items()}


def _entries(said: bytes) -> list[tuple[int, str, tuple[str, str], tuple[str, str]]]:
    """What ``diff-tree -z`` printed after each ``@N`` mark: (N, path, (old mode, old
    object), (new mode, new object)); a failure (``!``) is ``_FAILED``."""
    entries: list[tuple[int, str, tuple[str, str], tuple[str, str]]] = []
    words = os.fsdecode(said).split("\0")
    current, at = -1, 0
    while at < len(words):
        word = words[at]
        if word.startswith("@") and word[1:].isdigit():
            current = int(word[1:])
        elif word in ("!", "?") and current >= 0:
            entries.append((current, _FAILED if word == "!" else _UNFOUND, ("", ""), ("", "")))
        elif word.startswith(":") and at + 1 < len(words) and current >= 0:
            fields = (word[1:].split() + ["", "", "", ""])[:4]
            entries.append((current, words[at + 1], (fields[0], fields[2]),
                            (fields[1], fields[3])))
            at += 1
        at += 1
    return entries

def _submodules(git: str, links: list[tuple[str, str, str]]) -> list[list[tuple[str, str]]]:
    """For each gitlink that changed (path, old commit or "", new commit): what
    differs between its commits, in whichever of the repository's submodules' git dirs
    holds the new one (an object's id names its content, so any that holds it will do),
    and ``_NESTED`` for a submodule's own gitlink that changed. One none holds is not
    compared: `git submodule update` fetches it from the submodule's remote, as a fetch
    would, since git takes no submodule from a local path (``protocol.file.allow``). Unless
    some git dir could not be looked in (a link, past ``_MOST_MODULES``: red team 73): then
    it is ``_UNFOUND``."""
    if not links:
        return []
    dirs, whole = _module_dirs(git, [path for path, _, _ in links])
    script = "".join(
        f"printf '\\0@{index}\\0'; f=; for d in \"$@\"; do if GIT_DIR=$d git cat-file -e "
        f"{new}^{{commit}} 2>/dev/null; then f=1; GIT_DIR=$d git {_DIFF} "
        f"{old or EMPTY_TREES[len(new)]} {new} || printf '\\0!\\0'; break; fi; done; "
        "[ -n \"$f\" ] || printf '\\0?\\0'; "
        for index, (_, old, new) in enumerate(links))
    said = _boxed(git, ["sh", "-c", script, "sh", *dirs], "", shown=dirs)
    if said is None:
        return [[(_FAILED, "")] for _ in links]
    found: list[list[tuple[str, str]]] = [[] for _ in links]
    for at, path, _, new in _entries(said):
        if path == _UNFOUND:
            if not whole:
                found[at].append((_UNFOUND, ""))
        else:
            found[at].append((_NESTED, "") if new[0] == _GITLINK else (path, new[1]))
    return found

def _module_dirs(git: str, paths: list[str]) -> tuple[list[str], bool]:
    """The git dirs a submodule's commits may be in: each one below ``modules/`` (a
    submodule's own, and one whose name has a ``/``, nested in another's), and a ``.git``
    directory at each gitlink's path in the work tree; and whether that is all of them
    (no link among them, no more than ``_MOST_MODULES``)."""
    dirs: list[str] = []
    whole = True
    pending = [os.path.join(git, "modules")]
    visited = 0
    while pending:
        visited += 1
        if visited > _MOST_MODULE_DIRS:
            return dirs, False
        top = pending.pop()
        try:
            with os.scandir(top) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                whole = False  # git follows it; gatekeep does not
            elif entry.is_dir(follow_symlinks=False) and entry.name != "objects":
                if len(dirs) >= _MOST_MODULES:
                    return dirs, False
                if os.path.isfile(os.path.join(entry.path, "HEAD")):
                    dirs.append(entry.path)
                pending.append(entry.path)
    if os.path.basename(git) == ".git":
        for path in paths:
            dot = os.path.join(os.path.dirname(git), path, ".git")
            if ".." not in path.split("/") and os.path.isdir(dot) and not os.path.islink(dot):
                dirs.append(dot)
    return dirs, whole

def _boxed(git: str, argv: list[str], given: str, where: str = "",
           shown: Collection[str] = ()) -> bytes | None:
    """What ``argv`` prints, with ``where`` (a dir in ``git``; else ``git``) as GIT_DIR and
    the system's git first on PATH, run sealed (``gitobjects.sealed``) with ``git`` and
    ``shown`` read-only; None when it cannot be run or fails."""
    from gatekeep.sandbox.gitobjects import git_program, sealed

    program = git_program()
    done = None if program is None else sealed(
        argv, list(dict.fromkeys([git, *shown])), given.encode(),
        {"PATH": os.path.dirname(program) + ":/usr/bin:/bin", "GIT_DIR": where or git,
         "GIT_WORK_TREE": "/",  # not a submodule's core.worktree: the box hides it
         "GIT_NO_REPLACE_OBJECTS": "1", "GIT_OPTIONAL_LOCKS": "0"})
    return done.stdout if done is not None and done.returncode == 0 else None

def _names(names: Iterable[str]) -> str:
    from gatekeep.sandbox.created import _visible_text

    return _visible_text(", ".join(names))

def valid(name: str) -> bool:
    """Whether git would take ``name`` as a ref it writes (its refname rules: under refs/
    or a pseudo ref, no ``..``, no part starting with ``.`` or ending with ``.lock``, none
    of ``~^:?*[\\``, blanks or control characters, no ``@{``, no ``//``); a linked
    worktree's own ref (``worktrees/X/refs/bisect/bad``) too."""
    if not (_pseudo(name) or name.startswith(worktree(name) + "refs/")):
        return False
    parts = name.split("/")
    if ".." in name or "@{" in name or name.endswith((".", "/")):
        return False
    if any(c in "~^:?*[\\ " or ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return False
    return all(part and not part.startswith(".") and not part.endswith(".lock")
               for part in parts)

def _put_back(box: Boundary, record: Refs, move: _Move, value: str | None,
              changed: list[str]) -> str:
    from gatekeep.sandbox.created import _shown, _visible_text

    files, shown = _visible_text(", ".join(changed)), _visible_text(move.name)
    where = _shown(record.git, box.tree)
    if not valid(move.name):
        return (f"gatekeep: warning: the command left {shown} (in {where}) at {move.new}, "
                f"whose protected files differ ({files}); it is no name git writes, so "
                "gatekeep left it: check it before running git there\n")
    held = _free(record.git, HELD + move.name)
    # a commit git cannot read is kept by no ref: git would fail on every ref (red team 77)
    keep = _write(record.git, held, move.new + "\n") if _SAID[_FAILED] not in changed \
        else "git cannot read it"
    restorable = value is not None and (
        (len(value) in (40, 64) and set(value) <= HEX)
        or (value.startswith("ref:") and valid(value[4:].strip())))
    if value is None:
        undone = _remove(record.git, move.name)
        what = f"made {shown} at {move.new}, whose protected files differ from HEAD's ({files})"
        done = "removed it"
    else:
        undone = _write(record.git, move.name, value + "\n") if restorable else \
            "what it named before is no plain ref"
        what = (f"moved {shown} from {move.old or '?'} to {move.new}, whose protected files "
                f"differ ({files})")
        done = "put it back"
    outcome = done if undone is None else f"could not undo it ({undone}): check it before " \
        "running git there"
    kept = (f"kept the commit as {_visible_text(held)} (git diff {move.old or 'HEAD'} "
            f"{move.new} -- {files} shows the change)" if keep is None
            else f"the commit is {move.new}")
    return (f"gatekeep: warning: the command {what}, in {where}: git would write them at its "
            f"checkout; {outcome}; {kept}\n")

def _hold_list(box: Boundary, record: Refs, move: _Move, changed: list[str]) -> str:
    """A FETCH_HEAD or MERGE_HEAD naming such a commit: git merges each of its lines."""
    from gatekeep.sandbox.created import _hold, _shown, _visible_text

    path = os.path.join(record.git, move.name)
    return (f"gatekeep: warning: the command left {_visible_text(move.name)} (in "
            f"{_shown(record.git, box.tree)}) naming {move.new}, whose protected files differ "
            f"({_visible_text(', '.join(changed))}): git merges it; "
            f"{_hold(path, box.tree, box.git_roots, _CHECK)}\n")

def _ref_moves(view: dict[str, list[str]], before: dict[str, str], current: dict[str, str],
               known: set[str], head: str | None) -> list[_Move]:
    """Each ref git reads now that names a commit it did not name before, and none of the
    operator's refs did (``known``; for a ``HEAD``, any other than its own)."""
    moves = []
    for name, ids in view.items():
        if name.startswith(_UNCOMPARED):  # replace refs: created.py;
            continue  # a note's tree is never checked out
        if _is_head(name) and (before.get(name, "").startswith("ref:") or _symbolic_link(
                name, before.get(name, ""))) and current.get(name) == before[name]:
            continue  # the branch it names moved: that branch is looked at
        own_head = name == "HEAD" or (_is_head(name) and name in before)  # a worktree's too
        olds = set(_ids(before, name))
        for new in ids:
            if new in olds or (new in known and not own_head):
                continue  # where it was, or a commit the operator had a ref at
            moves.append(_Move(name, new, resolved(before, name) if name in before and
                               name not in LISTS else _head(before, name, head)))
    return moves


def _symbolic_link(name: str, value: str) -> bool:
    """A HEAD that is a link to a branch, as git writes it with ``core.preferSymlinkRefs``
    (red team 74): ``refs/heads/NAME``, relative, read in the git dir in every box."""
    target = value[5:].strip() if value.startswith("link:") else ""
    return _is_head(name) and target.startswith("refs/heads/") and valid(target)


def _drop_odd(box: Boundary, record: Refs, name: str, value: str) -> str:
    """A ref the run left as a link, or as what git reads otherwise than as a ref file:
    removed (red team 73: a link through /proc/self/cwd names nothing where gatekeep runs
    git, and the agent's commit where the operator does)."""
    from gatekeep.sandbox.created import _shown, _visible_text

    undone = _remove(record.git, name) if valid(name) else "no name git writes"
    what = f"a link to {_visible_text(value[5:].strip())}" if value.startswith("link:") \
        else "no plain file"
    done = "removed it" if undone is None else f"could not remove it ({undone}): remove it " \
        "yourself before running git there"
    return (f"gatekeep: warning: the command left the ref {_visible_text(name)} (in "
            f"{_shown(record.git, box.tree)}) as {what}: git never writes one so, and what it "
            f"names may depend on where git runs; {done}\n")

def _hold_unread(box: Boundary, record: Refs, name: str) -> str:
    """A FETCH_HEAD or MERGE_HEAD that is a link or larger than is read: git merges each of
    its lines, and git itself writes neither so (red team 72)."""
    from gatekeep.sandbox.created import _hold, _shown, _visible_text

    return (f"gatekeep: warning: {_visible_text(name)} (in {_shown(record.git, box.tree)}) is "
            "a link or too large to read: git merges each of its lines, which gatekeep could "
            f"not check; {_hold(os.path.join(record.git, name), box.tree, box.git_roots, _CHECK)}"
            "\n")

def _hold_state(box: Boundary, record: Refs, move: _Move, changed: list[str]) -> str:
    """A rebase, cherry-pick or bisect in progress that would go to such a commit."""
    from gatekeep.sandbox.created import _hold, _shown, _visible_text

    return (f"gatekeep: warning: the command left {_visible_text(move.name)} (in "
            f"{_shown(record.git, box.tree)}) naming {move.new}, whose protected files "
            f"differ ({_visible_text(', '.join(changed))}): git's --abort, --continue or "
            f"bisect reset would check it out; "
            f"{_hold(move.state, box.tree, box.git_roots, _CHECK)}\n")

def _hold_whole(box: Boundary, record: Refs, label: str, path: str) -> str:
    """A command in progress gatekeep cannot check (a patch series: what `git am
    --continue` applies is in its patches)."""
    from gatekeep.sandbox.created import _hold, _shown, _visible_text

    return (f"gatekeep: warning: the command left {_visible_text(label)} (in "
            f"{_shown(record.git, box.tree)}), which git's --abort, --continue or bisect "
            f"reset would follow and gatekeep could not check; "
            f"{_hold(path, box.tree, box.git_roots, _CHECK)}\n")

def _hold_log(box: Boundary, record: Refs, path: str, how: str) -> str:
    from gatekeep.sandbox.created import _hold, _shown

    return (f"gatekeep: warning: the command {how} the reflog {_shown(path, record.git)} (in "
            f"{_shown(record.git, box.tree)}), from which git reads @{{N}} and `git checkout "
            f"-`; {_hold(os.path.join(record.git, path), box.tree, box.git_roots, _CHECK)}\n")

def _cut_log(box: Boundary, record: Refs, move: _Move, start: int, changed: list[str]) -> str:
    """Reflog lines the run appended that name such a commit: the file is cut back to what
    it held before the run (the same file, or it is moved aside)."""
    from gatekeep.sandbox.created import _shown, _visible_text

    path = os.path.join(record.git, move.log)
    what = (f"gatekeep: warning: the command added lines to the reflog {_visible_text(move.log)}"
            f" (in {_shown(record.git, box.tree)}) naming {move.new}, whose protected files "
            f"differ ({_visible_text(', '.join(changed))}): `git checkout -` or @{{N}} would "
            "check it out; ")
    if not _cut(path, start):
        return _hold_log(box, record, move.log, "added such lines to")
    return what + "cut them off (the reflog is as it was before the run)\n"

def _cut_unresolved(box: Boundary, record: Refs, log: str, start: int,
                    words: list[str]) -> str:
    """Reflog lines the run appended naming a start of an id that names no commit yet:
    cut off, as `_cut_log` does."""
    from gatekeep.sandbox.created import _shown, _visible_text

    if not _cut(os.path.join(record.git, log), start):
        return _hold_log(box, record, log, "added such lines to")
    return (f"gatekeep: warning: the command added lines to the reflog {_visible_text(log)} "
            f"(in {_shown(record.git, box.tree)}) naming {_visible_text(', '.join(words))}, "
            "which names no commit yet: `git checkout -` would check out one made later; cut "
            "them off (the reflog is as it was before the run)\n")

def _cut(path: str, start: int) -> bool:
    """Cut the reflog at ``path`` back to ``start`` bytes (never through a link)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        os.ftruncate(fd, start)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True

def _free(git: str, name: str) -> str:
    import time

    return name if not os.path.lexists(os.path.join(git, name)) else f"{name}-{time.time_ns()}"

def _inside(git: str, path: str) -> bool:
    real = os.path.realpath(git)
    return path.startswith(real.rstrip("/") + "/")

def _write(git: str, name: str, text: str, check: bool = True) -> str | None:
    """Write the loose ref ``name`` (a valid name, unless not ``check``: a new file renamed
    over it, in a directory of ``git`` that no link leads out of); None when done, else why
    not."""
    import tempfile

    if check and not valid(name):
        return "no name git writes"
    path = os.path.join(git, name)
    parent = existing = os.path.dirname(path)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not _inside(git, os.path.realpath(existing) + "/"):
        return "its directory leads out of the git dir"
    try:
        os.makedirs(parent, exist_ok=True)
        if not _inside(git, os.path.realpath(parent) + "/"):
            return "its directory leads out of the git dir"
        handle, fresh = tempfile.mkstemp(prefix=".gatekeep-", dir=parent)
    except OSError as error:
        return error.strerror or type(error).__name__
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(fresh, path)
    except OSError as error:
        try:  # noqa: SIM105 - contextlib costs every boxed run its import
            os.unlink(fresh)
        except OSError:
            pass
        return error.strerror or type(error).__name__
    return None

def _remove(git: str, name: str) -> str | None:
    """Remove the ref ``name`` the run made: its loose file (a link itself, never what it
    names), and its lines in packed-refs."""
    from gatekeep.sandbox.created import NotPacked, rewrite_packed

    if not valid(name):
        return "no name git writes"
    path = os.path.join(git, name)
    wanted = os.fsencode(name)
    try:
        if _inside(git, os.path.realpath(os.path.dirname(path)) + "/") and \
                os.path.lexists(path) and not os.path.isdir(path):
            os.unlink(path)
        rewrite_packed(os.path.join(git, "packed-refs"), lambda packed: packed == wanted)
    except NotPacked:
        return "packed-refs is no plain file"
    except OSError as error:
        return error.strerror or type(error).__name__
    return None
