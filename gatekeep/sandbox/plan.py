"""How one run is boxed: in a box, unboxed with a warning, or not without the operator.

Only the standard library: the fast path plans its runs with this too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gatekeep.sandbox import bwrap, settings, system, wire
from gatekeep.sandbox.boundary import (
    GIT_MAKES,
    GIT_RUNS,
    GIT_UNREAD,
    KEPT_TREE,
    UNLISTED,
    Boundary,
    Where,
    boundary,
    box_writes,
    copies,
    in_home,
    in_system,
    settings_root,
    work_tree,
)
from gatekeep.sandbox.places import TEMP_DIRS, under_any
from gatekeep.sandbox.records import NamedTuple
from gatekeep.sandbox.spec import Limits, Spec

NOTE = ("gatekeep: note: this ran inside gatekeep's boundary (read-only outside the working "
        "tree, temp dirs and build caches; protected files hidden; no Unix sockets; no "
        "network); if it needs more, ask the operator to approve it\n")
# the same for a box the policy gave the network (`git fetch`): "no network" would mislead
NETWORK_NOTE = NOTE.replace("; no network)", "; network on)")
# and where its temp dirs were its own (boundary._own_temp)
OWN_TEMP_NOTE = NOTE.replace("; no network)", "; network on; temp dirs of its own, empty)")
# after it, when the box went without secret variables of the caller's (bwrap.box_env)
UNSET_NOTE = ("gatekeep: note: it ran without these secret variables: {} (a box keeps only "
              "those its networked programs send: environment.credentials)\n")
# and without PATH entries a box writes (bwrap.path_dropped)
PATH_NOTE = ("gatekeep: note: its PATH went without {} (a box writes them: a program there "
             "could be the agent's, and this box has the network)\n")
# and without variables naming such a place (bwrap.written_named)
NAMED_NOTE = ("gatekeep: note: it ran without {} (they name places a box writes: a program or "
              "setting there could be the agent's, and this box has the network)\n")

# Working in the home itself (no repository around it): the box would write what the
# operator's shell and tools run at their next start, under names no policy can list in
# full (~/.bash_aliases, ~/bin, a tool's plugin directory), and ones not there yet.
HOME_TREE = ("the working tree is the home directory (or holds it), and a box that writes it "
             "could change what the operator's shell and tools run next (~/.bash_aliases, "
             "~/bin); approve the run, or work in a project's directory")
# The tree in a place of the operator's tools and settings (boundary.KEPT_TREE before it).
KEPT_TREE_END = (", where the operator's tools and settings or the system's own files live (or "
                 "that the policy protects); a box that writes it could change what they run; "
                 "approve the run, or work in a project's directory")
TOO_LARGE = ("the working tree is too large to find every protected file; approve the run, "
             "or add directories to sandbox_paths.not_scanned")
UNREAD = ("the working tree cannot be listed, so its protected files cannot be found; approve "
          "the run, or make it readable (chmod u+r)")


class Plan(NamedTuple):
    box: Boundary | None       # None: no box
    bwrap: str | None
    limits: Limits
    warning: str | None = None  # shown before an unboxed run
    ask: str | None = None      # why this run needs the operator's approval (with a box:
                                # to run in it; without one: to run unboxed)


def plan(spec: Spec, where: Where, create: bool = False) -> Plan:
    """With ``create``, gatekeep's own directories are made first when missing, so the box
    can keep them read-only (a bind needs something there)."""
    if spec.mode == "off":
        return Plan(None, None, spec.limits)
    why = bwrap.cannot_box(spec.bwrap)
    if why is None:
        if create:
            _make_bindable(where, [copy for _, copy in copies(spec, where.separate_root)])
        _copy_settings(spec, where)
        box = boundary(spec, where)
        git = [note for note in box.notes if note.startswith(GIT_UNREAD)]
        kept = [note for note in box.notes if note.startswith(KEPT_TREE)]
        runs = [note for note in box.notes if note.startswith((GIT_RUNS, GIT_MAKES))]
        ask = UNREAD if UNLISTED in box.notes else f"{git[0]}; approve the run, or remove it" \
            if git else TOO_LARGE if not box.complete \
            else f"{_visible(runs[0])}; approve the run, or keep what git's settings name "\
            "out of the working tree" if runs \
            else HOME_TREE if _holds_home(box, where.home) \
            else f"{_visible(kept[0])}{KEPT_TREE_END}" if kept else None
        return Plan(box, bwrap.find(spec.bwrap), spec.limits, ask=ask)
    if spec.mode == "required":
        return Plan(None, None, spec.limits,
                    ask=f"the policy requires a boundary (sandbox: required) and this "
                        f"machine cannot build one: {why}")
    return Plan(None, None, spec.limits,
                warning=f"gatekeep: warning: running without a boundary: {why}\n")


def _copy_settings(spec: Spec, where: Where) -> None:
    """The copies of the operator's settings files without their credentials, made or
    brought up to date (``boundary`` binds those that are there)."""
    root = settings_root(where)
    if not root or not spec.without_secrets:
        return
    for source, _, copy in settings.places(spec, where.home, where.home, root,
                                           box_writes(spec, where)):
        if copy is not None:
            settings.write(source, copy, root, spec.secrets)


def _visible(text: str) -> str:
    from gatekeep.text import visible  # a path can hold any character

    return visible(text)


def _holds_home(box: Boundary, home: str) -> bool:
    """Whether the box writes the whole home: the tree is the home or holds it. A relative
    HOME says nothing of where the shell's start-up files are: asked too."""
    if box.everything_writable:
        return False
    if not home.startswith("/"):
        return True  # where the home is cannot be known
    tree = os.path.realpath(box.tree)
    real = os.path.realpath(home)
    # HOME unset (``where`` makes it /): the account's home (looked up only then: an account
    # database can be a network service, too slow for every run)
    homes = _account_home() if real == "/" else (real,)
    return any(h == tree or tree == "/" or h.startswith(tree.rstrip("/") + "/") for h in homes)


def _account_home() -> tuple[str, ...]:
    """The home the account database gives this user (none when it has no entry)."""
    import pwd

    try:
        entry = pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return ()
    return (os.path.realpath(entry),) if entry.startswith("/") else ()


def _make_bindable(where: Where, copies: list[str]) -> None:
    """gatekeep's own directories, and a repository's ``.git/hooks`` (git makes it anyway):
    a read-only bind needs something there, or the box could create it. And the box's own
    copies of the caches it keeps apart: a bind needs its source."""
    dot = os.path.join(work_tree(where.cwd), ".git")
    hooks = [os.path.join(dot, "hooks")] if os.path.isdir(dot) and not os.path.islink(dot) \
        else []
    for directory in (*where.own_dirs, *hooks, *copies):
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError:
            continue  # what gatekeep cannot make here, the box cannot either


def where(env: Mapping[str, str], cwd: str, own_dirs: tuple[str, str], spec: Spec) -> Where:
    """The run's place, from the same environment the decision was made in."""
    temp = (temp_dir(env.get("TMPDIR", ""), env.get("HOME", "/")), *TEMP_DIRS)
    runtime = (env.get("XDG_RUNTIME_DIR", "").rstrip("/"), f"/run/user/{os.getuid()}")
    home = env.get("HOME", "/")
    cache = env.get("XDG_CACHE_HOME", "").strip() or os.path.join(home, ".cache")
    tools = env.get("PATH", "").split(":")
    settings = [env.get(name, "") for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                               "XDG_STATE_HOME", "XDG_CACHE_HOME")]
    return Where(cwd, home, tuple(dict.fromkeys(t for t in temp if t)),
                 own_dirs, spec.not_scanned, tuple(dict.fromkeys(r for r in runtime if r)),
                 separate_root=os.path.join(cache, "gatekeep", "box")
                 if cache.startswith("/") else "",
                 tools=tuple(dict.fromkeys(t for t in tools if t.startswith("/"))),
                 settings=tuple(dict.fromkeys(t for t in settings if t.startswith("/"))),
                 run_dirs=system.RUN_DIRS, etc="/etc", git_configs=git_configs(env, home))


def git_configs(env: Mapping[str, str], home: str) -> tuple[str, ...]:
    """The git configs every git run reads besides a repository's own, as git finds them:
    ``GIT_CONFIG_GLOBAL`` or ``~/.gitconfig`` and the XDG one, ``GIT_CONFIG_SYSTEM`` or
    ``/etc/gitconfig``. A relative one names no file the box can keep."""
    xdg = env.get("XDG_CONFIG_HOME", "") or os.path.join(home, ".config")
    found = [env["GIT_CONFIG_GLOBAL"]] if env.get("GIT_CONFIG_GLOBAL") else [
        os.path.join(home, ".gitconfig"), os.path.join(xdg, "git", "config")]
    found.append(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    return tuple(dict.fromkeys(os.path.normpath(p) for p in found if p.startswith("/")))


def temp_dir(value: str, home: str) -> str:
    """``$TMPDIR`` as a temp dir every box writes, or "" when it is none: the caller's
    environment may name any directory (``/var/lib/dpkg``, ``~/.ssh``, ``/run``). One in
    ``/tmp`` or ``/var/tmp`` is; one elsewhere must be the caller's own, be named as a temp
    dir (``~/tmp``, ``~/.tmp``, ``/scratch/me/.temp``), and be neither a home, nor in a
    hidden directory of the home (``~/.config/user-tmpfiles.d``), nor in a system place.
    Else the box's ``TMPDIR`` is ``/tmp`` (``bwrap.box_env``)."""
    path = value.rstrip("/")
    if not path.startswith("/"):
        return ""
    real = os.path.realpath(path)
    if under_any(real, [os.path.realpath(t) for t in TEMP_DIRS]):
        return path
    homes = {home, os.path.realpath(home)}
    name = os.path.basename(real).lower()
    try:
        owned = os.stat(real).st_uid == os.getuid() and os.path.isdir(real)
    except OSError:
        return ""
    if not owned or ("tmp" not in name and "temp" not in name) or real in homes \
            or path in homes or any(in_system(p, homes) for p in (path, real)):
        return ""
    if in_home(real, homes) not in (None, real):
        return ""  # in a hidden directory of the home: its tools' settings (~/.config)
    return path


def with_spec(fields: str, spec: Spec) -> str:
    """Audit fields that also record the boundary's spec (a stored decision carries it).

    It is the last field, so :func:`spec_from_fields` finds it without reading the rest.
    """
    return f"{fields}{_SPEC_FIELD}{wire.dumps(spec.to_json())}"


def spec_from_fields(fields: str) -> Spec:
    """The spec recorded by :func:`with_spec`; ValueError when there is none.

    Inside a JSON string a quote is escaped, so the unescaped marker only occurs as a key.
    """
    _, found, value = fields.rpartition(_SPEC_FIELD)
    if not found:
        raise ValueError("no boundary recorded")
    return Spec.from_json(wire.loads(value))


_SPEC_FIELD = ', "boundary": '
