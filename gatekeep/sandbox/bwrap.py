"""bubblewrap: finding a trustworthy one, and the argv that builds a boundary.

bwrap is taken only from the system's places and only when root owns it and only
root can change it and its directory: a bwrap found on PATH, or one the agent could
have written, would be a box the agent built.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from gatekeep.sandbox import values
from gatekeep.sandbox.boundary import OWN_MOUNTS, Boundary
from gatekeep.sandbox.places import TEMP_DIRS, steady, under_any, written
from gatekeep.sandbox.spec import kept_name, secret_name

# Where a kernel setting can forbid the namespaces an unprivileged bwrap needs.
_USERNS_SWITCHES = (("/proc/sys/user/max_user_namespaces", "0"),
                    ("/proc/sys/kernel/unprivileged_userns_clone", "0"))
# Variables that name a way out of the box (a socket, a display, a server): unset inside it,
# so a tool does not go looking for what the box hides.
UNSET_ENV = ("SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS", "TMUX", "TMUX_PANE", "STY", "DISPLAY",
             "WAYLAND_DISPLAY", "DOCKER_HOST", "GPG_AGENT_INFO", "XDG_RUNTIME_DIR")


# Variables that make a program load code from where they say (a library, a module, a
# preloaded script) or name it in its own way (`NODE_OPTIONS="--require dotenv/config"`
# finds the module in the tree's node_modules): a box with the network for programs of none
# of the tree's goes without them (steady_path), as it does without the PATH entries a box
# writes. The dynamic loader's are also kept from bwrap itself (LOADER_OWN).
LOADER_ENV = ("LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "NODE_OPTIONS",
              "NODE_PATH", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONUSERBASE",
              "PERL5LIB", "PERLLIB", "PERL5OPT", "RUBYLIB", "RUBYOPT", "GIT_EXEC_PATH",
              "BASH_ENV", "ENV", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
              "UV_PYTHON")  # the interpreter uv runs
# bwrap is an ordinary program here (not set-uid): the dynamic loader would load a library
# of the tree's into it, outside the box, where the caller's LD_LIBRARY_PATH names the
# tree (a C project's build/lib). Given to the box with --setenv instead (bwrap.loader_args).
LOADER_OWN = ("LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH")
# The same box goes without any other variable whose value names a place a box writes
# (written_named): a program or a setting of the operator's in the tree (GIT_SSH_COMMAND,
# GIT_ASKPASS, npm_config_userconfig, UV_CONFIG_FILE, XDG_CONFIG_HOME) is the agent's to
# change. But these, whose value is a place a box is meant to write (PATH: path_dropped), or
# no place at all though it may look like one (TZ=Europe/Paris).
NOT_NAMING = frozenset(("PATH", "PWD", "OLDPWD", "TMPDIR", "TMP", "TEMP", "TEMPDIR", "TZ",
                        "_"))  # bash's last command: nothing reads it


# Settings a box runs with unless the caller gave its own: uv's cache is a mount of its
# own in the box, across which uv cannot hardlink (it warns on every install, then copies)
BOX_DEFAULTS = {"UV_LINK_MODE": "copy"}


def box_env(box: Boundary, env: Mapping[str, str],
            named: Sequence[str] | None = None) -> dict[str, str]:
    """The environment bwrap starts the box with: without the secret variables
    (``box.secrets``) but those a box with the network keeps for its programs
    (``box.kept``: ``GH_TOKEN`` for ``gh``). A program in the box reads them unseen (a
    Makefile's ``$(GITHUB_TOKEN)``, a test's ``os.environ``, a proxy or a registry the
    agent named in a file the program obeys) and can send one, or write it where the agent
    reads it. Left out of bwrap's own environment, not unset by it: nothing on the way
    holds the value. A ``TMPDIR`` the box does not write (``plan.temp_dir`` refused it) is
    ``/tmp`` in it. A box with the network for programs of none of the tree's has a
    ``PATH`` without the directories a box writes (``path_dropped``), and without the
    variables that name a place a box writes (``written_named``; ``named``: those found
    already, for the caller's note)."""
    out = _kept_env(box, env)
    for name in written_named(box, out) if named is None else named:
        out.pop(name, None)
    out = _whole_settings(env, out)
    dropped = path_dropped(box, out)
    if dropped:
        out["PATH"] = ":".join(d for d in out["PATH"].split(":") if d not in dropped)
    for name, value in BOX_DEFAULTS.items():
        out.setdefault(name, value)
    temp = out.get("TMPDIR", "")
    if temp and not under_any(os.path.realpath(temp), box.writable):
        out["TMPDIR"] = "/tmp"  # noqa: S108 - one the box cannot write (plan.temp_dir)
    if box.network:
        out.update(_no_hooks(out))
    return out


def _kept_env(box: Boundary, env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the secret variables the box does not keep and, in a box with the
    network for programs of none of the tree's, the loader variables."""
    steady = box.network and box.steady_path
    return {name: value for name, value in env.items()
            if not _secret(box, name) and not (steady and name in LOADER_ENV)}


def box_named(box: Boundary, env: Mapping[str, str]) -> list[str]:
    """``written_named`` of the environment ``box_env`` reads it in (the caller's, for the
    note after a failed run: found once, as the box starts, and given to ``box_env``)."""
    return written_named(box, _kept_env(box, env))


def path_dropped(box: Boundary, env: Mapping[str, str]) -> list[str]:
    """The ``PATH`` entries a box with the network goes without when none of its parts runs
    the tree's code (``box.steady_path``): those a box writes (an activated ``.venv/bin``,
    ``node_modules/.bin``, a bin dir in ``/tmp``), reached through a link into one, relative
    or empty (the working directory). The programs it was allowed for look others up there
    themselves (npm's ``#!/usr/bin/env node``, git's ``ssh``, go's ``git``): a file the agent
    wrote would run with the network and the kept credentials."""
    if not (box.network and box.steady_path) or "PATH" not in env:
        return []
    writes = _writes(box)
    return list(dict.fromkeys(d for d in env["PATH"].split(":")
                              if not d.startswith("/") or not steady(d, writes)))


def written_named(box: Boundary, env: Mapping[str, str]) -> list[str]:
    """The variables of ``env`` a box with the network goes without when none of its parts
    runs the tree's code (``box.steady_path``), for naming a place a box writes, as
    ``values`` reads them: a path there (or through a link into one), a relative one
    (from the working directory or the tree's top, where git runs what it names), the tree
    itself anywhere in the value. git runs ``GIT_SSH_COMMAND``'s program and
    ``GIT_ASKPASS``; npm reads ``npm_config_userconfig``'s registry and token lines: a file
    the agent wrote would run, or be obeyed, with the network and the kept credentials. A
    kept-apart cache, or a download cache this box writes, is one the box is meant to write
    (``UV_CACHE_DIR``, ``npm_config_cache``); a place every box keeps read-only, one none
    writes. The loader variables go whatever their value
    (``LOADER_ENV``)."""
    if not (box.network and box.steady_path):
        return []
    writes = [place for place in _writes(box) if place not in box.own_temp]  # empty, its own
    caches = [*(place for _, place in box.separate),  # and the download caches it writes
              *(place for place in box.writable
                if place not in TEMP_DIRS and not under_any(place, [box.tree]))]
    kept = [*box.readonly, *box.hidden_dirs, *box.hidden_files]
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = box.tree
    cwds = list(dict.fromkeys((cwd, box.tree)))
    said = [place for place in writes  # the temp dirs: named only as a word (a URL's /tmp)
            if place not in TEMP_DIRS and not under_any(place, caches)]
    said = list(dict.fromkeys([*said, *(os.path.realpath(place) for place in said)]))
    shell = {**env, "PWD": cwd}
    home = env.get("HOME", "")
    return sorted(name for name, value in env.items()
                  if name not in NOT_NAMING and name not in LOADER_ENV
                  and not _secret(box, name)
                  and _names_written(values.expanded(value, shell, home), values.kind(name),
                                     cwds, said, (writes, kept, caches)))


def _names_written(value: str, how: str, cwds: list[str], said: list[str],
                   places: tuple[list[str], list[str], list[str]]) -> bool:
    writes, kept, caches = places
    if how in ("path", "command") and values.unexpanded(value):
        return True  # what the shell or the program makes of the rest is not known here
    return any(not under_any(os.path.normpath(place), caches) and written(place, writes, kept)
               for place in [*values.mentioned(value, said),
                             *values.value_places(value, cwds, how)])


def _writes(box: Boundary) -> list[str]:
    """Where this box, or one beside it, can write: the tree, the writable places, the
    kept-apart caches and the writable places of the hidden home."""
    return [box.tree, *box.writable, *(place for _, place in box.separate),
            *(place for _, place, writes in box.relinked if writes)]


def _whole_settings(given: Mapping[str, str], env: dict[str, str]) -> dict[str, str]:
    """``env`` with git's command-line settings (``GIT_CONFIG_COUNT``, ``GIT_CONFIG_KEY_<n>``,
    ``GIT_CONFIG_VALUE_<n>``) whole after the box dropped a part of one (a secret, or a value
    naming a place a box writes): git stops on a missing key or value ("missing config
    value"), so that setting goes whole and those after it are numbered again. A count
    git would refuse, or a part the caller left out, stays as given: git stops as it would
    outside the box."""
    gone = [name for name in given if name not in env
            and name.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))]
    count = _git_count(env)
    if not gone or count is None or count > len(given):
        return env
    out = {name: value for name, value in env.items()
           if not name.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))}
    kept = [n for n in range(count) if f"GIT_CONFIG_KEY_{n}" not in gone
            and f"GIT_CONFIG_VALUE_{n}" not in gone]
    for new, old in enumerate(kept):
        for part in ("KEY", "VALUE"):
            if f"GIT_CONFIG_{part}_{old}" in env:
                out[f"GIT_CONFIG_{part}_{new}"] = env[f"GIT_CONFIG_{part}_{old}"]
    out["GIT_CONFIG_COUNT"] = str(len(kept))
    return out


# git's settings in a box with the network: no hook runs (a hook is a file in the tree:
# `core.hooksPath=.githooks` in the operator's own config, husky's runner putting
# `node_modules/.bin` first, a `post-merge` that runs `npm install`), and no fetch or pull
# recurses into the repositories the index's gitlinks name, each obeying its own config (a
# part beside it may stage one; `--recurse-submodules` given is the tree's code, offline)
NETWORKED_GIT = (("core.hooksPath", "/dev/null"), ("fetch.recurseSubmodules", "false"),
                 ("submodule.recurse", "false"))


def _git_count(env: Mapping[str, str]) -> int | None:
    """``GIT_CONFIG_COUNT`` as git reads it (ASCII digits); None for anything else."""
    count = env.get("GIT_CONFIG_COUNT", "")
    return int(count) if count.isascii() and count.isdigit() else None


def _no_hooks(env: Mapping[str, str]) -> dict[str, str]:
    """``NETWORKED_GIT`` for a box with the network: ``git fetch``, ``pull`` and ``rebase``
    would run a hook, or git in a repository of the agent's, with the network and the
    secret variables. Given as command-line settings (``GIT_CONFIG_COUNT``), which no config
    file overrides, after those the caller gave (a count that is none starts again)."""
    count = _git_count(env) or 0
    out = {"GIT_CONFIG_COUNT": str(count + len(NETWORKED_GIT))}
    for index, (key, value) in enumerate(NETWORKED_GIT, count):
        out[f"GIT_CONFIG_KEY_{index}"], out[f"GIT_CONFIG_VALUE_{index}"] = key, value
    return out


def removed(box: Boundary, env: Mapping[str, str]) -> list[str]:
    """The variables of ``env`` the box goes without: those naming a way out (``UNSET_ENV``),
    the secret ones it does not keep, and in a box with the network for programs of none of
    the tree's those that load code (``LOADER_ENV``; ``box_env``)."""
    loaders = LOADER_ENV if box.network and box.steady_path else ()
    return sorted({*(name for name in env if name in UNSET_ENV or name in loaders),
                   *unset_secrets(box, env)})


def loader_args(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """bwrap's own environment without the dynamic loader's variables, and the ``--setenv``
    arguments that give them to the box (``LOADER_OWN``)."""
    own = {name: value for name, value in env.items() if name not in LOADER_OWN}
    return own, [arg for name in LOADER_OWN if name in env
                 for arg in ("--setenv", name, env[name])]


def kept(box: Boundary, env: Mapping[str, str]) -> list[str]:
    """The secret variables of ``env`` a box with the network keeps for its programs."""
    return sorted(name for name in env if box.secrets and secret_name(name, box.secrets)
                  and not _secret(box, name))


def unset_secrets(box: Boundary, env: Mapping[str, str]) -> list[str]:
    """The secret variables of ``env`` the box went without (for the note after a failed
    run: a credential a program needed may be one)."""
    return sorted(name for name in env if _secret(box, name))


def _secret(box: Boundary, name: str) -> bool:
    """Whether the box goes without the variable ``name``: a secret it does not keep."""
    return bool(box.secrets) and secret_name(name, box.secrets) \
        and not kept_name(name, box.kept)


def find(candidates: Sequence[str]) -> str | None:
    """The first candidate that is a root-owned executable only root can change."""
    for candidate in candidates:
        if candidate.startswith("/") and root_only(candidate) \
                and root_only(os.path.dirname(os.path.realpath(candidate))) \
                and os.access(candidate, os.X_OK):
            return candidate
    return None


def root_only(path: str) -> bool:
    """Owned by root and writable by no one else: nothing the agent runs as can change it."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return info.st_uid == 0 and not info.st_mode & 0o022


def cannot_box(candidates: Sequence[str]) -> str | None:
    """Why this machine cannot build a box at all; None when it can try."""
    if not sys.platform.startswith("linux"):
        return f"{sys.platform} has no bubblewrap; commands run without a boundary"
    if find(candidates) is None:
        return ("no bubblewrap owned by root and writable only by root in "
                + " or ".join(candidates) + " (install the bubblewrap package)")
    if os.geteuid() != 0:
        for switch, off in _USERNS_SWITCHES:
            try:
                with open(switch) as handle:
                    if handle.read().strip() == off:
                        return f"user namespaces are disabled ({switch} is {off})"
            except OSError:
                continue
    return None


def argv(box: Boundary, bwrap: str, program: str, args: Sequence[str], cwd: str,
         status_fd: int, shell: str, search: str | None = None, info_fd: int = -1,
         seccomp_fd: int = -1) -> list[str]:
    """bwrap's command line: the whole file system read-only, then the writable places, then
    what stays read-only or hidden inside them. ``search``: the run's PATH; ``info_fd``:
    where bwrap reports the box's first process (a keeper's pipe), or -1; ``seccomp_fd``:
    the system-call filter bwrap loads before the command (``gatekeep.sandbox.seccomp``),
    or -1."""
    # The box's own /dev/shm: memory that RLIMIT_AS does not count, so no larger than the
    # memory limit allows one process.
    out = [bwrap, "--bind" if box.everything_writable else "--ro-bind", "/", "/",
           "--dev", "/dev", "--proc", "/proc", *_size(box), "--tmpfs", "/dev/shm"]  # noqa: S108
    out += _places(box)
    for path in box.readonly:
        out += ["--ro-bind", path, path]
    for path in box.hidden_dirs:
        out += ["--tmpfs", path, "--remount-ro", path]
    for path in box.hidden_files:
        out += ["--ro-bind", "/dev/null", path]
    for place in [*([box.home] if box.home else []), *box.covered]:
        out += ["--remount-ro", place]  # last: binds into it made their mount points first
    if not box.network:
        out.append("--unshare-net")
    # Run by root, bwrap keeps root's capabilities in the box: without this, the command
    # could unmount what hides a secret, remount / writable, or enter the host's namespaces.
    out += ["--cap-drop", "ALL"]
    for name in UNSET_ENV:
        out += ["--unsetenv", name]
    # A new session: the box has no controlling terminal, so it cannot push keystrokes
    # into the operator's shell (TIOCSTI); gatekeep forwards the terminal's signals. Its own
    # System V IPC: no other process's shared memory, semaphores or message queues.
    out += ["--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session",
            "--chdir", cwd,
            "--json-status-fd", str(status_fd),
            *(["--info-fd", str(info_fd)] if info_fd >= 0 else []),
            *(["--seccomp", str(seccomp_fd)] if seccomp_fd >= 0 else []),
            *_named(bwrap, program, args, shell, search is not None and _found_as(
                program, args[0] if args else "", search, box))]
    return out


def sealed(bwrap: str, cwd: str, covered: Sequence[str], shown: Sequence[str]
           ) -> list[str] | None:
    """bwrap's command line for a box that writes nothing and reaches nothing: the whole
    file system read-only, ``covered`` (the home, the temp and runtime dirs: where secrets
    and Unix sockets are, and a read-only mount does not stop a connect) hidden but for
    ``shown`` (read-only), ``/etc/shadow`` hidden, no network, no IPC. For what gatekeep
    itself runs to show the operator something (git's dry runs): a repository's settings can
    name programs, and the agent may have written them. None when a shown path is one of
    the covered places or holds one: it would be bound back whole."""
    out = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    every = [os.path.realpath(p) for p in covered if p.startswith("/")]
    every = [p for p in dict.fromkeys(every) if p != "/" and os.path.isdir(p)]
    shown = [os.path.realpath(p) for p in shown]
    if any(under_any(place, shown) for place in every):
        return None  # a repository that is a hidden place (/tmp/.git, $TMPDIR), or holds one
    places = [p for p in every if not under_any(p, [q for q in every if q != p])]
    for place in sorted(places):
        out += ["--tmpfs", place]
    for path in sorted(dict.fromkeys(shown)):
        if under_any(path, places) and os.path.exists(path):
            out += ["--ro-bind", path, path]
    for place in sorted(places):
        out += ["--remount-ro", place]
    if os.path.exists("/etc/shadow"):
        out += ["--ro-bind", "/dev/null", "/etc/shadow"]
    out += ["--unshare-net", "--unshare-ipc", "--unshare-pid", "--die-with-parent",
            "--new-session", "--cap-drop", "ALL"]
    for name in UNSET_ENV:
        out += ["--unsetenv", name]
    return [*out, "--chdir", cwd, "--"]


def _size(box: Boundary) -> list[str]:
    """The size of a tmpfs of the box's own (/dev/shm, its own temp dirs and caches): no
    larger than the memory limit allows one process, since RLIMIT_AS does not count it."""
    return ["--size", str(int(box.limits.memory))] if box.limits.memory else []


def _places(box: Boundary) -> list[str]:
    """The writable places, the anchors in them, and the hidden home with what it shows:
    parents before what is bound inside them, since a bind takes its source from outside
    the box and would cover what was laid inside it before."""
    size = _size(box)  # a temp dir or cache of the box's own: empty, and no larger
    ops = [(path, [*size, "--tmpfs", path] if path in box.own_temp else ["--bind", path, path])
           for path in (*box.writable, *box.anchors)]
    if box.home:
        ops.append((box.home, ["--tmpfs", box.home]))
        ops += [(path, ["--ro-bind", path, path]) for path in box.shown]
        ops += [(place, ["--bind" if writes else "--ro-bind", source, place])
                for source, place, writes in box.relinked]
    ops += [(place, ["--bind", source, place] if source else [*size, "--tmpfs", place])
            for source, place in box.separate]
    ops += [(place, ["--tmpfs", place]) for place in box.covered]
    ops += [(path, ["--symlink", target, path] if target else ["--ro-bind", path, path])
            for path, target in box.put_back]
    ops.sort(key=lambda op: op[0].count("/"))  # stable: same depth keeps its order
    return [word for _, words in ops for word in words]


def _named(bwrap: str, program: str, args: Sequence[str], shell: str, by_name: bool
           ) -> list[str]:
    """``program`` run with ``args`` as its argv, argv0 included: with ``--argv0`` where bwrap
    has it (0.9 and later); by its name where bwrap's own PATH search (``execvp``) finds
    ``program`` (``by_name``); else through the system shell's ``exec -a``, a process more."""
    if not args or args[0] == program:
        return ["--", program, *args[1:]]
    if _has_argv0(bwrap):
        return ["--argv0", args[0], "--", program, *args[1:]]
    if by_name:
        return ["--", *args]
    if len(args) == 5 and args[1:4] == ["--noprofile", "--norc", "-c"] \
            and os.path.basename(program) == args[0]:
        return ["--", program, *args[1:], args[0]]  # bash -c CMD NAME: $0 is NAME
    return ["--", shell, "-c", 'exec -a "$0" -- "$@"', args[0], program, *args[1:]]


def _found_as(program: str, name: str, path: str, box: Boundary) -> bool:
    """Whether a PATH search for ``name`` inside ``box`` can only find ``program``: no
    directory before the one that holds it has anything by that name, none of them is one
    the box (or a box beside it) can write, so nothing can appear there before the exec, and
    the box shows ``program`` where it is. Anything less and the search could run another
    program than the one judged."""
    if not name or "/" in name or box.everything_writable:
        return False
    writable = _writes(box)
    try:
        target = os.stat(program)
    except OSError:
        return False
    for directory in path.split(":"):
        if not directory.startswith("/") or not steady(directory, writable):
            return False  # relative: the working directory, which the box writes
        candidate = os.path.join(directory, name)
        try:
            found = os.stat(candidate)
        except FileNotFoundError:
            if os.path.lexists(candidate):
                return False  # a dangling link: something is there
            continue
        except OSError:
            return False
        return os.path.samestat(found, target) and shows(box, candidate)
    return False


def shows(box: Boundary, path: str) -> bool:
    """Whether ``path`` is in the box where it is on the host (not hidden, not covered)."""
    real = os.path.realpath(path)
    covered = [*box.hidden_dirs, *OWN_MOUNTS]
    for place in (path, real):
        if place in box.hidden_files or under_any(place, covered):
            return False
        if box.home and under_any(place, [box.home]) and not under_any(place, [
                box.tree, *box.writable, *box.shown,
                *(p for _, p, _ in box.relinked), *(p for _, p in box.separate)]):
            return False
        if under_any(place, box.covered) and not under_any(place, [
                box.tree, *box.writable, *(p for p, target in box.put_back if not target)]):
            return False
    return True


def _has_argv0(bwrap: str) -> bool:
    """Whether this bwrap knows ``--argv0`` (its help text, inside the binary, names it)."""
    try:
        with open(bwrap, "rb") as handle:
            return b"--argv0" in handle.read(1 << 20)
    except OSError:
        return False
