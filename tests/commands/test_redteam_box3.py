"""The box's cache owners and its home check, tried by what gets around them."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


@pytest.mark.parametrize("home", ["home", ".", ""])
def test_a_home_that_is_not_an_absolute_path_is_not_boxed_unattended(
        sandbox: Sandbox, home: str) -> None:
    """HOME relative or empty: where the operator's start-up files are is not known, so a
    tree that may be the home is not written unattended."""
    (sandbox.home / "Makefile").write_text("all:\n\techo 'echo pwned' >> .bash_aliases\n")
    checked = sandbox.gatekeep("check", "-c", "make", cwd=sandbox.home, env={"HOME": home})
    assert "boundary: ask (the working tree is the home directory" in checked.stdout
    refused = sandbox.gatekeep("run", "-c", "make", cwd=sandbox.home, env={"HOME": home})
    assert refused.returncode != 0
    assert not (sandbox.home / ".bash_aliases").exists()


def boundary(sandbox: Sandbox, command: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        sandbox.gatekeep("check", "--json", "-c", command).stdout)["boundary"]
    return document


@pytest.mark.parametrize("command", ["npm ci", "timeout 60 npm ci", "command npm ci",
                                     "git fetch"])
def test_a_download_writes_no_cache_another_program_owns(settled: Sandbox,
                                                         command: str) -> None:
    sandbox = settled  # a project outside the temp dirs: git there has the network
    (sandbox.home / ".m2/repository").mkdir(parents=True)
    (sandbox.work / "package.json").write_text('{"name": "x"}\n')
    document = boundary(sandbox, command)
    assert document["network"] is True
    assert str(sandbox.home / ".m2/repository") not in document["writable"]


def test_a_cache_spelt_with_a_trailing_slash_keeps_its_owner(sandbox: Sandbox) -> None:
    (sandbox.home / ".m2/repository").mkdir(parents=True)
    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\nsandbox_paths:\n"
        "  writable: [~/.m2/repository/]\n  owners: {mvn: [~/.m2/repository]}\n")
    fetched = boundary(sandbox, "git fetch")
    assert fetched["network"] is True
    assert not [p for p in fetched["writable"] if p.startswith(str(sandbox.home))]
