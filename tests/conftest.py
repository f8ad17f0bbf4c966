"""Fixtures the test modules at the top share (those of a folder are in its conftest.py)."""

from __future__ import annotations

import pytest

from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy


@pytest.fixture(scope="module")
def policy() -> Policy:
    """The built-in default policy."""
    return load_policy("builtin:default")
