"""Run a command with real bash among recording shims, and compare with gatekeep's segments.

The sandbox's PATH holds only shims: tiny ``/bin/sh`` scripts that append their
argv (argument count, program name, arguments; NUL-separated, so any bytes,
newlines and empty arguments survive) to a file named after their pid in the run's
log directory. Every process bash starts inherits the write end of a pipe, so the
run is over when that pipe reaches end-of-file: background jobs and process
substitutions are waited for too.

The comparison runs one way: every program bash ran must appear among the
segments gatekeep derived (the parser's, plus those analysis unwrapped from
wrappers such as ``time``), with the same words. A word gatekeep could not know
statically matches what bash made of it only as far as its flags allow:

* a static word is exactly one argument with its value (``~``/``$HOME`` prefixed);
* a dynamic word (value ``None``) that does not split is exactly one argument,
  starting with the word's known prefix;
* a word that splits (unquoted expansion, brace expansion) is any number of
  arguments, a glob at least one.

A command gatekeep reports as unparseable is never allowed, so it is skipped (and
counted): there is nothing to compare.

bash runs with ``LC_ALL=C.UTF-8`` (``$'\\u00e9'`` is UTF-8, as gatekeep decodes it), no
startup files, stdin from /dev/null and an environment of PATH, HOME and the log
directory only.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from gatekeep.policy.load import load_knowledge_default
from gatekeep.shell.analyze import analyze
from gatekeep.shell.knowledge import Knowledge
from gatekeep.shell.model import ParsedCommand, SegmentKind, Word
from gatekeep.shell.parse import parse

BASH = shutil.which("bash") or "/bin/bash"
TIMEOUT = 20.0  # seconds for one run; a generated command normally takes a few milliseconds
LOG_VARIABLE = "GK_DIFF_LOG"
SHIM = """#!/bin/sh
printf '%s\\0' "$#" "${{0##*/}}" "$@" >> "${var}/$$"
exit {status}
"""

Argv = tuple[bytes, ...]
_FLAGS = ("glob", "splits", "home")


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    return load_knowledge_default()


# -- running bash ---------------------------------------------------------------------

class BashRun(NamedTuple):
    """What bash ran: each program's argv (the program as its bare name), in no order."""

    argvs: tuple[Argv, ...]
    returncode: int


@dataclass
class Sandbox:
    """A directory of shims and a HOME; each run gets a fresh working and log directory."""

    root: Path
    programs: Sequence[str]
    failing: Sequence[str] = ()
    input_files: Sequence[str] = ()
    shims: Path = field(init=False)
    home: Path = field(init=False)

    def __post_init__(self) -> None:
        self.shims = self.root / "shims"
        self.home = self.root / "home"
        self.shims.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(exist_ok=True)
        for name in [*self.programs, *self.failing]:
            shim = self.shims / name
            shim.write_text(SHIM.format(var=LOG_VARIABLE, status=int(name in self.failing)),
                            encoding="ascii")
            shim.chmod(0o755)

    @property
    def work(self) -> Path:
        """The working directory of every run (made afresh each time)."""
        return self.root / "run" / "work"

    def run(self, command: str) -> BashRun:
        scratch = self.work.parent
        shutil.rmtree(scratch, ignore_errors=True)
        log = scratch / "log"
        self.work.mkdir(parents=True)
        log.mkdir()
        try:
            for name in self.input_files:
                (self.work / name).write_text("input\n", encoding="ascii")
            env = {"PATH": str(self.shims), LOG_VARIABLE: str(log), "HOME": str(self.home),
                   "LC_ALL": "C.UTF-8"}
            returncode = _run_bash(command, self.work, env)
            return BashRun(tuple(_read_log(log)), returncode)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _run_bash(command: str, cwd: Path, env: dict[str, str]) -> int:
    """Run ``bash -c command``; return once it and everything it started have ended."""
    done_read, done_write = os.pipe()
    try:
        process = subprocess.Popen(
            [BASH, "--noprofile", "--norc", "-c", command.encode("utf-8", "surrogateescape")],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(done_write,), start_new_session=True)
        os.close(done_write)
        done_write = -1
        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            ready = select.select([done_read], [], [], max(remaining, 0))[0] if remaining > 0 \
                else []
            if not ready:
                _kill_group(process.pid)
                process.wait()
                raise TimeoutError(f"bash ran longer than {TIMEOUT}s: {command!r}")
            if not os.read(done_read, 4096):
                break
        return process.wait(timeout=TIMEOUT)
    finally:
        os.close(done_read)
        if done_write >= 0:
            os.close(done_write)


def bash_version() -> tuple[int, ...]:
    """The version of the bash the test runs, (0,) if there is none."""
    try:
        out = subprocess.run([BASH, "-c", "echo ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"],
                             capture_output=True, text=True, timeout=TIMEOUT, check=True)
    except (OSError, subprocess.SubprocessError):
        return (0,)
    return tuple(int(part) for part in out.stdout.strip().split("."))


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _read_log(log: Path) -> list[Argv]:
    argvs: list[Argv] = []
    for path in sorted(log.iterdir()):
        fields = path.read_bytes().split(b"\0")
        index = 0
        while index + 1 < len(fields):
            count = int(fields[index])
            argvs.append(tuple(fields[index + 1 : index + 2 + count]))
            index += 2 + count
    return argvs


# -- gatekeep's side ----------------------------------------------------------------

def gatekeep_argvs(parsed: ParsedCommand) -> tuple[list[tuple[Word, ...]], bool]:
    """The argv of every program segment, and whether gatekeep found the command analysable."""
    argvs = [s.argv for s in parsed.segments if s.kind is SegmentKind.COMMAND and s.argv]
    analysis = analyze(parsed, knowledge())
    argvs.extend(i.segment.argv for i in analysis.invocations
                 if i.segment.wrapper is not None and i.segment.argv)
    return argvs, not analysis.problems


def encode(text: str) -> bytes:
    """A value as the bytes bash would pass: UTF-8, with escaped surrogates as raw bytes."""
    out = bytearray()
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        else:
            out += char.encode("utf-8", "surrogatepass")
    return bytes(out)


class _Expect(NamedTuple):
    value: bytes | None  # exactly this argument
    prefix: bytes  # else: arguments starting with this
    least: int
    most: int | None
    also: bytes | None = None  # or exactly this one, or (without value) starting with it


# bash expands ~ after the = of an argument that looks like an assignment (dd of=~/x), and
# after each : in it; gatekeep keeps the ~, which its path resolution reads as the home.
_ASSIGNMENT_LIKE = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_TILDE = re.compile(rb"(?:^|(?<=:))~(?=/|:|$)")


def _assignment_tilde(value: bytes, home: bytes) -> bytes | None:
    match = _ASSIGNMENT_LIKE.match(value)
    if match is None:
        return None
    head, tail = value[: match.end()], value[match.end() :]
    expanded = head + _TILDE.sub(lambda _: home, tail)
    return expanded if expanded != value else None


def _expect(word: Word, home: bytes) -> _Expect:
    base = home if word.home else b""
    if word.value is not None and not word.glob and not word.splits:
        value = base + encode(word.value)
        return _Expect(value, b"", 1, 1, None if word.home else _assignment_tilde(value, home))
    if word.glob:  # any files, or the pattern itself; a brace expansion may give no word
        return _Expect(None, b"", 0 if word.splits else 1, None)
    # ~user is another user's home (or stays as it is): its prefix is not under HOME
    other_user = word.home and word.raw.startswith("~") and word.raw != "~" \
        and not word.raw.startswith("~/")
    prefix = b"" if other_user else base + encode(word.prefix)
    also = _assignment_tilde(prefix, home)
    if not word.splits:
        return _Expect(None, prefix, 1, 1, also)
    return _Expect(None, prefix, 1 if prefix else 0, None, also)


def argv_matches(words: Sequence[Word], argv: Argv, home: bytes) -> bool:
    """Whether bash's ``argv`` is one that gatekeep's ``words`` allow."""
    expects = [_expect(w, home) for w in words]
    reachable = {0}  # positions in argv reached after each word
    for expect in expects:
        following: set[int] = set()
        for start in reachable:
            top = len(argv) if expect.most is None else min(len(argv), start + expect.most)
            for end in range(start + expect.least, top + 1):
                taken = argv[start:end]
                if expect.value is not None and taken != (expect.value,) \
                        and taken != (expect.also,):
                    continue
                if taken and not taken[0].startswith(expect.prefix) and not (
                        expect.value is None and expect.also is not None
                        and taken[0].startswith(expect.also)):
                    continue
                following.add(end)
        reachable = following
        if not reachable:
            return False
    return len(argv) in reachable


# -- the comparison ------------------------------------------------------------------

@dataclass
class Outcome:
    command: str
    skipped: bool
    problems: list[str]
    ran: tuple[Argv, ...]
    seen: list[tuple[Word, ...]]
    missing: list[Argv]

    def report(self) -> str:
        lines = [f"command: {self.command!r}", "bash ran, but gatekeep saw no such segment:"]
        lines += [f"  {list(argv)!r}" for argv in self.missing]
        lines.append("gatekeep's segments:")
        lines += [f"  {[(w.value, *(f for f in _FLAGS if getattr(w, f))) for w in s]!r}"
                  for s in self.seen]
        lines.append(f"everything bash ran: {[list(a) for a in self.ran]!r}")
        return "\n".join(lines)


def compare(sandbox: Sandbox, command: str) -> Outcome:
    parsed = parse(command)
    seen, analysable = gatekeep_argvs(parsed) if parsed.parseable else ([], False)
    problems = [p.reason for p in parsed.problems]
    ran = sandbox.run(command).argvs
    if not analysable:
        return Outcome(command, True, problems or ["analysis problem"], ran, seen, [])
    home = encode(str(sandbox.home))
    missing = [argv for argv in ran
               if not any(argv_matches(words, argv, home) for words in seen)]
    return Outcome(command, False, problems, ran, seen, missing)
