"""Fakes shared by the tests (``pythonpath`` in pyproject.toml puts this directory on the
import path; test modules are imported with --import-mode=importlib, not as a package)."""

from __future__ import annotations

from collections.abc import Mapping


class Resolver:
    """A file system where every program is ``/usr/bin/NAME``, paths are what they say,
    and the only files are ``files`` (absolute path -> text): no glob matches anything."""

    def __init__(self, files: Mapping[str, str] | None = None) -> None:
        self.files = dict(files or {})

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}"

    def realpath(self, path: str) -> str:
        return path

    def fingerprint(self, path: str) -> str | None:
        import hashlib

        text = self.files.get(path)
        return None if text is None else "file:" + hashlib.sha256(text.encode()).hexdigest()

    def read(self, path: str) -> str | None:
        return self.files.get(path)

    def expand(self, pattern: str) -> list[str]:
        return []
