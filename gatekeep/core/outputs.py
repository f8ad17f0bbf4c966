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

Nothing else counts: a word known only at run time, a pattern whose directory is not such
a one, a ``..`` (it follows a link the way the system does), a link anywhere on the path,
``.git``, a path another part of the same command writes (``mv src dist && rm -rf dist``),
or a run given more words as it runs (``xargs rm``: asked for its input's words).
"""

from __future__ import annotations

import posixpath

from gatekeep.core.paths import within

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from gatekeep.core.engine import _Judge
    from gatekeep.shell.analyze import Invocation
    from gatekeep.shell.model import Word

_PATTERN = "*?[{("  # a pattern's literal directory ends before the first of these


def regenerable(judge: _Judge, invocation: Invocation) -> bool:
    """Whether every file the run deletes lies in build output (see the module)."""
    operands = invocation.positionals
    if not operands or invocation.dynamic_options or invocation.hazards:
        return False
    others = [p for part in judge.parts if part is not invocation
              for word in part.writes for p in judge.paths(word) or ()]
    for word in operands:
        paths = _paths(judge, word)
        if not paths or not all(
                _output(judge, path) and not any(within(w, path) or within(path, w)
                                                 for w in others) for path in paths):
            return False
    return True


def _paths(judge: _Judge, word: Word) -> list[str] | None:
    """The paths a word may name: itself, or for a pattern its literal directory."""
    if word.value is None or word.splits or word.home \
            or ".." in word.value.split("/"):
        return None
    if not word.glob:
        return judge.paths(word)
    head = word.value
    for mark in _PATTERN:
        head = head.split(mark, 1)[0]
    directory = head.rsplit("/", 1)[0] if "/" in head else ""
    if not directory:
        return None
    return judge.paths(word._replace(value=directory, raw=directory, glob=False))


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
        if _named(name, knowledge.output_caches):
            return True
        if _named(name, knowledge.output_built) and _ignored(judge, tree, names[:index + 1]):
            return True
    return False


def _named(name: str, known: tuple[str, ...]) -> bool:
    """``name`` is one of ``known``: a name, or ``*suffix`` / ``prefix*``."""
    return any(name == k or (k.startswith("*") and name.endswith(k[1:]))
               or (k.endswith("*") and name.startswith(k[:-1])) for k in known)


def _ignored(judge: _Judge, tree: str, names: list[str]) -> bool:
    """Whether a ``.gitignore`` in the tree, at or above the directory, lists it: by its
    name (``dist``, ``dist/``, ``*.egg-info``) or by its path from there (``/dist``,
    ``target/``). A line that lists it again with ``!`` makes it not ignored."""
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
            line = line.strip()
            if line.startswith("!") and name in line:
                return False
            bare = line.rstrip("/")
            if line in forms or (bare and "/" not in bare and _named(name, (bare,))):
                found = True
    return found
