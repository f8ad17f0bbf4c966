"""Fixtures for the shell tests: the shipped program knowledge, loaded once."""

from __future__ import annotations

import pytest

from gatekeep.policy.load import load_knowledge_default
from gatekeep.shell.knowledge import Knowledge


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge_default()
