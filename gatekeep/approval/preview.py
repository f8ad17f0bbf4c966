"""Concrete previews for the operator: what a command would remove, discard or overwrite.

Everything here only reads: file sizes and first lines, directory walks with a
limit, and git's own dry runs (``git clean -n``, ``git diff --stat``) with the
pager, fsmonitor and external diff turned off and a timeout, inside a box that writes
nothing and reaches no network. Nothing here runs the command or writes anything.
"""

from __future__ import annotations

import contextlib
import glob
import os
import subprocess
from collections.abc import Mapping

from gatekeep.core.explain import Preview
from gatekeep.shell.analyze import Invocation
from gatekeep.shell.model import RedirectKind

WALK_LIMIT = 20_000
GIT_TIMEOUT = 3.0
GIT_RUNS = 2  # git dry runs shown for one command at most
NO_BOX = ("(no preview: git's settings can run programs, so gatekeep runs git's dry runs only "
          "in a sealed box, which this machine cannot build or which would show this "
          "repository's hidden place whole)")
_GIT_SAFE = ("git", "--no-pager", "-c", "core.fsmonitor=false", "-c", "diff.external=",
             "-c", "core.pager=cat")
_RECURSIVE = {"-r", "-R", "--recursive"}


def previews(invocations: tuple[Invocation, ...], cwd: str,
             env: Mapping[str, str]) -> tuple[Preview, ...]:
    from gatekeep.core.explain import moved

    found: list[Preview] = []
    git_runs = 0
    for invocation, where in moved(invocations):
        here = _path(where, cwd) if where else cwd  # after `cd sub &&`, paths start in sub
        found.extend(_overwrites(invocation, here))
        found.extend(_tree_deletes(invocation, here))
        if git_runs < GIT_RUNS:  # each can take GIT_TIMEOUT: the operator waits for them
            git = _git(invocation, here, env)
            git_runs += len(git)
            found.extend(git)
    return tuple(found)


def _path(text: str, cwd: str) -> str:
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(text)))


def _overwrites(invocation: Invocation, cwd: str) -> list[Preview]:
    found = []
    for redirect in invocation.segment.redirects:
        if redirect.kind is not RedirectKind.WRITE or redirect.target is None:
            continue
        if redirect.target.value is None:
            continue
        path = _path(redirect.target.shown, cwd)
        if os.path.isfile(path):
            found.append(Preview(f"overwrites {path} ({_size(os.path.getsize(path))}), "
                                 "which now starts:", tuple(_head(path))))
    return found


def _head(path: str, lines: int = 3) -> list[str]:
    found: list[str] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for text in handle:
                found.append(text.rstrip("\n")[:120])
                if len(found) == lines:
                    break
    except OSError as error:
        return [f"(cannot read: {error.strerror})"]
    return found or ["(empty)"]


def _tree_deletes(invocation: Invocation, cwd: str) -> list[Preview]:
    names = {o.name for o in invocation.options}
    if (invocation.program or "").rsplit("/", 1)[-1] != "rm" or not names & _RECURSIVE:
        return []
    found = []
    for word in invocation.positionals:
        if word.value is None:
            continue
        pattern = _path(word.shown, cwd)
        for path in (sorted(glob.glob(pattern))[:50] if word.glob else [pattern]):
            if os.path.isdir(path) and not os.path.islink(path):
                files, size, complete = _walk(path)
                more = "" if complete else f" (stopped counting at {WALK_LIMIT})"
                found.append(Preview(f"removes the tree {path}",
                                     (f"{files} files, {_size(size)}{more}",)))
    return found


def _walk(path: str) -> tuple[int, int, bool]:
    files = size = 0
    for directory, _, names in os.walk(path):
        for name in names:
            files += 1
            with contextlib.suppress(OSError):
                size += os.lstat(os.path.join(directory, name)).st_size
            if files >= WALK_LIMIT:
                return files, size, False
    return files, size, True


def _git(invocation: Invocation, cwd: str, env: Mapping[str, str]) -> list[Preview]:
    if (invocation.program or "").rsplit("/", 1)[-1] != "git" or not invocation.positionals:
        return []
    sub = invocation.positionals[0].value
    names = {o.name for o in invocation.options}
    words = [w.value for w in invocation.positionals]
    if sub == "clean":
        extra = [flag for flag in ("-d", "-x", "-X") if flag in names
                 or {"-d": "--directories", "-x": "--ignored-too"}.get(flag) in names]
        return _run_git(["clean", "-n", *extra], "git clean would remove:", cwd, env)
    discards = (sub == "reset" and "--hard" in names) or sub == "restore" or (
        sub == "checkout" and ("--" in words or "." in words[1:] or "--force" in names))
    if discards:
        return _run_git(["diff", "--stat", "HEAD"], "uncommitted changes that would be lost:",
                        cwd, env)
    return []


def _run_git(args: list[str], title: str, cwd: str, env: Mapping[str, str]) -> list[Preview]:
    """git's dry run, inside a box that writes nothing and reaches no network: the
    repository's settings can name programs (a ``filter.*.clean`` git runs on each changed
    file, a promisor remote it fetches from), and a boxed run may have written them. No
    box here: no preview."""
    box = _sealed(cwd, env)
    if box is None:
        return [Preview(title, (NO_BOX,))]
    from gatekeep.sandbox import seccomp
    from gatekeep.sandbox.bwrap import loader_args

    quiet, loaders = loader_args({**env, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"})
    calls = -1
    try:
        calls = seccomp.descriptor()  # no Unix socket either (the tree may hold one)
        filtered = ["--seccomp", str(calls)] if calls >= 0 else []
        result = subprocess.run(  # noqa: S603 - a fixed, read-only git command, boxed
            [box[0], *loaders, *filtered, *box[1:], *_GIT_SAFE, *args], cwd=cwd, env=quiet,
            capture_output=True, text=True, pass_fds=(calls,) if calls >= 0 else (),
            timeout=GIT_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return [Preview(title, (f"(no preview: {error})",))]
    finally:
        if calls >= 0:
            os.close(calls)
    output = result.stdout.splitlines() or ["(nothing)"]
    if result.returncode != 0:
        output = [f"(no preview: {result.stderr.strip() or 'git failed'})"]
    shown = output[:20] + ([f"... and {len(output) - 20} more"] if len(output) > 20 else [])
    return [Preview(title, tuple(shown))]


def _sealed(cwd: str, env: Mapping[str, str]) -> list[str] | None:
    """The box for a git dry run in ``cwd``: the home hidden but for the repository's work
    tree and git dirs."""
    from gatekeep.sandbox import bwrap, system
    from gatekeep.sandbox.boundary import work_tree
    from gatekeep.sandbox.gitdirs import pointed
    from gatekeep.sandbox.plan import where
    from gatekeep.sandbox.spec import BWRAP, Spec

    program = bwrap.find(BWRAP)
    if program is None or bwrap.cannot_box(BWRAP) is not None:
        return None
    tree = os.path.realpath(work_tree(cwd))
    dot = os.path.join(tree, ".git")
    git = pointed(dot, "gitdir: ", tree) if os.path.isfile(dot) else dot
    common = pointed(os.path.join(git, "commondir"), "", git)
    run = where(env, cwd, ("", ""), Spec())  # the temp and runtime dirs a run's box has
    home = env.get("HOME") or os.path.expanduser("~")
    covered = (home, *run.temp_dirs, *run.runtime_dirs, *system.RUN_DIRS)
    return bwrap.sealed(program, os.path.realpath(cwd), covered, [tree, git, common])


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
