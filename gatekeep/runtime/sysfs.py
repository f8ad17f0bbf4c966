"""Small file-system facts shared by the fast path and the engine's resolver.

Only ``os`` and ``gatekeep.runtime.digest`` are imported here: ``gatekeep run`` reads these on
every call.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Mapping

from gatekeep.runtime.digest import sha256

PROJECT_POLICY_NAMES = (".gatekeep.yaml", ".gatekeep/policy.yaml")
Stamp = tuple[str, int, int, int, int, int]
MAX_DIGESTED = 1 << 22  # a policy or knowledge file larger than this is never vouched for


def which(name: str, path: str) -> str | None:
    """The executable ``name`` resolves to on ``path``, as a shell would find it."""
    if "/" in name:
        return name if _executable(name) else None
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if _executable(candidate):
            return candidate
    return None


def realpath(path: str) -> str:
    """``os.path.realpath``, but where a link outside ``/dev`` and ``/proc`` leads into them
    (`s -> /dev/stdin`, `c -> /proc/self/cwd`), the path as the link's text goes on from
    there: what those name is each process's own, and gatekeep's own process would answer
    for itself, not for the shell that runs the command."""
    # strict: a loop in gatekeep's own process is left unresolved, and may not be one; and
    # never past `..`, which normpath drops unread: `l/..` after `l -> /proc/self/cwd/task`
    # is the shell's `/proc/PID` (red team 54)
    try:
        if ".." not in path.split("/") \
                and os.path.realpath(path, strict=True) == os.path.normpath(path):
            return os.path.normpath(path)  # no link on the way, for the shell too
    except OSError:
        pass
    try:
        real = os.path.realpath(path)
    except OSError:  # a link it may not read (`/proc/1/root`): the path as written
        return os.path.normpath(path)
    rest = [name for name in path.split("/") if name not in ("", ".")]
    current, linked, hops = "/", False, 0
    while rest:
        name = rest.pop(0)
        if name == "..":
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, name)
        if candidate in ("/dev", "/proc") or candidate.startswith(("/dev/", "/proc/")):
            return "/".join([candidate, *rest]) if linked else real
        try:
            target = os.readlink(candidate)
        except OSError:
            current = candidate
            continue
        hops += 1
        if hops > 40:
            return real
        linked = True
        rest = [n for n in target.split("/") if n not in ("", ".")] + rest
        current = "/" if target.startswith("/") else current
    return real


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def user_dirs(env: Mapping[str, str]) -> tuple[str, str]:
    """gatekeep's config and state directories (XDG base directories on Linux and BSD)."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        home = env.get("HOME") or os.path.expanduser("~")
        config = env.get("XDG_CONFIG_HOME", "").strip() or os.path.join(home, ".config")
        state = env.get("XDG_STATE_HOME", "").strip() or os.path.join(home, ".local", "state")
        return os.path.join(config, "gatekeep"), os.path.join(state, "gatekeep")
    import platformdirs

    return (platformdirs.user_config_dir("gatekeep", appauthor=False),
            platformdirs.user_state_dir("gatekeep", appauthor=False))


def find_project_policy(cwd: str) -> str | None:
    """The nearest project policy in ``cwd`` or a parent directory."""
    directory = cwd
    while True:
        for name in PROJECT_POLICY_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def policy_sources(config_dir: str, cwd: str, explicit: str | None,
                   env_policy: str | None) -> list[tuple[str, str]]:
    """``(reference, role)`` of every policy ``run`` judges with; the operator's comes first."""
    operator = os.path.join(config_dir, "policy.yaml")
    sources = [(operator if os.path.lexists(operator) else "builtin:default", "operator")]
    if explicit:
        sources.append((explicit, "--policy"))
    if env_policy:
        sources.append((env_policy, "GATEKEEP_POLICY"))
    project = find_project_policy(cwd)
    if project is not None:
        sources.append((project, "project"))
    return sources


def operator_programs(config_dir: str) -> str | None:
    """The operator's program knowledge file (``programs.yaml`` beside the policy), if any.

    Only the operator's config dir is read: a project cannot change what programs mean.
    """
    path = os.path.join(config_dir, "programs.yaml")
    return path if os.path.lexists(path) else None


def stamps(files: Iterable[str]) -> list[Stamp]:
    """``(file, device, inode, size, mtime_ns, ctime_ns)``; raises OSError if one is missing.

    The ctime is set by the kernel on every change and cannot be set back, so a file
    rewritten at the same size with its old mtime restored still gets a new stamp.
    """
    result = []
    for file in files:
        info = os.stat(file)
        result.append((file, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
                       info.st_ctime_ns))
    return result


def code_digest() -> str:
    """One digest of the stamps of gatekeep's own modules (raises OSError if one vanished)."""
    text = "\0".join(",".join(map(str, stamp)) for stamp in stamps(code_files()))
    return sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def content_digest(path: str) -> str | None:
    """The sha256 of a regular file's bytes; None when it is not one or cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DIGESTED:
            return None
        digest = sha256()
        while chunk := os.read(fd, 1 << 16):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def code_files() -> list[str]:
    """gatekeep's own modules: a cached result is only valid for the code that made it."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # gatekeep/
    found: list[str] = []
    for directory, _, names in os.walk(package):
        found.extend(os.path.join(directory, n) for n in names if n.endswith(".py"))
    return sorted(found)


def contents(path: str, limit: int) -> bytes | None:
    """A regular file's bytes, or None when it is anything else or larger than ``limit``."""
    import stat

    try:
        # never blocks: a FIFO opens at once without a writer, then is no regular file
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    return data if len(data) <= limit else None


def fingerprint(path: str, limit: int = 64 << 20) -> str | None:
    """``dir`` for a directory, ``file:<sha256>`` for a regular file up to ``limit`` bytes,
    None for anything else (missing, larger, unreadable, a device)."""
    import stat

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return "dir"
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        digest = sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return "file:" + digest.hexdigest()
    except (OSError, ValueError):
        return None
