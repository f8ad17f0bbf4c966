"""A download cache's fallback in the temp dirs is each box's own (``TEMP_CACHES``).

yarn v1 caches in ``$TMPDIR/.yarn-cache-UID`` when its own cache cannot be written (as root,
or without ``~/.cache/yarn``), and every box writes the temp dirs: an offline box running the
tree's code could leave a package there for the next box with the network (an allowed
``yarn install --frozen-lockfile``, with the registry's token) to install and run. Each box
gets an empty one of its own there instead; one that is a link is asked about in a box with
the network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

NAME = f".yarn-cache-{os.getuid()}"
SCRIPT = "cache.sh"  # the tree's code: `bash cache.sh` is allowed, and runs offline
NETWORKED = "curl -s https://example.org/x"


def temp(sandbox: Sandbox) -> Path:
    """A temp dir of this test's own (in /tmp, so a box writes it as one)."""
    directory = sandbox.root / "tmp"
    directory.mkdir(exist_ok=True)
    return directory


def env(sandbox: Sandbox) -> dict[str, str]:
    return {"TMPDIR": str(temp(sandbox))}


def allow_curl(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                                  "  - {id: fetch, allow: ['curl -s'], reason: fetches}\n")


def test_what_a_box_leaves_in_the_fallback_cache_goes_with_it(sandbox: Sandbox) -> None:
    cache = temp(sandbox) / NAME
    (sandbox.work / SCRIPT).write_text(
        'mkdir -p "$TMPDIR/.yarn-cache-$(id -u)/v6" && echo planted > '
        '"$TMPDIR/.yarn-cache-$(id -u)/v6/postinstall.js"\n')
    result = sandbox.gatekeep("run", "-c", f"bash {SCRIPT}", env=env(sandbox))
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert cache.is_dir() and not any(cache.iterdir())  # made empty, and left empty


def test_a_box_does_not_see_what_was_left_there_before(sandbox: Sandbox) -> None:
    left = temp(sandbox) / NAME / "v6"
    left.mkdir(parents=True)
    (left / "postinstall.js").write_text("planted\n")
    (sandbox.work / SCRIPT).write_text('ls -A "$TMPDIR/.yarn-cache-$(id -u)" > seen\n')
    result = sandbox.gatekeep("run", "-c", f"bash {SCRIPT}", env=env(sandbox))
    assert result.returncode == 0, result.stderr
    assert (sandbox.work / "seen").read_text() == ""
    assert (left / "postinstall.js").read_text() == "planted\n"  # the machine's stays


def test_check_names_the_box_own_empty_places(sandbox: Sandbox) -> None:
    place = str(temp(sandbox) / NAME)
    text = sandbox.gatekeep("check", "-c", f"bash {SCRIPT}", env=env(sandbox)).stdout
    assert f"  empty, the box's own: {place}" in text
    document = json.loads(sandbox.gatekeep("check", "--json", "-c", f"bash {SCRIPT}",
                                           env=env(sandbox)).stdout)
    assert place in document["boundary"]["private"]


@pytest.mark.parametrize("kind", ["link", "file"])
def test_a_fallback_that_is_no_directory_is_asked_in_a_box_with_the_network(
        sandbox: Sandbox, kind: str) -> None:
    allow_curl(sandbox)
    place = temp(sandbox) / NAME
    if kind == "link":
        (sandbox.root / "planted").mkdir()
        place.symlink_to(sandbox.root / "planted")
    else:
        place.write_text("")
    document = json.loads(sandbox.gatekeep("check", "--json", "-c", NETWORKED,
                                           env=env(sandbox)).stdout)
    assert document["decision"] == "allow"
    boundary = document["boundary"]
    assert boundary["network"] is True and boundary["status"] == "ask"
    assert f"is not a directory: {place}" in boundary["reason"]
    result = sandbox.gatekeep("run", "-c", NETWORKED, env=env(sandbox))
    assert result.returncode == 126
    assert sandbox.NEEDS_APPROVAL in result.stderr
    # offline, the box runs: nothing it installs has the network or a token
    (sandbox.work / SCRIPT).write_text("true\n")
    offline = sandbox.gatekeep("run", "-c", f"bash {SCRIPT}", env=env(sandbox))
    assert (offline.returncode, offline.stderr) == (0, "")
    place.unlink()
    again = json.loads(sandbox.gatekeep("check", "--json", "-c", NETWORKED,
                                        env=env(sandbox)).stdout)
    assert again["boundary"]["status"] == "boxed"
