"""Which policies judge a command, loaded through a cache of compiled policies.

The operator's policy (``$XDG_CONFIG_HOME/gatekeep/policy.yaml`` or the built-in
default) is the authority. ``--policy``, ``GATEKEEP_POLICY`` and a project policy
are added beside it for ``run``: the strictest decision wins, so they can only
tighten.

The cache holds a compiled policy as plain JSON (``gatekeep.policy.plain``), sealed
with the state directory's key (``gatekeep.runtime.sealed``), with the sha256 of every
policy and knowledge file it was compiled from and a digest of gatekeep's own
modules. An entry is used only when its MAC verifies and every one of those files
still has that content; anything else compiles afresh.

The digests must be of the content that was *compiled*, or an edit landing during
a compile would be recorded as compiled and kept until the file changed again.
Knowledge files are known before the compile: they are hashed before it and again
after it, and a difference means nothing is cached. A policy's files (its
``extends`` chain) are only known after it; they are hashed after the compile and
then checked against the policy's own ``sha256``, which the loader computed from the
very text it compiled: the cache records them only when the two agree.

The digests a loaded policy stands for are kept for ``vouched`` (the decision cache
stores them with each allow decision); a policy whose content could not be pinned
down has none, and decisions made with it are not stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gatekeep import __version__
from gatekeep.errors import PolicyError
from gatekeep.policy.model import Policy
from gatekeep.policy.refs import builtin_dir, resolve_reference
from gatekeep.runtime import sealed, sysfs
from gatekeep.runtime.digest import sha256
from gatekeep.runtime.locations import Locations
from gatekeep.sandbox.records import NamedTuple
from gatekeep.validate import problem

FORMAT = 3  # 3: a record of one string field is stored as the string
SUBDIRS = ("cache",)
Inputs = tuple[tuple[str, str], ...]  # (file, sha256 of its bytes)


class PolicySource(NamedTuple):
    reference: str
    role: str  # operator | --policy | GATEKEEP_POLICY | project


class Vouched(NamedTuple):
    """What a loaded policy was compiled from: file digests and gatekeep's code digest."""

    inputs: Inputs
    code: str


# (state dir, entry name) -> (sealed body, its JSON, its policy): decoded ahead of need by
# ``gatekeep resident`` (``preload``); a caller still verifies the entry before using it
_PRELOADED: dict[tuple[str, str], tuple[bytes, object, Policy]] = {}
PRELOAD_LIMIT = 8

# id(policy) -> (policy, what it was compiled from); the policy is kept so its id stays its own.
# Only the newest are kept: a process that loads policies again and again (judging many
# commands in one process) would keep every one it ever loaded. A policy no longer here is
# not vouched for, and a decision made with it is not stored: never a decision reused.
_VOUCHED: dict[int, tuple[Policy, Vouched]] = {}
VOUCHED_LIMIT = 16


def run_sources(locations: Locations, cwd: Path, explicit: str | None,
                env_policy: str | None) -> list[PolicySource]:
    found = sysfs.policy_sources(str(locations.config_dir), str(cwd), explicit, env_policy)
    for reference, role in found:  # a name that cannot be a path: say where it came from
        reason = problem(reference)
        if reason is not None:
            raise PolicyError(role, None, None, "", f"the policy name {reason}")
    return [PolicySource(reference, role) for reference, role in found]


def load_run_policies(locations: Locations, cwd: Path, explicit: str | None,
                      env_policy: str | None) -> list[Policy]:
    """The policies ``run`` judges with (``run_sources``), each through the compiled cache."""
    sources = run_sources(locations, cwd, explicit, env_policy)
    programs = sysfs.operator_programs(str(locations.config_dir))
    return [load_cached(s.reference, locations.cache_dir, programs) for s in sources]


def vouched(policy: Policy) -> Vouched | None:
    """The file digests ``policy`` was compiled from, when this process could pin them down."""
    found = _VOUCHED.get(id(policy))
    return found[1] if found is not None and found[0] is policy else None


def load_cached(reference: str, cache_dir: Path | None, programs: str | None = None) -> Policy:
    """Load a policy, reusing the compiled form while none of its files changed.

    ``programs`` is the operator's program knowledge file, extending the shipped one.
    ``cache_dir`` is ``<state dir>/cache``; None compiles without the cache.
    """
    state = str(cache_dir.parent) if cache_dir is not None else None
    name, context = _entry(reference, programs)
    secret = sealed.key(state, create=True) if state is not None else None
    if state is not None and secret is not None:
        found = _read(state, name, context, secret, reference, _required(reference, programs))
        if found is not None:
            return _vouch(*found)
    policy, vouch = _compile(reference, programs)
    if vouch is not None and state is not None and secret is not None:
        _write(state, name, context, secret, policy, vouch)
    return _vouch(policy, vouch)


def compiled(reference: str, cache_dir: Path, programs: str | None = None) -> Policy | None:
    """The cached compiled policy, when an entry verifies as :func:`load_cached` verifies
    it (the seal, every file's content, gatekeep's code); None otherwise. Never compiles
    and never writes: a command that must see the policy's text itself, and report on it,
    checks that text when there is no entry."""
    state = str(cache_dir.parent)
    secret = sealed.key(state)
    if secret is None:
        return None
    try:
        name, context = _entry(reference, programs)
        found = _read(state, name, context, secret, reference, _required(reference, programs))
    except PolicyError:
        return None  # no such built-in policy: the checks say so
    return _vouch(*found) if found is not None else None


def _entry(reference: str, programs: str | None) -> tuple[str, str]:
    """The cache entry's file name and the context its seal covers."""
    path = resolve_reference(reference)
    context = f"{FORMAT}\0{__version__}\0{reference}\0{path}\0{programs or ''}"
    return f"p-{sha256(context.encode('utf-8', 'surrogateescape')).hexdigest()[:40]}", context


def _required(reference: str, programs: str | None) -> list[str]:
    return _knowledge_files(programs) + [str(resolve_reference(reference))]


def _vouch(policy: Policy, vouch: Vouched | None) -> Policy:
    if vouch is not None:
        _VOUCHED.pop(id(policy), None)  # newest last
        while len(_VOUCHED) >= VOUCHED_LIMIT:
            del _VOUCHED[next(iter(_VOUCHED))]
        _VOUCHED[id(policy)] = (policy, vouch)
    return policy


def _knowledge_files(programs: str | None) -> list[str]:
    builtin = str(builtin_dir() / "programs.yaml")
    return [builtin, str(Path(programs))] if programs else [builtin]


def _digests(files: list[str]) -> Inputs | None:
    found = tuple((file, sysfs.content_digest(file)) for file in files)
    return found if all(digest is not None for _, digest in found) else None  # type: ignore[return-value]


def _compile(reference: str, programs: str | None) -> tuple[Policy, Vouched | None]:
    """Compile; vouch only for content known to be what was compiled (module docstring)."""
    from gatekeep.policy.load import load_knowledge_default, load_policy

    try:
        code = sysfs.code_digest()
    except OSError:
        code = None
    knowledge_files = _knowledge_files(programs)
    before = _digests(knowledge_files)
    knowledge = load_knowledge_default(Path(programs) if programs else None)
    policy = load_policy(reference, knowledge)
    chain = _chain_digests(policy)
    if (code is None or before is None or chain is None or _digests(knowledge_files) != before
            or list(knowledge.files) != knowledge_files):
        return policy, None
    return policy, Vouched(chain + before, code)


def _chain_digests(policy: Policy) -> Inputs | None:
    """Digests of the policy's files now, if they are the very texts it was compiled from."""
    combined = sha256()
    found = []
    for file in policy.files:
        try:
            with open(file, "rb") as handle:
                data = handle.read()
            text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        except (OSError, UnicodeDecodeError):
            return None
        combined.update(os.path.basename(file).encode() + b"\0" + text.encode() + b"\0")
        found.append((file, sha256(data).hexdigest()))
    return tuple(found) if combined.hexdigest() == policy.sha256 else None


def _read(state: str, name: str, context: str, secret: bytes, reference: str,
          required: list[str]) -> tuple[Policy, Vouched] | None:
    """A cached policy whose files all still have the content it was compiled from."""
    data = sealed.read(state, SUBDIRS, name)
    body = sealed.unseal(secret, context, data) if data is not None else None
    if body is None:
        return None
    preloaded = _PRELOADED.get((state, name))
    if preloaded is not None and preloaded[0] != body:
        preloaded = None
    try:
        entry = preloaded[1] if preloaded is not None else json.loads(body)
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        inputs = tuple(_pair(item) for item in entry["inputs"])
        vouch = Vouched(inputs, _string(entry["code"]))
        files = dict(inputs)
        if not set(required) <= files.keys() or vouch.code != sysfs.code_digest():
            return None
        if any(sysfs.content_digest(file) != digest for file, digest in inputs):
            return None
        policy = preloaded[2] if preloaded is not None else _decoded(state, name, entry)
    except (ValueError, TypeError, KeyError, OSError, RecursionError):  # too deep for JSON
        return None
    if policy.name != reference or set(policy.files) | set(policy.knowledge.files) != files.keys():
        return None
    return policy, vouch


def _decoded(state: str, name: str, entry: dict[str, object]) -> Policy:
    from gatekeep.policy.plain import decode_policy

    return decode_policy(entry["policy"], lambda: _spoil(state, name))


def preloaded(state: str) -> list[Policy]:
    """The policies ``preload`` decoded for this state directory."""
    return [found[2] for key, found in _PRELOADED.items() if key[0] == state]


def preload(state: str) -> None:
    """Decode the newest compiled policies before anyone asks (``gatekeep resident``).

    Only the decoding is done ahead: the sealed body is read unverified here (the context
    its MAC covers is the caller's to know), and a caller uses what was decoded only for a
    body that verified under its own context and is byte for byte the one decoded.
    """
    directory = os.path.join(state, *SUBDIRS)
    try:
        names = sorted((n for n in os.listdir(directory) if n.startswith("p-")),
                       key=lambda n: os.stat(os.path.join(directory, n)).st_mtime_ns)
    except OSError:
        return
    newest = names[-PRELOAD_LIMIT:]
    for kept in [k for k in _PRELOADED if k[0] == state and k[1] not in newest]:
        del _PRELOADED[kept]
    for name in newest:
        data = sealed.read(state, SUBDIRS, name)
        body = data.partition(b"\n")[2] if data is not None else b""
        found = _PRELOADED.get((state, name))
        if not body or (found is not None and found[0] == body):
            continue
        decoded = _decoded_ahead(state, name, body)
        if decoded is not None:
            _PRELOADED[state, name] = decoded


def _decoded_ahead(state: str, name: str, body: bytes) -> tuple[bytes, object, Policy] | None:
    """An unverified body decoded, or None however it fails (too deep for the JSON decoder,
    anything): a caller verifies and decodes it itself."""
    try:
        entry = json.loads(body)
        if isinstance(entry, dict) and entry.get("format") == FORMAT:
            return body, entry, _decoded(state, name, entry)
    except Exception:
        return None
    return None


def _spoil(state: str, name: str) -> None:
    """Empty an entry found malformed after it was read: the next run compiles afresh."""
    try:
        sealed.write(state, SUBDIRS, name, b"")
    except OSError:
        return  # the entry keeps failing the same way: refused, never run


def _pair(item: object) -> tuple[str, str]:
    if not isinstance(item, list) or len(item) != 2:
        raise ValueError("expected [file, digest]")
    return _string(item[0]), _string(item[1])


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _write(state: str, name: str, context: str, secret: bytes, policy: Policy,
           vouch: Vouched) -> None:
    from gatekeep.policy.plain import encode

    try:
        body = json.dumps({"format": FORMAT, "inputs": vouch.inputs, "code": vouch.code,
                           "policy": encode(policy)}, ensure_ascii=False, allow_nan=False)
        sealed.write(state, SUBDIRS, name, sealed.seal(secret, context, body.encode()))
    except (OSError, ValueError):
        return
