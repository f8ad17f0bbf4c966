"""``gatekeep schema``: print the JSON Schema of the policy format."""

from __future__ import annotations

from typing import TextIO

from gatekeep.exitcodes import ExitStatus
from gatekeep.policy.schema import schema_text


def schema(*, stdout: TextIO) -> int:
    stdout.write(schema_text())
    return ExitStatus.OK
