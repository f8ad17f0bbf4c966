"""``gatekeep run`` and the home directory: secrets outside the tree stay out of the box.

A scratch home under ``tmp_path`` holds another project's ``.env``, a token in ``~/.npmrc``
and one in a file no pattern names; the working tree is beside it. Each read is tried by
plain bash (it works) and inside the box (it does not).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
SECRETS = {"x/.env": "API_KEY=planted-1\n", ".npmrc": "//registry/:_authToken=planted-2\n",
           "notes/token": "planted-3\n"}


def plant(sandbox: Sandbox, recipe: str) -> None:
    for name, text in SECRETS.items():
        path = sandbox.home / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (sandbox.work / "Makefile").write_text(f"SHELL := /bin/bash\nall:\n\t{recipe}\n")


def plain(sandbox: Sandbox, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=sandbox.work, env=sandbox.env,
                          capture_output=True, text=True, timeout=30, check=False)


def test_secrets_in_the_home_outside_the_tree_cannot_be_read(sandbox: Sandbox) -> None:
    plant(sandbox, "-cat ~/x/.env ~/.npmrc ~/notes/token > stolen; ls -A ~ > listing")
    assert sandbox.gatekeep("check", "-c", "make").returncode == 0  # allowed: it builds

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    assert (sandbox.work / "stolen").read_text() == ""
    for name in SECRETS:
        assert f"cat: {sandbox.home}/{name}: No such file or directory" in boxed.stderr
    # nothing of the home is shown: only the mount points of the box's own build caches
    assert (sandbox.work / "listing").read_text().split() == [".cache", ".ccache", ".gradle"]

    assert plain(sandbox, "make").returncode == 0
    assert (sandbox.work / "stolen").read_text() == "".join(SECRETS.values())


def test_reading_one_by_name_is_judged_before_the_box(sandbox: Sandbox) -> None:
    plant(sandbox, "true")
    refused = sandbox.gatekeep("run", "-c", "cat ~/x/.env")
    assert refused.returncode != 0 and "planted" not in refused.stdout + refused.stderr
    assert plain(sandbox, "cat ~/x/.env").stdout == SECRETS["x/.env"]


def test_the_stored_decision_hides_the_home_too(sandbox: Sandbox) -> None:
    plant(sandbox, "-cat ~/x/.env > stolen")
    assert sandbox.gatekeep("run", "-c", "make").returncode == 0
    (sandbox.work / "stolen").unlink()
    again = sandbox.gatekeep("run", "-c", "make")  # the fast path: a reused decision
    assert again.returncode == 0, again.stderr
    assert (sandbox.work / "stolen").read_text() == ""
    assert len(sandbox.audit()) == 2


def test_the_settings_toolchains_need_are_shown_read_only(sandbox: Sandbox) -> None:
    (sandbox.home / ".gitconfig").write_text("[user]\n\tname = shown\n")
    (sandbox.home / ".config/git").mkdir(parents=True)
    (sandbox.home / ".config/git/credentials").write_text("https://u:planted-4@host\n")
    (sandbox.home / ".config/git/ignore").write_text("*.tmp\n")
    plant(sandbox, "-git config --global user.name; cat ~/.config/git/ignore; "
                   "cat ~/.config/git/credentials; echo x >> ~/.gitconfig")

    boxed = sandbox.gatekeep("run", "-c", "make -s")
    assert boxed.stdout == "shown\n*.tmp\n", boxed.stderr
    assert "credentials: Permission denied" in boxed.stderr
    assert ".gitconfig: Read-only file system" in boxed.stderr
    assert (sandbox.home / ".gitconfig").read_text() == "[user]\n\tname = shown\n"


def test_an_operator_can_show_the_whole_home(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "sandbox_paths: {readable: ['~']}\n")
    plant(sandbox, "-cat ~/notes/token > stolen")
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    assert (sandbox.work / "stolen").read_text() == SECRETS["notes/token"]
