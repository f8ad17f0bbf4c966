"""Redaction: secrets in what the agent sent are replaced before a record is written.

The patterns are data: ``redact.yaml`` shipped with the policies, the operator's
``redact.yaml`` in the config directory (same format), and each policy's
``audit: {redact: ...}``. A match is replaced by ``[redacted:ID]``; a pattern with a group
named ``secret`` replaces only that group. A pattern file that does not validate is a
policy error: gatekeep runs nothing rather than log a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from gatekeep.policy.audit import redaction
from gatekeep.policy.refs import builtin_dir
from gatekeep.policy.yamlsource import compose, read_source, require_marker
from gatekeep.runtime.redaction import compiled

Redactor = Callable[[str], str]
_FILE_KEYS = frozenset({"gatekeep", "redact"})


def load_patterns(path: Path) -> tuple[tuple[str, str], ...]:
    """The ``(id, pattern)`` pairs of a redaction file; PolicyError names file:line:col."""
    root = compose(read_source(path, "redaction patterns"), str(path))
    require_marker(root, "gatekeep", "not a gatekeep file: expected a mapping with "
                   "'gatekeep: 1' and 'redact: [...]'")
    fields = root.mapping(_FILE_KEYS)
    if "redact" not in fields:
        return ()
    return tuple(redaction(item) for item in fields["redact"].sequence())


def file_patterns(config_dir: str) -> tuple[tuple[str, str], ...]:
    """The shipped patterns and the operator's file's, when there is one."""
    patterns = load_patterns(builtin_dir() / "redact.yaml")
    operator = Path(config_dir) / "redact.yaml"
    if operator.is_file():
        patterns += load_patterns(operator)
    return patterns


def redactor(config_dir: str, extra: Iterable[tuple[str, str]] = ()) -> Redactor:
    """The shipped patterns, the operator's file when there is one, and ``extra``."""
    return compiled((*file_patterns(config_dir), *extra))


def for_policies(policies: Iterable[object], files: tuple[tuple[str, str], ...]) -> Redactor:
    """The redactor for a run judged by ``policies``: the pattern files' patterns
    (``file_patterns``) and every policy's own."""
    extra = [pair for policy in policies for pair in getattr(policy, "audit_redact", ())]
    return compiled((*files, *extra))
