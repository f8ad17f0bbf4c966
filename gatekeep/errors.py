"""The error hierarchy; each error builds its message from structured fields."""

from __future__ import annotations


class GatekeepError(Exception):
    """Base of every error gatekeep reports to its user."""


class PolicyError(GatekeepError):
    """A policy (or program knowledge) file that cannot be loaded."""

    def __init__(self, file: str, line: int | None, column: int | None, key: str,
                 message: str) -> None:
        super().__init__(file, line, column, key, message)
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class UsageError(GatekeepError):
    """The command line asks for something gatekeep cannot do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
