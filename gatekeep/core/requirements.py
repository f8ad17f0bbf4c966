"""A pip requirements file (``pip install -r FILE``), judged line by line.

The packages an install takes from a file are judged as the same words on the command
line would be: a line ``git+https://...``, ``name @ URL``, ``-e URL``, ``--index-url``,
``-f``, or a nested ``-r`` outside the tree is asked like its command-line twin. The file
lies in the tree the agent may have just written, so it is data to read, never trusted:
one gatekeep cannot read (missing, not a regular file, larger than the limit, not UTF-8),
an option this reading does not know, or a ``${VARIABLE}`` pip would expand is asked.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from typing import TYPE_CHECKING

from gatekeep.core import values
from gatekeep.core.paths import READ_LIMIT, within
from gatekeep.policy.model import STRICTNESS
from gatekeep.shell.model import Span, Word

if TYPE_CHECKING:
    from gatekeep.core.engine import _Judge
    from gatekeep.policy.values import PackageGuard

MAX_DEPTH = 8  # nested -r files
Problem = tuple[str, str, str]  # (decision, reason, suggest)

_LISTS = frozenset({"-r", "--requirement", "-c", "--constraint"})
_SPECS = frozenset({"-e", "--editable"})
_SOURCES = frozenset({"-i", "--index-url", "--extra-index-url", "-f", "--find-links",
                      "--trusted-host"})
# options that only narrow what pip accepts or how it checks it
_HARMLESS = frozenset({"--no-index", "--pre", "--prefer-binary", "--only-binary",
                       "--no-binary", "--require-hashes", "--hash"})
_COMMENT = re.compile(r"(?:^|\s+)#.*$")
_OPTIONS_START = re.compile(r"\s+(?=--?[A-Za-z])")
_DIRECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*(\S+)")
_REGISTRY = "install it by name from the default registry, or ask the operator"


def lines(text: str) -> list[tuple[int, str]]:
    """The logical lines (continuations joined, comments gone) with their first line number."""
    found: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, physical in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if physical.endswith("\\"):
            pending += physical[:-1]
            continue
        line = _COMMENT.sub("", pending + physical).strip()
        pending = ""
        if line:
            found.append((start, line))
    if pending.strip():
        found.append((start, _COMMENT.sub("", pending).strip()))
    return found


def findings(line: str, kind: str) -> list[values.Finding]:
    """What one line installs, as the command-line findings would say it."""
    if "${" in line:
        return [values.Finding("unknown", f"{line} (pip expands ${{...}} from its environment)")]
    if line.startswith("-"):
        return _option(line, kind)
    requirement, *options = _OPTIONS_START.split(line, maxsplit=1)
    found = _option(options[0], kind) if options else []
    direct = _DIRECT.match(requirement)
    text = direct.group(1) if direct else requirement.split(";", 1)[0].strip()
    return [values._spec(kind, _word(text)), *found]


def _option(text: str, kind: str) -> list[values.Finding]:
    try:
        words = shlex.split(text)
    except ValueError:
        return [values.Finding("unknown", text)]
    found = []
    while words:
        name, eq, value = words.pop(0).partition("=")
        if not eq and not name.startswith("--") and len(name) > 2:
            name, value = name[:2], name[2:]  # -rfile
        elif not eq and name not in _HARMLESS and words:
            value = words.pop(0)
        if name in _HARMLESS:
            continue
        if name in _LISTS and value:
            found.append(values.Finding("list", value, _word(value)))
        elif name in _SPECS and value:
            found.append(values._spec(kind, _word(value)))
        elif name in _SOURCES:
            found.append(values.Finding("source", f"{name} {value}".strip()))
        else:
            found.append(values.Finding("unknown", f"{name} (an option gatekeep does not read "
                                        "in a requirements file)"))
    return found


def _word(text: str) -> Word:
    return Word(text, text, Span(0, 0))


def problem(judge: _Judge, word: Word, guard: PackageGuard, kind: str,
            base: str | None = None, depth: int = 0) -> Problem | None:
    """The strictest problem of what the file ``word`` names lists (``base``: the directory
    of the file that names it, for a nested ``-r``)."""
    shown = word.raw
    paths = _paths(judge, word, base)
    if paths is None:
        return ("ask", f"installs what {shown} lists, a file known only at run time",
                _REGISTRY)
    if not paths or not all(judge._in_tree(p) for p in paths):
        return (guard.sources, f"installs what {shown} lists, a file outside the working "
                "tree that gatekeep does not read", _REGISTRY)
    if depth >= MAX_DEPTH:
        return ("ask", f"installs what {shown} lists, nested deeper than {MAX_DEPTH} files",
                _REGISTRY)
    worst: Problem | None = None
    for path in paths:
        found = _file(judge, path, shown, guard, kind, depth)
        if found is not None and (worst is None or STRICTNESS[found[0]] > STRICTNESS[worst[0]]):
            worst = found
    return worst


def _paths(judge: _Judge, word: Word, base: str | None) -> list[str] | None:
    if base is None:
        found = judge.paths(word)
        return None if found is None else list(dict.fromkeys(judge._realpath(p) for p in found))
    if word.value is None or word.value.startswith("~"):
        return None
    path = posixpath.normpath(posixpath.join(base, word.value))
    return [judge._realpath(path)]


def _file(judge: _Judge, path: str, shown: str, guard: PackageGuard, kind: str,
          depth: int) -> Problem | None:
    judge.listed.append(path)
    read = getattr(judge.context.resolver, "read", None)
    text = read(path) if read is not None else None
    if text is None:
        return ("ask", f"installs what {shown} lists, which gatekeep cannot read (a regular "
                f"UTF-8 file of at most {READ_LIMIT >> 10} KiB)", _REGISTRY)
    where = posixpath.relpath(path, judge.context.cwd) \
        if within(path, judge.context.cwd) else path
    worst: Problem | None = None
    for number, line in lines(text):
        for finding in findings(line, kind):
            found = _finding(judge, finding, guard, kind, posixpath.dirname(path), depth)
            if found is not None and (worst is None
                                      or STRICTNESS[found[0]] > STRICTNESS[worst[0]]):
                worst = (found[0], f"{found[1]} (in {where}, line {number})", found[2])
    return worst


def _finding(judge: _Judge, finding: values.Finding, guard: PackageGuard, kind: str,
             base: str, depth: int) -> Problem | None:
    if finding.kind == "list" and finding.word is not None:
        return problem(judge, finding.word, guard, kind, base, depth + 1)
    found = judge.package_problem(finding, guard, kind)
    if found is None and finding.kind == "path" and finding.word is not None \
            and finding.word.value is not None:  # relative to the file as well as the cwd
        beside = posixpath.normpath(posixpath.join(base, finding.word.value))
        found = judge.package_problem(finding._replace(word=_word(beside)), guard, kind)
    return found
