"""After a boxed run: refs it moved to a commit that changes a protected file, put back.

A boxed run writes ``.git`` (commits need it), so it can move any ref, not only the branch
checked out: ``git update-ref refs/heads/other NEW``, or ``ORIG_HEAD``, to an honest commit
whose tree holds the agent's ``.pre-commit-config.yaml``. The operator's next ``git checkout
other`` or ``git reset --hard ORIG_HEAD`` writes it, unboxed, and ``git status`` shows
nothing (red team 64). The box keeps those files read-only, so no run of the operator's
tools can have committed a change to them: a ref the run moved (or made) whose commit holds
other protected files than the ref's commit before it (a new ref: ``HEAD``'s), and other than
the index holds for them, is put back, and the run's commit kept under ``refs/gatekeep-held/``.
"""

from __future__ import annotations

import os

from gatekeep.sandbox.gitrefs import HEX, MOST_REFS, NOT_A_FILE, Refs, refs, resolved

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: runtime code imports this
if TYPE_CHECKING:
    from collections.abc import Iterable

    from gatekeep.sandbox.boundary import Boundary

HELD = "refs/gatekeep-held/"


def check(box: Boundary) -> list[str]:
    """After a boxed run: each ref it moved or made whose commit holds other protected files
    than before (and than the index holds), put back (a new one removed), the commit kept
    as ``refs/gatekeep-held/NAME``; warning lines."""
    lines: list[str] = []
    for record in box.git_refs:
        lines += _check(box, record)
    return lines


def _check(box: Boundary, record: Refs) -> list[str]:
    from gatekeep.sandbox.created import _shown

    where = _shown(record.git, box.tree)
    after = refs(record.git)
    if record.refs is None or after is None:
        return [f"gatekeep: warning: {where} has more refs than gatekeep reads on each run "
                f"({MOST_REFS:,}): check which refs the command moved before checking one "
                "out (git reflog)\n"]
    before, now = dict(record.refs), dict(after)
    moved = [name for name, value in after if before.get(name) != value
             and not name.startswith((HELD, "refs/replace/"))]  # replace refs: created.py
    if not moved:
        return []  # the usual case: nothing is run
    head = resolved(before, "HEAD")
    pairs: list[tuple[str, str, str | None]] = []
    for name in moved:
        new, old = resolved(now, name), resolved(before, name) if name in before else head
        if new is not None and new != old:  # to nothing, or where it was: git checks out no
            pairs.append((name, new, old))  # other file
    if not pairs:
        return []
    objects = {oid for _, new, old in pairs for oid in (new, old) if oid is not None}
    answers = _entries(record.git, sorted(objects), record.places)
    if answers is None:
        return [f"gatekeep: warning: the command moved refs in {where} ("
                f"{_names(name for name, _, _ in pairs)}) and gatekeep could not run git to "
                "check what they hold: check them before checking one out\n"] if pairs else []
    staged = {place: _staged(record.staged, place) for place in record.places}
    lines = []
    for name, new, old in pairs:
        changed = [place for place in record.places
                   if _differs(answers[new, place],
                               answers[old, place] if old is not None else "missing",
                               staged[place])]
        if not changed:
            continue
        if box.network and (name == "FETCH_HEAD" or name.startswith("refs/remotes/")):
            lines.append(_fetched(box, record, name, new, changed))
        else:
            lines.append(_put_back(box, record, name, before.get(name), new, old, changed))
    return lines


def _staged(entries: tuple[tuple[str, ...], ...], place: str) -> str | None:
    """The object a commit of the index would hold at ``place``: its entry's, or for a
    directory the tree git would write from the entries below it; None when none is
    known (no entry, or one git would not write as it is: a conflict, an intent to add)."""
    below = [(name[len(place) + 1:], mode, oid) for name, mode, oid, flags in entries
             if name.startswith(place + "/") and _plain(flags)]
    exact = [oid for name, _, oid, flags in entries if name == place and _plain(flags)]
    if exact:
        return exact[0]
    if not below or len(below) != sum(name.startswith(place + "/") for name, *_ in entries):
        return None
    return _tree(below, len(below[0][2]))


def _plain(flags: str) -> bool:
    """An entry at stage 0 without git's intent-to-add bit (in the extended flags)."""
    value = int(flags, 16) if flags and set(flags) <= HEX else -1
    first = value >> (8 * (len(flags) // 2) - 16) if value >= 0 else -1
    extended = value & 0xFFFF if len(flags) == 8 else 0
    return first >= 0 and not first & 0x3000 and not extended & 0x2000


def _tree(entries: list[tuple[str, str, str]], width: int) -> str:
    """The id git gives the tree of ``entries`` (path below it, mode as the index stores
    it in hex, object): each directory's entries in git's order, hashed as git hashes."""
    import hashlib

    algorithm = "sha256" if width == 64 else "sha1"
    rows: list[tuple[bytes, bytes, str]] = []  # (what git sorts by, mode and name, object)
    below: dict[str, list[tuple[str, str, str]]] = {}
    for path, mode, oid in entries:
        head, inside, rest = path.partition("/")
        if inside:
            below.setdefault(head, []).append((rest, mode, oid))
        else:
            rows.append((os.fsencode(head), f"{int(mode, 16):o} ".encode() + os.fsencode(head),
                         oid))
    rows += [(os.fsencode(head) + b"/", b"40000 " + os.fsencode(head), _tree(inner, width))
             for head, inner in below.items()]
    body = b"".join(head + b"\0" + bytes.fromhex(oid) for _, head, oid in sorted(rows))
    return hashlib.new(algorithm, b"tree %d\0" % len(body) + body).hexdigest()


def _differs(new: str, old: str, staged: str | None) -> bool:
    """Whether what a ref's commit now holds at a protected place is neither what it held
    before nor what the index holds; what git could not be asked about differs."""
    if new == "unknown":
        return True
    return new != old and new.split(" ")[0] != staged


def _fetched(box: Boundary, record: Refs, name: str, new: str, changed: list[str]) -> str:
    """A remote's ref a box with the network moved: the remote's own change, said."""
    from gatekeep.sandbox.created import _shown, _visible_text

    return (f"gatekeep: warning: the command moved {_visible_text(name)} to {new}, whose "
            f"protected files differ ({_visible_text(', '.join(changed))}), in "
            f"{_shown(record.git, box.tree)}: check the change before merging or checking it "
            "out\n")


def _names(names: Iterable[str]) -> str:
    from gatekeep.sandbox.created import _visible_text

    return _visible_text(", ".join(names))


def _entries(git: str, objects: list[str], places: tuple[str, ...]
             ) -> dict[tuple[str, str], str] | None:
    """What each object's tree holds at each place (``OBJECT TYPE``, or ``missing``), read
    by git in a box that writes nothing and reaches nothing; None when it cannot be run.
    A place git could not be asked about (a line break in its name) is ``unknown``."""
    import subprocess

    from gatekeep.sandbox import bwrap, seccomp
    from gatekeep.sandbox.gitobjects import VERIFY_TIMEOUT, _covered, _git, _limited
    from gatekeep.sandbox.spec import BWRAP

    asked = [(oid, place) for oid in objects for place in places if "\n" not in place]
    answers = {(oid, place): "unknown" for oid in objects for place in places}
    program, git_program = bwrap.find(BWRAP), _git()
    box = None if program is None else bwrap.sealed(program, "/", _covered(), [git])
    if box is None or git_program is None:
        return None
    calls = seccomp.descriptor()
    try:
        filtered = ["--seccomp", str(calls)] if calls >= 0 else []
        done = subprocess.run(  # noqa: S603 - git reading objects, boxed
            [box[0], *filtered, *box[1:], git_program, f"--git-dir={git}", "cat-file",
             "--batch-check=%(objectname) %(objecttype)"],
            input="".join(f"{oid}:{place}\n" for oid, place in asked).encode(),
            capture_output=True, timeout=VERIFY_TIMEOUT, check=False,
            pass_fds=(calls,) if calls >= 0 else (), preexec_fn=_limited,
            env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
                 "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_NO_REPLACE_OBJECTS": "1"})
    except (subprocess.TimeoutExpired, OSError):
        return None
    finally:
        if calls >= 0:
            os.close(calls)
    said = os.fsdecode(done.stdout).splitlines()
    if done.returncode != 0 or len(said) != len(asked):
        return None
    for key, line in zip(asked, said, strict=True):
        answers[key] = "missing" if line.endswith(" missing") else line
    return answers


def _put_back(box: Boundary, record: Refs, name: str, value: str | None, new: str,
              old: str | None, changed: list[str]) -> str:
    from gatekeep.sandbox.created import _shown, _visible_text

    files = _visible_text(", ".join(changed))
    keep = _write(record.git, _free(record.git, HELD + name), new + "\n")
    shown = _visible_text(name)
    if value == NOT_A_FILE:  # what it was cannot be written again
        undone: str | None = "it was no plain file before the run"
        what = f"moved {shown} to {new}, whose protected files differ ({files})"
    elif value is None:
        undone = _remove(record.git, name)
        what = f"made {shown} at {new}, whose protected files differ from HEAD's ({files})"
    else:
        undone = _write(record.git, name, value + "\n")
        what = (f"moved {shown} from {old or _visible_text(value)} to {new}, whose protected "
                f"files differ ({files})")
    done = "put it back" if value is not None else "removed it"
    outcome = (f"{done}" if undone is None else f"could not undo it ({undone}): "
               f"run git update-ref {'-d ' + shown if value is None else shown + ' ' + str(old)}"
               " before running git")
    kept = (f"kept the commit as {HELD}{shown} (git diff {old or 'HEAD'} {new} -- {files} "
            "shows the change)" if keep is None else f"the commit is {new}")
    return (f"gatekeep: warning: the command {what}, in {_shown(record.git, box.tree)}: git "
            f"would write them at its checkout; {outcome}; {kept}\n")


def _free(git: str, name: str) -> str:
    import time

    return name if not os.path.lexists(os.path.join(git, name)) else f"{name}-{time.time_ns()}"


def _write(git: str, name: str, text: str) -> str | None:
    """Write the loose ref ``name`` (a new file renamed over it, in a directory in ``git``
    that no link leads out of); None when done, else why not."""
    import tempfile

    path = os.path.join(git, name)
    parent = existing = os.path.dirname(path)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    real = os.path.realpath(existing)
    if real != git and not real.startswith(git.rstrip("/") + "/"):
        return "its directory leads out of the git dir"
    try:
        os.makedirs(parent, exist_ok=True)
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
    """Remove the ref ``name`` the run made: its loose file, and its line in packed-refs."""
    from gatekeep.sandbox.created import NotPacked, rewrite_packed

    path = os.path.join(git, name)
    wanted = os.fsencode(name)
    try:
        if os.path.lexists(path):
            os.unlink(path)
        rewrite_packed(os.path.join(git, "packed-refs"), lambda packed: packed == wanted)
    except NotPacked:
        return "packed-refs is no plain file"
    except OSError as error:
        return error.strerror or type(error).__name__
    return None
