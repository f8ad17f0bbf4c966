"""Deletes of build output: what a build or a tool makes again, removed unasked.

``rm`` is asked because what it removes may be work nothing makes again. ``rm -rf dist``
removes what the build wrote, and ``rm -rf __pycache__`` what Python writes as it runs:
such a run has no ``deletes`` effect, so the rules that ask about deletes do not match it.
Every operand must lie in a directory of the working tree that program knowledge names
(``outputs:`` in policies/programs.yaml):

- a cache a tool keeps (``caches``: ``__pycache__``, ``.pytest_cache``), anywhere;
- a directory a build writes (``built``: ``dist``, ``build``, ``target``), where a
  ``.gitignore`` from the top of the tree down to it lists it, since ``build/`` holds
  source in some projects. The agent may write that file, but it gains nothing by it: the
  tree's files are its to replace, and this only spares the question.

A brace's words (``{dist,build}``) count as each word would, in a word with no quote or
escape. A search that finds only entries named as a cache (``find . -name __pycache__ -exec
rm -rf {} +``, ``find . -name '*.pyc' -delete``: ``Invocation.found_as``) deletes only
caches, from starting points in the tree that no link leads to; one named as build output
(``find . -name '*.class' -delete``) only where a ``.gitignore`` at or above each starting
point lists that name for files too (not ``tmp/`` alone). Either name may be a branch's
(``build``, ``build-fixes``): find walks ``.git``, where git keeps refs, their logs,
submodules and worktrees by the names people choose, so a search from a directory holding
the tree's ``.git`` is asked where one is named so now. A deeper ``.gitignore`` is not read:
a file it lists again with ``!`` is one git may track, and restore.

A pattern's directories may be patterns too when its last part is a name of output
(``rm -rf packages/*/dist``): each path it matches now is judged, as is the pattern.

Nothing else counts: a word known only at run time; another pattern but in its last part, or one
whose last part starts with a dot (`.?` is `..` to dash), or one that matches anything that
is not such output now (a link among its matches); a ``..`` (it follows a link the way the
system does); a link anywhere on the path; ``.git``; a name a ``.gitignore`` lists only as a
directory (``build/``) that is not one; a path another part of the same command writes
(``mv src dist && rm -rf dist``); a command with a part that writes files it does not name
(``git mv``, ``tar -x``, an unknown program: it may put source, or a link to it, in the
output first); a run given more words as it runs (``xargs rm``: asked for its input's
words). Not checked: files git tracks inside an ignored directory (``git add -f``); the
project's own scripts and builds beside it (``npm run build && rm -rf dist/x``), which run
as tree code and may delete anything themselves.
"""

from __future__ import annotations

import posixpath

from gatekeep.core.paths import within
from gatekeep.core.written import makes_link
from gatekeep.shell.knowledge import named_as

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from gatekeep.core.engine import _Judge
    from gatekeep.shell.analyze import Invocation
    from gatekeep.shell.model import Word

_PATTERN = "*?[{("  # a pattern's literal directory ends before the first of these
_WRITES = frozenset({"writes-tree", "writes-elsewhere", "discards", "deletes"})


def regenerable(judge: _Judge, invocation: Invocation) -> bool:
    """Whether every file the run deletes lies in build output (see the module)."""
    operands = invocation.positionals
    if not operands or invocation.dynamic_options or invocation.hazards:
        return False
    others = [part for part in judge.parts if part.segment is not invocation.segment]
    if not all(names_its_writes(judge, part) for part in others) \
            or any(makes_link(judge, part) for part in others):
        return False  # (a link made beside: `ln -s ../build t/b && mv src t/b/`)
    # (what a part deletes holds nothing it put there: `rm -rf dist && find . -name
    # __pycache__ -exec rm -rf {} +`)
    written = [p for part in others if not _keeps_content(judge, part)
               for word in part.writes if not _deleted(judge, part, word)
               for p in judge.paths(word) or ()]
    searches = bool(judge.knowledge.spec(_base(invocation)).names_found)
    for word in operands:
        if word.glob and word.value is not None and any(
                within(w, _literal_directory(p)) for p in judge.resolved(word) or ()
                for w in written):
            # `mv src x.egg-info && rm -rf ./*.egg-info`, `mv src packages/x/dist && rm -rf
            # packages/*/dist`: a match made first
            return False
        found = searches or (word.static and word.value == "{}")
        paths = _found(judge, invocation) if found and invocation.found_as else \
            None if found else _paths(judge, word)
        if not paths or not all(
                (found or _output(judge, path))
                and not any(within(w, path) or within(path, w) for w in written)
                for path in paths):
            return False
    return True


def _literal_directory(pattern: str) -> str:
    """The directory a pattern's matches all lie in: before its first pattern character."""
    cut = min((pattern.index(mark) for mark in "*?[" if mark in pattern), default=None)
    if cut is None:
        return posixpath.dirname(pattern)
    return pattern[:cut].rsplit("/", 1)[0] or "/"


def _base(invocation: Invocation) -> str:
    return (invocation.program or "").rsplit("/", 1)[-1]


def _found(judge: _Judge, invocation: Invocation) -> list[str] | None:
    """The directories a search starts from, when every entry it finds (each ``{}`` it
    gives ``rm``) is named as a cache (``find . -type d -name __pycache__``), or as build
    output a ``.gitignore`` at or above each start lists (``find . -name '*.class'
    -delete``): each in the tree, reached through no link and not in ``.git``; None
    otherwise. What the search finds
    in ``.git`` is named as no file of git's is."""
    name = invocation.found_as
    cache = named_as(name, judge.knowledge.output_caches)
    if not cache and not named_as(name, judge.knowledge.output_built):
        return None
    tree = judge.context.cwd
    found: list[str] = []
    for word in invocation.found_in:
        paths = _paths(judge, word)
        if paths is None or word.glob:
            return None
        for path in paths:
            names = path[len(tree):].strip("/").split("/")
            if not within(path, tree) or ".git" in names \
                    or judge.context.resolver.realpath(path) != path \
                    or (path == tree and named_as(posixpath.basename(tree), (name,))) \
                    or _git_names(judge, path, tree, name) \
                    or not (cache or _ignored(judge, tree, [*filter(None, names), name],
                                             anywhere=True)):
                return None
            found.append(path)
    return found or None


def _deleted(judge: _Judge, part: Invocation, word: Word) -> bool:
    """Whether ``word`` is an operand the part deletes (`rm`: ``deletes_operands``)."""
    return judge.knowledge.spec(_base(part)).deletes_operands \
        and any(word is operand for operand in part.positionals)


_REF_DEPTH = 6  # refs nested deeper than this (`refs/heads/a/b/c/d/e/f`) are not looked at


def _git_names(judge: _Judge, start: str, tree: str, name: str) -> bool:
    """Whether a search from ``start`` walks the tree's ``.git`` and may find an entry named
    ``name`` there: a branch, tag or remote ref (`build-fixes`), its log, a submodule's or a
    worktree's directory, all named as people choose (red teams 93 and 94); or refs nested
    deeper than gatekeep looks. No ref's part starts with a dot."""
    git = posixpath.join(tree, ".git")
    if not within(git, start) or name.startswith("."):
        return False
    expand = judge.context.resolver.expand
    patterns = [posixpath.join(git, kind, *["*"] * depth, name)
                for kind in ("refs", "logs/refs") for depth in range(_REF_DEPTH)]
    patterns += [posixpath.join(git, kind, *["*"] * depth, name)
                 for kind in ("modules", "worktrees") for depth in range(2)]
    # a submodule's own repository, and nested ones (red team 95)
    patterns += [posixpath.join(git, "modules", *["*"] * modules, kind, *["*"] * depth, name)
                 for modules in (1, 2) for kind in ("refs", "logs/refs")
                 for depth in range(_REF_DEPTH)]
    patterns.append(posixpath.join(git, "refs", *["*"] * _REF_DEPTH, "*"))
    return any(expand(pattern) for pattern in patterns)


def _keeps_content(judge: _Judge, part: Invocation) -> bool:
    """`mkdir -p dist`, `touch`, `chmod`: what it writes holds nothing it put there."""
    return part.program is not None \
        and judge.knowledge.spec(part.program.rsplit("/", 1)[-1]).keeps_content


def names_its_writes(judge: _Judge, part: Invocation) -> bool:
    """Whether a part writes no file but those it names (or runs the tree's code, which
    may do anything anyway): a shell construct, a program that deletes, prints or keeps
    content, one whose table says it writes nothing, or one that names what it writes."""
    if part.program is None:
        return True
    base = part.program.rsplit("/", 1)[-1]
    if part.module is not None and part.module.value != base:
        return True  # `python -m pytest`: what the module writes is judged in its own part
    spec = judge.knowledge.spec(base)
    if spec.deletes_operands or spec.says_only or spec.keeps_content \
            or spec.changes_directory or spec.names_found:
        return True  # (a search writes what it names, and deletes what it finds)
    if spec.unseen_writes or spec.names_from_input or spec.writes_with or spec.old_style:
        return False  # `patch`, `tar -x`, `unzip`: what the input names
    if judge.knowledge.effects.get(base) is not None:
        # a subcommand the table does not describe (`git bisect`) may write anything
        effects = judge.described_run(part)
        return effects is not None and not _WRITES.intersection(effects)
    if spec.runs_cwd or spec.code_positionals:
        # `cmake -B build`, `pytest`: no table says what it writes; it runs the tree's code,
        # which may delete anything itself
        return True
    return spec.positional_writes or bool(spec.writes_positional) or spec.into_dir


def _paths(judge: _Judge, word: Word) -> list[str] | None:
    """The paths a word may name: itself; for a pattern (in its last part only, which
    starts with no dot), its directory and every path it matches now."""
    if word.value is None or word.home or ".." in word.value.split("/"):
        return None
    if word.splits:
        return _alternatives(judge, word)
    if not word.glob:
        return judge.paths(word)
    directory, _, last = word.value.rstrip("/").rpartition("/")
    if not any(mark in directory for mark in _PATTERN) and last[:1] not in ("", ".") \
            and not any(mark in last for mark in "[{(") and named_as(
            last, (*judge.knowledge.output_caches, *judge.knowledge.output_built)):
        # `rm -rf ./*.egg-info`, `rm -f src/*.o`: whatever it matches, now or later, is
        # named as output; the pattern stands for what it may match later (where a
        # `.gitignore` lists `*.o`)
        return judge.paths(word)
    if directory and not any(mark in directory for mark in "[{(") \
            and all(part[:1] not in ("", ".") for part in directory.split("/")
                    if "*" in part or "?" in part) \
            and last[:1] not in ("", ".") and not any(mark in last for mark in _PATTERN) \
            and named_as(last, (*judge.knowledge.output_caches, *judge.knowledge.output_built)):
        # `rm -rf packages/*/dist`: an output named in every directory a pattern matches,
        # which starts with no dot; the pattern as written, and each path it matches now
        return judge.paths(word)
    if not directory or any(mark in directory for mark in _PATTERN) \
            or last[:1] in ("", ".") or "[" in last:
        return None  # a bracket may be a class Python's glob does not know (`[[:alpha:]]`)
    matched = judge.paths(word)
    listed = judge.paths(word._replace(value=directory, raw=directory, glob=False))
    if matched is None or listed is None:
        return None
    pattern = set(judge.resolved(word) or ())  # the pattern itself, as written
    return [*listed, *(path for path in matched if path not in pattern)]


def _alternatives(judge: _Judge, word: Word) -> list[str] | None:
    """The paths of each word a brace makes (``{dist,build}``), each a plain word: in a
    word written with no quote or escape, where the brace's words are what bash makes."""
    from gatekeep.core import globs

    if word.raw != word.value:
        return None  # `{"dist,src",x}` is the words `dist,src` and `x`
    texts = globs.braces(word.value)
    if len(texts) >= globs.MAX_BRACE_WORDS:
        return None
    found: list[str] = []
    for text in texts:
        if any(mark in text for mark in _PATTERN) or ".." in text.split("/"):
            return None
        paths = judge.paths(word._replace(value=text, raw=text, glob=False, splits=False))
        if paths is None:
            return None
        found.extend(paths)
    return found


def _unignores(line: str, name: str) -> bool:
    """Whether a ``!`` line may list again an entry named as ``name`` matches: its last
    part matches ``name``, or is a pattern itself (``!Keep.class``, ``!*``)."""
    last = line[1:].rstrip("/").rsplit("/", 1)[-1]
    return named_as(last, (name,)) or any(mark in last for mark in "*?[")


def _output(judge: _Judge, path: str) -> bool:
    tree = judge.context.cwd
    if path == tree or not within(path, tree) \
            or judge.context.resolver.realpath(path) != path:
        return False
    names = path[len(tree):].strip("/").split("/")
    if ".git" in names:
        return False
    knowledge = judge.knowledge
    for index, name in enumerate(names):
        if named_as(name, knowledge.output_caches):
            return True
        if named_as(name, knowledge.output_built) and _ignored(judge, tree, names[:index + 1]):
            return True
    return False


def _not_a_file(judge: _Judge, tree: str, names: list[str]) -> bool:
    """Whether the path is a directory, or nothing: git reads `build/` as a directory."""
    return judge.context.resolver.fingerprint(posixpath.join(tree, *names)) in ("dir", None)


def _ignored(judge: _Judge, tree: str, names: list[str], anywhere: bool = False) -> bool:
    """Whether a ``.gitignore`` in the tree, at or above the directory, lists it: by its
    name (``dist``, ``dist/``, ``*.egg-info``) or by its path from there (``/dist``,
    ``target/``). A line that lists it again with ``!`` makes it not ignored. ``anywhere``:
    the last name is what a search finds at any depth below, so only a line for that name
    at any depth and for files too counts (``*.class``, ``**/*.class``; not ``/*.class``
    or ``tmp/``), and a ``!`` line for any name it may match, or a pattern, undoes it."""
    name = names[-1]
    found = False
    for depth in range(len(names)):
        text = judge.context.resolver.read(posixpath.join(tree, *names[:depth], ".gitignore"))
        if not text:
            continue
        relative = "/".join(names[depth:])
        forms = {relative, f"/{relative}", f"{relative}/", f"/{relative}/"}
        if "/" not in relative:
            forms |= {f"**/{relative}", f"**/{relative}/"}
        for line in text.splitlines():
            line = line.rstrip(" ")  # git drops trailing spaces only (not tabs: red team 93)
            if line.startswith("!") and (name in line or (anywhere and _unignores(line, name))):
                return False
            bare = line.rstrip("/")
            if anywhere:
                found = found or line.removeprefix("**/") == name
                continue
            if (line in forms or (bare and "/" not in bare and named_as(name, (bare,)))) \
                    and (bare == line or _not_a_file(judge, tree, names)):
                found = True
    return found
