"""Code a command writes and then runs (``cp /bin/rm ./t && ./t``): not the project's code.

A program or script inside the working tree counts as the project's own code, trusted as
``make`` is. That trust is about what the tree holds when the command is judged; a file
another part of the same command writes, copies or downloads is code gatekeep never saw.
The check runs once every part is judged, so every directory a ``cd`` may move to is known,
and it looks at every other part, before or after (a loop runs a later part first).
"""

from __future__ import annotations

import posixpath

from gatekeep.core import manifests, values
from gatekeep.core.paths import within
from gatekeep.sandbox.records import NamedTuple

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from gatekeep.core.engine import _Judge
    from gatekeep.shell.analyze import Invocation
    from gatekeep.shell.model import Word


class Write(NamedTuple):
    writer: Invocation
    paths: frozenset[str]


def writes(judge: _Judge, invocations: tuple[Invocation, ...]) -> list[Write]:
    """Every path a part may write the content of; a write known only at run time is
    asked on its own (``path:unknown``), and chmod or touch change no content."""
    found = []
    for invocation in invocations:
        if invocation.program is None and not invocation.writes:
            continue
        spec = judge.knowledge.spec(_base(invocation.program or ""))
        if spec.keeps_content:
            continue
        # what it deletes holds nothing afterwards (`rm -rf build && cmake -B build`): no
        # code it put there, and what runs in its place was there to judge already
        deleted = invocation.positionals if spec.deletes_operands else ()
        paths = {p for word in invocation.writes if not process_substitution(word)
                 and not any(word is d for d in deleted) for p in judge.paths(word) or ()}
        if paths:
            found.append(Write(invocation, frozenset(paths)))
    return found


def makes_link(judge: _Judge, invocation: Invocation) -> bool:
    """Whether the part makes a symbolic link (`ln -s`: knowledge ``symlinks_with``), through
    which what another part writes lands where its text does not say."""
    spec = judge.knowledge.spec(_base(invocation.program or ""))
    return bool(spec.symlinks_with & frozenset(o.name for o in invocation.options))


def verdict(judge: _Judge, invocation: Invocation, writes: list[Write]
            ) -> tuple[str, str, str, str] | None:
    """``(rule, decision, reason, suggest)`` when the part runs a file another part writes."""
    watched = judge.wrapper_watched(invocation) if invocation.venv else []
    moved = next((p for w in writes if w.writer is not invocation for p in sorted(w.paths)
                  if any(within(p, place) for place in watched)), None)
    if invocation.venv and moved is None:
        # a link, or files a part does not name (`tar -x`, `unzip`, `git mv`), may bring in
        # a settings file or a whole venv (red team 96)
        unseen = judge.unseen_writer(invocation)
        moved = unseen.text if unseen is not None else None
    if moved is not None:
        # `cp x .venv/bin/gzip && uv run tar ...`, `echo ... > poetry.toml && poetry run x`
        return ("path:written-code", "ask",
                f"{invocation.segment.wrapper} runs {invocation.program} from a virtual "
                f"environment, with settings, that this command writes ({_shown(judge, moved)})",
                "write, then run as separate commands")
    if not writes:
        return None
    into = next((p for w in writes if w.writer is invocation for p in sorted(w.paths)
                 if any(within(p, b) for b in judge.venv_bins)), None)
    if into is not None:
        # `. .venv/bin/activate && cp x .venv/bin/ls && ls`: what a later name runs
        return ("path:written-code", "ask",
                f"writes {_shown(judge, into)} in a virtual environment this command activates, "
                "whose bin is first on PATH: a name another part runs may be what it writes",
                "activate, write and run as separate commands")
    shadow = next((p for w in writes if w.writer is not invocation for p in sorted(w.paths)
                   if _module_file(judge, p)), None) if _one_liner(judge, invocation) else None
    if shadow is not None:
        # `echo ... > numbers.py && python3 -c 'import statistics'`: a module a listed one
        # imports, found in the working directory first
        return ("path:written-code", "ask",
                f"{invocation.program} -c imports from the working directory, where this "
                f"command writes {_shown(judge, shadow)}: Python may load it for a module the "
                "code needs", "write the file, then run the one-liner as a separate command")
    code = _code(judge, invocation)
    linker = next((w.writer for w in writes if w.writer is not invocation
                   and makes_link(judge, w.writer)), None)
    if code and linker is not None and any(
            w.writer is not invocation and w.writer is not linker for w in writes):
        # `ln -s ../node_modules src/nm && printf ... > src/nm/.bin/jest && ...jest`
        return ("path:written-code", "ask",
                f"{invocation.program} runs code another part may write through the link "
                f"{linker.text} makes (red team 85): code gatekeep never saw",
                "make the link, write the file, then run it as separate commands")
    for write in writes:
        if write.writer is invocation:
            continue  # its own redirect: `./t > log` runs ./t as it was
        hit = next((path for path in code if any(within(path, w) for w in write.paths)), None)
        if hit is None:
            continue
        writer = write.writer.program or "a redirection"
        runner = invocation.program or invocation.text
        if judge.knowledge.spec(_base(writer)).network:
            return ("download-and-run", "deny",
                           f"{runner} runs {_shown(judge, hit)}, which {writer} downloads in "
                           "this same command",
                           "download to a file, read it, then run it as a separate command")
        return ("path:written-code", "ask",
                       f"{runner} runs or installs what {_shown(judge, hit)} holds, which "
                       f"this command writes ({writer}): code gatekeep never saw",
                       "write the file first, read it, then run it as a separate command")
    return None


def _code(judge: _Judge, invocation: Invocation) -> list[str]:
    """The files whose code the part runs: its program, its script, a package's tool."""
    program = invocation.program
    if program is None:
        return []
    words = list(invocation.runs_from)
    if "/" in program:
        words.insert(0, invocation.segment.argv[0])
    found = [p for word in words for p in judge.paths(word) or ()]
    venv = judge.wrapper_venv(invocation, program) if invocation.venv else None
    if venv is not None:
        found.append(venv)  # `uv run tool`: the project's .venv/bin/tool
    known = values.installer(invocation, judge.knowledge)
    lists = [o.value for o in invocation.options
             if known is not None and o.name in known.list_options and o.value is not None]
    found.extend(p for word in lists for p in judge.paths(word) or ())
    if lists:
        found.extend(judge.listed)  # every requirements file read, nested ones too
    found.extend(manifests.files(judge, invocation))  # `npm ci` runs package.json's scripts
    system = judge.context.resolver.which(_base(program)) if "/" not in program else None
    if system is not None:
        found.extend((system, judge.context.resolver.realpath(system)))
    package = invocation.package.value if invocation.package is not None else None
    if package:
        found.extend(posixpath.join(cwd, "node_modules", package if package.startswith("@")
                                    else posixpath.join(".bin", package))
                     for cwd in judge.cwds if cwd is not None)
    return found


def _one_liner(judge: _Judge, invocation: Invocation) -> bool:
    """Whether the part is Python code gatekeep read in full (``python -c``)."""
    spec = judge.knowledge.spec(_base(invocation.program or ""))
    return spec.inline_reader == "python" and any(
        o.name in spec.inline_code for o in invocation.options) and not any(
        h.kind == "inline-code" for h in invocation.hazards)


def _module_file(judge: _Judge, path: str) -> bool:
    """Whether Python may import the file from a working directory: a module there
    (``x.py``, ``x.pyc``, ``x.so``), or a package's ``__init__`` in a directory there."""
    cwds = {cwd for cwd in judge.cwds if cwd is not None}
    folder, name = posixpath.split(path)
    if name.startswith("__init__."):
        folder = posixpath.dirname(folder)
    return folder in cwds and name.endswith((".py", ".pyc", ".so"))


def _shown(judge: _Judge, path: str) -> str:
    cwd = judge.context.cwd
    return posixpath.relpath(path, cwd) if within(path, cwd) else path


def _base(program: str) -> str:
    return program.rsplit("/", 1)[-1]


def process_substitution(word: Word) -> bool:
    """Whether the word is one ``>(...)`` or ``<(...)`` and nothing else (bash gives a pipe)."""
    raw = word.raw
    if word.value is not None or not raw.startswith((">(", "<(")):
        return False
    depth = 0
    for index, char in enumerate(raw):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index > 1:
            return index == len(raw) - 1
    return False
