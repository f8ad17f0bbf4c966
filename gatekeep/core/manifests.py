"""Tree files a networked part obeys as code: the project's install scripts, a nested
repository's configuration.

``npm ci`` runs the root package's lifecycle scripts (``preinstall``, ``prepare``...) and
``git fetch`` runs what the repository's config names (``remote.*.uploadpack``,
``core.sshCommand``); yarn runs the release ``.yarnrc.yml`` names and pnpm the hooks of
``.pnpmfile.cjs``. The box keeps the working tree's own ``.git/config`` read-only, but
``package.json`` and a repository nested in the tree are files the agent may have written;
so are the packages it links from the tree (a workspace, a ``file:`` dependency), whose
install scripts npm runs as it does the root's:
a part that obeys one runs the tree's code (``runs-tree-code``), and the box gives such a
command no network unless the operator approves it. A manifest gatekeep cannot read (a fifo,
a symlink to a device, not UTF-8), or one that is not a JSON object, counts as holding
scripts; none at all holds none.
"""

from __future__ import annotations

import json
import posixpath
from functools import lru_cache

from gatekeep.core.paths import within
from gatekeep.runtime.patterns import on_use

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from gatekeep.core.engine import _Judge
    from gatekeep.core.paths import Resolver
    from gatekeep.shell.analyze import Invocation
    from gatekeep.shell.knowledge import Manifests

# Which programs obey which files, and what in them runs code, is program knowledge
# (``manifests:`` in policies/programs.yaml): ``judge.knowledge.manifests``.
_SUGGEST = "install from the default registry, or ask the operator"
# an address in a lock read as text: a URL, git's scp-like form, a hosted git shorthand
_ADDRESSES = on_use(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|git@[^\s:\"']+:|(?:github|gitlab|"
                    r"bitbucket|gist):)[^\s\"',}\]#]*")
Problem = tuple[str, str, str]  # (decision, reason, suggest)


def runs_tree_code(judge: _Judge, invocation: Invocation, base: str) -> bool:
    """Whether a part with a network effect obeys code the tree holds (see the module)."""
    if "network" not in invocation.effects:
        return False
    known = judge.knowledge.manifests.get(base)
    if known is None:
        return False
    manifest = known.manifest
    if manifest is not None and any(_above(judge, d, known) or _unscanned(judge, d, known)
                                    for d in _dirs(judge, invocation)):
        return True
    if manifest is not None and "installs" in invocation.effects \
            and _obeys(invocation, known.subcommands):
        dirs = _dirs(judge, invocation)
        if any(d is None or _any_file(judge, d, known.code_files) for d in dirs):
            return True
        return not any(o.name in known.no_scripts for o in invocation.options) \
            and any(_scripts(judge, d, manifest, known) or _linked(judge, d, known)
                    for d in dirs)
    if known.nested_repository:
        return any(_nested(judge, d) or _in_temp(judge, d) or _submodules(judge, d)
                   for d in _dirs(judge, invocation))
    return False


def _submodules(judge: _Judge, directory: str | None) -> bool:
    """A repository with submodules (a ``.gitmodules`` at or above the directory, up to its
    work tree's top): ``git fetch`` and ``pull`` recurse into them, each obeying the config
    of the git dir its ``.git`` file names, a file in the tree the agent may have written
    (``gitdir: /tmp/evil.git``)."""
    if directory is None:
        return True
    current = judge._realpath(directory)
    fingerprint = judge.context.resolver.fingerprint
    while current not in ("/", ""):
        if fingerprint(posixpath.join(current, ".gitmodules")) is not None:
            return True
        if fingerprint(posixpath.join(current, ".git")) is not None:
            return False  # the work tree's top
        current = posixpath.dirname(current)
    return False


def _above(judge: _Judge, directory: str | None, known: Manifests) -> bool:
    """Whether a directory above ``directory`` holds what the program obeys from there: npm
    takes the nearest one up with ``package.json`` or ``node_modules`` as its project (its
    scripts, its ``.npmrc``'s registry and the token that registry is sent), yarn reads
    ``.yarnrc`` in every one, and a workspace's root is above its packages. The home (the
    operator's own ``.npmrc``) and ``/`` are not looked at."""
    if directory is None:
        return False
    names = tuple(n for n in (known.manifest or "", *known.settings, *known.code_files,
                              *known.locks, "node_modules") if n)
    return any(_any_file(judge, parent, names) for parent in _parents(
        judge._realpath(directory), judge._realpath(judge.context.home)))


def _unscanned(judge: _Judge, directory: str | None, known: Manifests) -> bool:
    """Settings the program obeys (a project's ``.npmrc``: its registry and proxy are sent
    the registry's token) in a directory the box does not search for protected files
    (``sandbox_paths.not_scanned``: ``target/app``, ``.venv/x``). The box hides them only
    where it finds them, so there they are the agent's, and obeyed."""
    names = frozenset(judge.policy.sandbox_not_scanned)
    if directory is None or not names:
        return False
    real = judge._realpath(directory)
    return bool(names.intersection(real.split("/"))) and _any_file(judge, real, known.settings)


def _in_temp(judge: _Judge, directory: str | None) -> bool:
    """A repository in a temp dir, at or above the directory: every box writes the temp
    dirs whole, so its config and hooks are files the agent may have written, from a box
    whose tree was elsewhere (``git clone`` there obeys none)."""
    if directory is None:
        return True
    current = judge._realpath(directory)
    temps = [judge._realpath(temp) for temp in judge.context.temp_dirs]
    while any(within(current, temp) for temp in temps):
        if judge.context.resolver.fingerprint(posixpath.join(current, ".git")) is not None:
            return True
        current = posixpath.dirname(current)
    return False


def _obeys(invocation: Invocation, subcommands: tuple[str, ...]) -> bool:
    """Whether this run is one of the installs that obey the manifest."""
    first = invocation.positionals[0].value if invocation.positionals else None
    return not subcommands or first in subcommands


def files(judge: _Judge, invocation: Invocation) -> list[str]:
    """The manifests a package manager's part obeys, whatever it does (``npm test`` runs
    the ``test`` script): one another part of the command writes is code gatekeep never saw."""
    known = judge.knowledge.manifests.get(posixpath.basename(invocation.program or ""))
    if known is not None and known.nested_repository:  # its submodules (_submodules)
        return [posixpath.join(d, ".gitmodules") for d in _dirs(judge, invocation) if d]
    if known is None or known.manifest is None:
        return []
    dirs = [d for d in _dirs(judge, invocation) if d]
    home = judge._realpath(judge.context.home)
    above = [a for d in dirs for a in _parents(judge._realpath(d), home)]  # as _above reads
    return [*(posixpath.join(d, name) for d in dirs
              for name in (known.manifest, *known.locks, *known.text_locks, *known.settings)),
            *(posixpath.join(a, name) for a in above
              for name in (known.manifest, *known.locks, *known.settings, *known.code_files,
                           "node_modules"))]


def _parents(directory: str, home: str) -> list[str]:
    """The directories above ``directory`` up to, not including, ``home`` and ``/``."""
    found = []
    current = posixpath.dirname(directory)
    while current not in ("/", "", home):
        found.append(current)
        current = posixpath.dirname(current)
    return found


def _any_file(judge: _Judge, directory: str, names: tuple[str, ...]) -> bool:
    return any(_exists(judge, posixpath.join(directory, name)) for name in names)


def lock_problem(judge: _Judge, invocation: Invocation, base: str, sources: str
                 ) -> Problem | None:
    """An npm install whose lock file resolves a package from elsewhere than the default
    registry (a git repository, a tarball's URL, a path outside the tree): ``sources``
    decides, as for the same package named on the command line. A lock file gatekeep
    cannot read is asked."""
    known = judge.knowledge.manifests.get(base)
    registry = known.registry if known is not None else None
    if known is None or (registry is None and not known.text_locks) \
            or "installs" not in invocation.effects:
        return None
    for directory in _dirs(judge, invocation):
        if directory is None:
            return ("ask", "installs what a lock file in a directory known only at run time "
                    "resolves", _SUGGEST)
        found = _lock(judge, directory, sources, known.locks, registry) \
            if registry is not None else None
        found = found or _text_lock(judge, directory, sources, known)
        if found is not None:
            return found
    return None


def _text_lock(judge: _Judge, directory: str, sources: str, known: Manifests
               ) -> Problem | None:
    """A lock read as text (``yarn.lock``, ``pnpm-lock.yaml``, ``uv.lock``): every address
    in it (``https://...``, ``git+ssh://...``, ``git@host:...``, ``github:...``) must be
    one of the default registry's; one gatekeep cannot read is asked."""
    for name in known.text_locks:
        path = posixpath.join(directory, name)
        text = _read(judge, path)
        if text is None and not _exists(judge, path):
            continue
        found = _toml_sources(text) if text is not None and name in known.toml_locks else None
        if text is None or (name in known.toml_locks and found is None):
            return ("ask", f"installs what {name} resolves, which gatekeep cannot read (a "
                    "regular UTF-8 file of at most 16 MiB, in its format)", _SUGGEST)
        addresses = found[0] if found is not None else _ADDRESSES.findall(text)
        for address in addresses:
            if not (address + "/").startswith(known.registries):  # `.../simple` too
                return (sources, f"installs from {address}, as {name} says: not the default "
                        "registry", _SUGGEST)
    return None  # each is read: which one a version obeys first is not gatekeep's to know


def _linked(judge: _Judge, directory: str | None, known: Manifests) -> bool:
    """A package of the tree's that the lock installs: npm's ``"link": true`` entries
    (a workspace, an ``overrides`` entry naming ``file:./x``), a text lock's
    ``local_markers`` (uv's ``editable =`` member, pnpm's ``link:``): its build backend or
    install scripts run."""
    if directory is None:
        return True
    for name in known.locks:
        text = _read(judge, posixpath.join(directory, name))
        if text is not None and _links_from_tree(text):
            return True
        if text is not None:
            break  # npm obeys the first lock file it finds
    for name in known.text_locks:
        text = _read(judge, posixpath.join(directory, name))
        if text is not None and name in known.toml_locks:
            found = _toml_sources(text)
            if found is None or found[1]:
                return True
        elif text is not None and any(marker in text for marker in known.local_markers):
            return True
    return False


_ADDRESS_KEYS = frozenset({"registry", "url", "git"})  # a TOML lock's sources: an address
_LOCAL_KEYS = frozenset({"path", "directory", "editable"})  # a path: the tree's package


@lru_cache(maxsize=8)  # read for its addresses (lock_problem) and its paths (_linked)
def _toml_sources(text: str) -> tuple[tuple[str, ...], bool] | None:
    """A TOML lock's (``uv.lock``) addresses (every ``registry``, ``url`` and ``git`` value,
    wherever it is: a source, an sdist, a wheel) and whether it installs a package from a
    path (``path``, ``directory``, ``editable``: a workspace member, a path source, an
    sdist by path), read as TOML, not as text; None when it is not TOML."""
    import tomllib

    try:
        document: object = tomllib.loads(text)
    except ValueError:
        return None
    addresses: list[str] = []
    local = False
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in _ADDRESS_KEYS and isinstance(value, str):
                addresses.append(value)
            elif key in _LOCAL_KEYS and isinstance(value, str):
                local = True
            else:
                pending.append(value)
    return tuple(addresses), local


def _links_from_tree(text: str) -> bool:
    """Whether an npm lock installs a package from a path: an entry linked, or resolved to
    a path rather than an address (one gatekeep cannot read counts)."""
    try:
        lock = json.loads(text)
    except ValueError:
        return True
    packages = lock.get("packages", {}) if isinstance(lock, dict) else None
    if not isinstance(packages, dict):
        return True
    for key, entry in packages.items():
        if key == "":
            continue
        if not isinstance(entry, dict):
            return True
        source = entry.get("resolved")
        if entry.get("link") or (isinstance(source, str) and "://" not in source):
            return True
    return False


def _read(judge: _Judge, path: str) -> str | None:
    read = getattr(judge.context.resolver, "read", None)
    text = read(path) if read is not None else None
    return text if isinstance(text, str) else None


def _lock(judge: _Judge, directory: str, sources: str, locks: tuple[str, ...],
          registry: str) -> Problem | None:
    for name in locks:
        path = posixpath.join(directory, name)
        text = _read(judge, path)
        if text is None and not _exists(judge, path):
            continue
        entries = _entries(text)
        if entries is None:
            return ("ask", f"installs what {name} resolves, which gatekeep cannot read (a "
                    "regular UTF-8 JSON file of at most 16 MiB)", _SUGGEST)
        for package, source in entries:
            if not _registry(judge, directory, source, registry):
                return (sources, f"installs {package} from {source}, as {name} says: not "
                        "the default registry", _SUGGEST)
        return None  # npm obeys the first lock file it finds
    return None


def _exists(judge: _Judge, path: str) -> bool:
    return present(judge.context.resolver, path)


def present(resolver: Resolver, path: str) -> bool:
    """Whether anything is at ``path``: a file, a directory, a link (one that leads nowhere
    too)."""
    import glob  # here: only a command that installs packages asks

    return resolver.fingerprint(path) is not None or bool(resolver.expand(glob.escape(path)))


def _entries(text: str | None) -> list[tuple[str, str]] | None:
    """Every ``(package, source)`` a lock file names: ``resolved`` of lockfileVersion 2 and
    3 (``packages``), ``resolved`` and a ``version`` that is a source of version 1
    (``dependencies``, nested). None when it is not such a file."""
    try:
        lock = json.loads(text) if text is not None else None
    except ValueError:
        return None
    if not isinstance(lock, dict):
        return None
    found: list[tuple[str, str]] = []
    packages = lock.get("packages", {})
    if not isinstance(packages, dict) or not _v1(lock.get("dependencies", {}), found):
        return None
    for key, entry in packages.items():
        if key == "":
            continue  # the project itself
        if not isinstance(entry, dict):
            return None
        source = entry.get("resolved")
        if entry.get("link") and not isinstance(source, str):
            return None
        if source is not None:
            found.append((key, source if isinstance(source, str) else repr(source)))
    return found


def _v1(dependencies: object, found: list[tuple[str, str]]) -> bool:
    if not isinstance(dependencies, dict):
        return False
    for name, entry in dependencies.items():
        if not isinstance(entry, dict):
            return False
        for key in ("resolved", "version"):
            value = entry.get(key)
            if isinstance(value, str) and (key == "resolved" or ":" in value or "/" in value):
                found.append((name, value))
        if not _v1(entry.get("dependencies", {}), found):
            return False
    return True


def _registry(judge: _Judge, directory: str, source: str, registry: str) -> bool:
    """The default registry's tarball, or a workspace's path inside the tree."""
    if source.startswith(registry):
        return True
    if ":" in source.split("/", 1)[0] or source.startswith(("/", "~")):
        return False  # a scheme (git+ssh:, file:, https: elsewhere) or an absolute path
    path = judge._realpath(posixpath.normpath(posixpath.join(directory, source)))
    return within(path, judge.context.cwd)


def _dirs(judge: _Judge, invocation: Invocation) -> list[str | None]:
    """The directories whose files the part obeys (its ``-C``/``--prefix``, else the
    directory it runs in), from every directory a ``cd`` may have moved to; None: one
    known only at run time."""
    found: list[str | None] = []
    for word in invocation.runs_from:
        paths = judge.paths(word)
        found.extend(paths if paths is not None else [None])
    return found or [None]


def _scripts(judge: _Judge, directory: str | None, manifest_name: str, known: Manifests
             ) -> bool:
    if directory is None:
        return True
    path = posixpath.join(directory, manifest_name)
    text = _read(judge, path)
    if text is None:  # none at all (an install writes a new one): no scripts of the tree's
        return present(judge.context.resolver, path)
    if manifest_name.endswith(".toml"):
        return _builds_project(text, known.project_tables)
    try:
        manifest = json.loads(text)
    except ValueError:
        return True
    if not isinstance(manifest, dict):
        return True
    scripts = manifest.get("scripts", {})
    return not isinstance(scripts, dict) or bool(known.lifecycle.intersection(scripts)) \
        or any(key in manifest for key in known.workspaces) or _links(manifest, known)


def _builds_project(text: str, tables: tuple[str, ...]) -> bool:
    """Whether a ``pyproject.toml`` declares a project the install builds (one of ``tables``
    is there); one gatekeep cannot read counts as one."""
    import tomllib

    try:
        document: object = tomllib.loads(text)
    except ValueError:
        return True
    for table in tables:
        found = document
        for name in table.split("."):
            found = found.get(name) if isinstance(found, dict) else None
        if found is not None:
            return True
    return False


def _links(manifest: dict[str, object], known: Manifests) -> bool:
    """Whether a dependency names a package in the tree (or a list is not a mapping)."""
    for key in known.dependencies:
        named = manifest.get(key, {})
        if not isinstance(named, dict):
            return True
        if any(not isinstance(spec, str) or spec.strip().startswith(known.local_specs)
               for spec in named.values()):
            return True
    return False


def _nested(judge: _Judge, directory: str | None) -> bool:
    """A ``.git`` between the directory and the working directory (exclusive), or a bare
    repository there: a repository inside the tree, whose config and hooks the box does not
    keep read-only."""
    if directory is None:
        return True
    top = judge.context.cwd
    current = judge._realpath(directory)
    if not within(current, top):
        return False  # outside the tree: judged as foreign code on its own
    fingerprint = judge.context.resolver.fingerprint
    while current != top and within(current, top):
        if fingerprint(posixpath.join(current, ".git")) is not None:
            return True
        # a git dir (`git init --bare node_modules/b`, or one with only HEAD and a
        # commondir): git takes it for its repository and obeys its `config`; HEAD may be
        # a link to a ref not there yet (red teams 45 and 46)
        if any(present(judge.context.resolver, posixpath.join(current, name))
               for name in ("HEAD", "commondir")):
            return True
        current = posixpath.dirname(current)
    return False
