"""Exit codes, as fixed by the CLI contract."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    ALLOW = 0
    OK = 0
    FAILED = 1  # test, lint, replay: a failed example, a lint finding, a loosened decision
    USAGE = 2
    ASK = 3
    DENY = 4
    POLICY_ERROR = 5
    INTERNAL_ERROR = 70
    REFUSED = 126
    INTERRUPTED = 130


CHECK_CODES = {"allow": ExitStatus.ALLOW, "ask": ExitStatus.ASK, "deny": ExitStatus.DENY}
