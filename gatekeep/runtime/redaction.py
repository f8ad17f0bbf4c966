"""Applying redaction patterns, and the patterns the fast path uses.

The patterns are loaded and validated by ``gatekeep.policy.redact`` (YAML, with
``file:line:col`` errors); this module only compiles and applies them, with ``re`` alone, so
that the fast path (which loads no policy) can redact the agent's stated purpose too. The
full path keeps the pattern files' patterns in gatekeep's sealed cache (``redact`` under
``cache/`` in the state directory, ``gatekeep.runtime.sealed``): a file an agent wrote or
edited does not verify, and a fast path that finds no patterns that verify and compile
leaves the run to the full path.
A policy's own patterns are never in that file: a decision under such a policy is not
stored for reuse (``gatekeep.commands.run``).
"""

from __future__ import annotations

import re
from functools import cache, partial

from gatekeep.runtime import sealed

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    Patterns = tuple[tuple[str, str], ...]

_SUBDIRS = ("cache",)
_NAME = "redact"
_CONTEXT = "redact-patterns\0" "1"


@cache
def compiled(patterns: Patterns) -> Callable[[str], str]:
    """A function replacing each match of ``patterns`` (``(id, regex)``) by ``[redacted:ID]``
    (only the group named ``secret`` when the pattern has one)."""
    found = [(name, re.compile(pattern)) for name, pattern in patterns]

    def redact(text: str) -> str:
        for name, pattern in found:
            text = pattern.sub(partial(_replace, name=name), text)
        return text
    return redact


def _replace(match: re.Match[str], name: str) -> str:
    if "secret" not in match.re.groupindex or match.group("secret") is None:
        return f"[redacted:{name}]"
    start, end = match.span("secret")
    whole = match.group(0)
    offset = match.start()
    return whole[:start - offset] + f"[redacted:{name}]" + whole[end - offset:]


def save(state_dir: str, patterns: Patterns) -> None:
    """Keep ``patterns`` for the fast path (written only when they changed); OSError
    when they cannot be kept."""
    if saved(state_dir) == patterns:
        return
    import json

    secret = sealed.key(state_dir, create=True)
    if secret is None:
        raise OSError(f"no cache key in {state_dir}")
    body = json.dumps([list(pair) for pair in patterns], ensure_ascii=True).encode("ascii")
    sealed.write(state_dir, _SUBDIRS, _NAME, sealed.seal(secret, _CONTEXT, body))


def saved(state_dir: str) -> Patterns | None:
    """The patterns the full path last saved; None when there are none that verify and
    compile."""
    import json

    secret = sealed.key(state_dir)
    data = sealed.read(state_dir, _SUBDIRS, _NAME) if secret is not None else None
    body = sealed.unseal(secret, _CONTEXT, data) if secret is not None and data else None
    if body is None:
        return None
    try:
        values = json.loads(body)
        patterns = tuple((str(name), str(pattern)) for name, pattern in values)
        compiled(patterns)
    except (ValueError, TypeError, re.error):
        return None
    return patterns
