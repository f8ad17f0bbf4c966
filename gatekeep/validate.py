"""Checks for values that become a path, a pattern or a program name, where they enter.

A NUL byte cannot reach the operating system, a lone surrogate can be neither
encoded as a file name nor printed, and a value of many kilobytes is never a real
path, pattern or name. Each is refused where it is read (a policy, program
knowledge, the command line, a saved record), with a message that says where,
instead of failing later as an exception far from its source.

Only the standard library: the approvals and the fast path read through this too.
"""

from __future__ import annotations

MAX_LENGTH = 4096  # longer than any real path (PATH_MAX) or pattern
MAX_FILE_BYTES = 1 << 20  # a policy, case or knowledge file; more is not a policy


def problem(value: object, limit: int = MAX_LENGTH) -> str | None:
    """Why ``value`` cannot be used as a path, pattern or name; None when it can.

    The message never quotes the value: it may come from a file that is not ours.
    """
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if len(value) > limit:
        return f"longer than {limit} characters"
    if "\0" in value:
        return "contains a NUL byte"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid UTF-8)"
    return None


def checked(value: object, what: str, limit: int = MAX_LENGTH) -> str:
    """``value`` when it is a usable string; else ValueError naming ``what``."""
    reason = problem(value, limit)
    if reason is not None:
        raise ValueError(f"{what}: {reason}")
    assert isinstance(value, str)
    return value


def number(value: object, what: str) -> float:
    """A finite int or float (not a bool); else ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{what}: expected a finite number, got {type(value).__name__}")
    return float(value)
