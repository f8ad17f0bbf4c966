"""Exit codes, as fixed by the CLI contract."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    ALLOW = 0
    USAGE = 2
    ASK = 3
    DENY = 4
    POLICY_ERROR = 5
    INTERNAL_ERROR = 70
    REFUSED = 126
    INTERRUPTED = 130


CHECK_CODES = {"allow": ExitStatus.ALLOW, "ask": ExitStatus.ASK, "deny": ExitStatus.DENY}
