"""Redaction: secrets in what the agent sent are replaced before a record is written.

The patterns are data: ``redact.yaml`` shipped with the policies, the operator's
``redact.yaml`` in the config directory (same format), and each policy's
``audit: {redact: ...}``. A match is replaced by ``[redacted:ID]``; a pattern with a group
named ``secret`` replaces only that group. A pattern file that does not validate is a
policy error: gatekeep runs nothing rather than log a secret.

``run`` and ``hook`` build a redactor on every call, so the patterns of each file are
kept in gatekeep's sealed cache (``gatekeep.runtime.sealed``) with the sha256 of the file
they were read from: reused only while the MAC verifies and the file still has that
content, so no YAML is read or imported on the way to a decision. The cached patterns
came from a file that validated; nothing an agent can write is taken for one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable

from gatekeep import __version__
from gatekeep.runtime import sealed, sysfs
from gatekeep.runtime.decision_cache import builtin_dir
from gatekeep.runtime.digest import sha256
from gatekeep.runtime.redaction import compiled, hinted

TYPE_CHECKING = False  # pathlib only where a file is read: the hook path does without it
if TYPE_CHECKING:
    from pathlib import Path

Redactor = Callable[[str], str]
Patterns = tuple[tuple[str, str], ...]
_FILE_KEYS = frozenset({"gatekeep", "redact"})
_FORMAT = 1
_SUBDIRS = ("cache",)


def load_patterns(path: Path) -> Patterns:
    """The ``(id, pattern)`` pairs of a redaction file; PolicyError names file:line:col."""
    from gatekeep.policy.audit import redaction
    from gatekeep.policy.yamlsource import compose, read_source, require_marker

    root = compose(read_source(path, "redaction patterns"), str(path))
    require_marker(root, "gatekeep", "not a gatekeep file: expected a mapping with "
                   "'gatekeep: 1' and 'redact: [...]'")
    fields = root.mapping(_FILE_KEYS)
    if "redact" not in fields:
        return ()
    return tuple(redaction(item) for item in fields["redact"].sequence())


def file_patterns(config_dir: str, state_dir: str | None = None) -> Patterns:
    """The shipped patterns and the operator's file's, when there is one; with
    ``state_dir``, each file's patterns come from the cache while the file is unchanged."""
    patterns = cached_patterns(os.path.join(builtin_dir(), "redact.yaml"), state_dir)
    operator = os.path.join(config_dir, "redact.yaml")
    if os.path.isfile(operator):
        patterns += cached_patterns(operator, state_dir)
    return patterns


def redactor(config_dir: str, extra: Iterable[tuple[str, str]] = (),
             state_dir: str | None = None) -> Redactor:
    """The pattern files' patterns (``file_patterns``) and ``extra``."""
    return compiled((*file_patterns(config_dir, state_dir), *extra))


def cached_patterns(file: str | os.PathLike[str], state_dir: str | None) -> Patterns:
    """``load_patterns(file)``, through the sealed cache when there is a state directory."""
    path = os.fspath(file)
    secret = sealed.key(state_dir, create=True) if state_dir is not None else None
    if state_dir is None or secret is None:
        return _read_patterns(path)
    context = f"redact\0{_FORMAT}\0{__version__}\0{path}"
    name = "r-" + sha256(context.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    before = sysfs.content_digest(path)
    data = sealed.read(state_dir, _SUBDIRS, name)
    body = sealed.unseal(secret, context, data) if data is not None else None
    found = _decode(body, before) if body is not None and before is not None else None
    if found is not None:
        return found
    patterns = _read_patterns(path)
    if before is not None and sysfs.content_digest(path) == before:  # what was read
        text = json.dumps({"sha256": before, "patterns": patterns}, ensure_ascii=False)
        try:  # noqa: SIM105 - contextlib costs every fresh decision its import
            sealed.write(state_dir, _SUBDIRS, name, sealed.seal(secret, context, text.encode()))
        except OSError:  # not cached: read again next time
            pass
    return patterns


def _read_patterns(path: str) -> Patterns:
    from pathlib import Path

    return load_patterns(Path(path))


def _decode(body: bytes, digest: str) -> Patterns | None:
    """The patterns of a cache entry made from the file with this ``digest``, else None."""
    try:
        entry = json.loads(body)
        pairs = entry["patterns"] if entry["sha256"] == digest else None
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2
                                                  for p in pairs):
            return None
        found = tuple((name, pattern) for name, pattern in pairs)
    except (ValueError, TypeError, KeyError):
        return None
    if not all(isinstance(text, str) for pair in found for text in pair):
        return None
    return found


def for_policies(policies: Iterable[object], files: Patterns,
                 state_dir: str | None = None) -> Redactor:
    """The redactor for a run judged by ``policies``: the pattern files' patterns
    (``file_patterns``) and the operator's policy's own (the first), each applied in that
    order. A project's policy, which the agent may have written, redacts nothing: its
    patterns could erase from the audit log what ran.

    With ``state_dir``, where the patterns saved for the fast path (with what each match
    needs) are exactly ``files``, a file pattern is compiled only for a text it could match
    (``gatekeep.runtime.redaction.lazy``, ~2.5 ms less per fresh decision); a policy's own
    patterns are compiled at once, so that a bad one fails here as before.
    """
    first = next(iter(policies), None)
    extra = tuple(getattr(first, "audit_redact", ()))
    lazy = hinted(state_dir, files) if state_dir is not None else None
    if lazy is None:
        return compiled((*files, *extra))
    own = compiled(extra)
    return lambda text: own(lazy(text))
