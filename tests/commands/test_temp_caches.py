"""A box with the network has temp dirs of its own, empty (``boundary._own_temp``).

Every box writes the temp dirs, and a box that runs the tree's code is offline: what it leaves
there must not be what the next box, with the network and the registry's token, installs and
runs. yarn v1 caches in ``$TMPDIR/.yarn-cache-UID`` when its own cache cannot be written (as
root, or without ``~/.cache/yarn``), and in ``$XDG_CACHE_HOME/yarn``, which may be in ``/tmp``;
node's temp dir may be ``$TMP``. Offline boxes share the temp dirs as before: tools hand files
from one run to the next there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

NETWORKED = "curl -s https://example.org/x"


def allow_curl(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                                  "  - {id: fetch, allow: ['curl -s'], reason: fetches}\n")


def test_a_box_with_the_network_sees_none_of_what_other_boxes_left(apart: Sandbox) -> None:
    """An offline box leaves a file in /tmp; a networked one (here, `curl` beside a part that
    reads the file: they share the box) does not see it, and an offline one does."""
    allow_curl(apart)
    left = f"/tmp/gatekeep-test-left-{os.getpid()}"
    (apart.work / "leave.sh").write_text(f"echo planted > {left}\n")
    try:
        assert apart.gatekeep("run", "-c", "bash leave.sh").returncode == 0
        assert Path(left).read_text() == "planted\n"
        networked = apart.gatekeep("run", "-c", f"{NETWORKED} -o /dev/null; cat {left}")
        assert "planted" not in networked.stdout
        assert "No such file or directory" in networked.stderr
        assert "network on; temp dirs of its own, empty" in networked.stderr
        offline = apart.gatekeep("run", "-c", f"cat {left}")
        assert (offline.returncode, offline.stdout) == (0, "planted\n")
    finally:
        os.unlink(left)


def test_check_names_the_temp_dirs_of_its_own(apart: Sandbox) -> None:
    allow_curl(apart)
    document = json.loads(apart.gatekeep("check", "--json", "-c", NETWORKED).stdout)
    assert document["boundary"]["network"] is True
    assert "/tmp" in document["boundary"]["own_temp"]
    assert "  temp dirs of its own (empty): /tmp" in apart.gatekeep("check", "-c", NETWORKED).stdout
    offline = json.loads(apart.gatekeep("check", "--json", "-c", "ls").stdout)
    assert offline["boundary"]["own_temp"] == []


def test_the_tree_in_a_temp_dir_is_still_the_tree(sandbox: Sandbox) -> None:
    """The tree in /tmp, and the home beside it: bound into the box's own /tmp, with nothing
    else of the machine's /tmp (the binds that keep a protected path's parents in place
    would show their directories whole)."""
    allow_curl(sandbox)
    (sandbox.work / "kept.txt").write_text("tree\n")
    (sandbox.root / "beside.txt").write_text("machine\n")
    result = sandbox.gatekeep(
        "run", "-c", f"{NETWORKED} -o /dev/null; cat kept.txt; ls {sandbox.root}")
    assert "tree\n" in result.stdout
    assert "beside.txt" not in result.stdout
