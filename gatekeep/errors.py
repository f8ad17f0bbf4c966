"""The error hierarchy; each error builds its message from structured fields."""

from __future__ import annotations

from dataclasses import dataclass


class GatekeepError(Exception):
    """Base of every error gatekeep reports to its user."""


@dataclass
class PolicyError(GatekeepError):
    """A policy (or program knowledge) file that cannot be loaded."""

    file: str
    line: int | None
    column: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


@dataclass
class UsageError(GatekeepError):
    """The command line asks for something gatekeep cannot do."""

    message: str

    def __str__(self) -> str:
        return self.message
