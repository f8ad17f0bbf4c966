"""A lint finding: where, how bad, what."""

from __future__ import annotations

from typing import NamedTuple

from gatekeep.errors import PolicyError

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # said, never a failure: a loosening the policy means to make


class Finding(NamedTuple):
    severity: str  # error | warning | note
    code: str
    file: str
    line: int | None
    column: int | None
    message: str

    @classmethod
    def from_error(cls, error: PolicyError) -> Finding:
        key = f"{error.key}: " if error.key else ""
        code = "duplicate-id" if error.message.startswith("duplicate rule id") else "load"
        return cls(ERROR, code, error.file, error.line, error.column, f"{key}{error.message}")

    @property
    def where(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}" if self.column else \
            f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message} [{self.code}]"
