"""Applying redaction patterns, and the patterns the fast path uses.

The patterns are loaded and validated by ``gatekeep.policy.redact`` (YAML, with
``file:line:col`` errors); this module only compiles and applies them, with ``re`` alone, so
that the fast path (which loads no policy) can redact the agent's stated purpose too. The
full path keeps the pattern files' patterns in ``redact.json`` in the state directory; a
fast path that finds none there, or cannot read them, leaves the run to the full path.
A policy's own patterns are never in that file: a decision under such a policy is not
stored for reuse (``gatekeep.commands.run``).
"""

from __future__ import annotations

import os
import re
from functools import cache, partial

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    Patterns = tuple[tuple[str, str], ...]

_FILE = "redact.json"


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
    """Keep ``patterns`` for the fast path (written only when they changed)."""
    if saved(state_dir) == patterns:
        return
    import json

    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = os.path.join(state_dir, _FILE)
    temporary = f"{path}.{os.getpid()}"
    with open(temporary, "w", encoding="ascii") as handle:
        json.dump([list(pair) for pair in patterns], handle)
    os.replace(temporary, path)


def saved(state_dir: str) -> Patterns | None:
    """The patterns the full path last saved; None when there are none that compile."""
    import json

    try:
        with open(os.path.join(state_dir, _FILE), "rb") as handle:
            values = json.loads(handle.read(1 << 20))
        patterns = tuple((str(name), str(pattern)) for name, pattern in values)
        compiled(patterns)
    except (OSError, ValueError, TypeError, re.error):
        return None
    return patterns
