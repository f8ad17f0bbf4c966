"""Fixtures for the lint tests: policy files written under ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WritePolicy = Callable[[str, str], Path]


@pytest.fixture
def write_policy(tmp_path: Path) -> WritePolicy:
    """``write_policy(name, text)`` writes ``text`` to ``tmp_path/name`` and returns the path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
