"""Red team 22: the keeper (gatekeep.runtime.keeper) that ends a boxed run and cleans up
after it when gatekeep is killed (each test failed while its attack worked)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time

import pytest
from gitbox import EVIL, NEW_REPO, Sandbox
from gitbox import plant as _plant
from gitbox import repo as _repo
from gitbox import status as _status

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def _drain(fd: int, seconds: float) -> bytes:
    os.set_blocking(fd, False)
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        if not chunk:
            break
        data += chunk
    return data


def _ended_unread(sandbox: Sandbox, how: str) -> None:
    """A boxed make that makes .claude and a repository with core.fsmonitor, then waits;
    its caller closes gatekeep's pipes and ends it (``kill`` or ``terminate``)."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), EVIL.format("foo"),
           "mkdir -p .claude && echo '{}' > .claude/settings.json", "touch ready", "sleep 6173")
    process = sandbox.spawn("run", "-c", "make")
    try:
        sandbox.wait_for(lambda: (sandbox.work / "ready").exists(), timeout=30)
        process.stderr.close()  # type: ignore[union-attr]
        process.stdout.close()  # type: ignore[union-attr]
        getattr(process, how)()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


def test_the_keepers_clean_up_is_not_cut_short_by_a_closed_stderr(sandbox: Sandbox) -> None:
    """The harness kills gatekeep and stops reading its stderr (closes the pipe). The
    keeper's clean-up writes its first warning (the .claude it removed) to that stderr:
    EPIPE, and the rest of the clean-up (hold_repositories) never ran; the audit log says
    the keeper ended the box. The operator's ``git status`` runs the repository's
    core.fsmonitor."""
    _ended_unread(sandbox, "kill")
    time.sleep(3)  # the keeper ends the box and cleans up
    assert not (sandbox.work / ".claude").exists()
    assert (sandbox.work / "foo" / ".git.gatekeep-held").exists()
    assert not _status(sandbox, ["add", "-A"])


def test_gatekeeps_own_clean_up_is_not_cut_short_by_a_closed_stderr(sandbox: Sandbox) -> None:
    """The same with SIGTERM: gatekeep's own _after_box dies of the BrokenPipeError (its
    warning about the failure fails too), then tells the keeper ``done``."""
    _ended_unread(sandbox, "terminate")
    time.sleep(1)
    assert not _status(sandbox, ["add", "-A"])


def _blocked_in_clean_up(sandbox: Sandbox, *recipe: str) -> tuple[subprocess.Popen[bytes], int]:
    """gatekeep with a 4 KiB stderr pipe the box fills: it blocks on its first warning,
    after its clean-up moved the repository aside."""
    _repo(sandbox.work)
    _plant(sandbox, NEW_REPO.format("foo"), EVIL.format("foo"), *recipe,
           "head -c 4096 /dev/zero >&2")
    sandbox.gatekeep("run", "--", "true")
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 4096)
    process = subprocess.Popen([str(sandbox.GATEKEEP), "run", "-c", "make"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=write, env=sandbox.env, cwd=sandbox.work,
                               start_new_session=True)
    os.close(write)
    return process, read


def test_a_keeper_does_not_hold_again_what_gatekeep_held(sandbox: Sandbox) -> None:
    """gatekeep is killed in its own clean-up, after it moved foo/.git aside: the keeper
    runs the clean-up again, takes foo/.git.gatekeep-held for a bare repository the run
    made, and moves its HEAD aside: moved back as told, foo is no repository."""
    process, read = _blocked_in_clean_up(sandbox)
    try:
        sandbox.wait_for(lambda: (sandbox.work / "foo" / ".git.gatekeep-held").exists(),
                         timeout=30)
        time.sleep(0.5)
        assert process.poll() is None  # blocked on its warning
        process.kill()
        process.wait(timeout=30)
        err = _drain(read, 5)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(read)
    assert (sandbox.work / "foo" / ".git.gatekeep-held" / "HEAD").exists(), err


def test_a_keeper_does_not_kill_a_process_group_that_took_bwraps_pid(sandbox: Sandbox) -> None:
    """gatekeep reaped bwrap and is killed in its clean-up: the keeper sends SIGKILL to
    bwrap's process group by its number, free since the reap. A process group outside
    any box that now has that number (forced here with ns_last_pid; a pid wrap-around
    otherwise) is killed."""
    if os.geteuid() != 0:
        pytest.skip("places a pid with /proc/sys/kernel/ns_last_pid")
    process, read = _blocked_in_clean_up(sandbox, "touch ready; sleep 1")
    victim = None
    try:
        sandbox.wait_for(lambda: (sandbox.work / "ready").exists(), timeout=30)
        bwrap = int(subprocess.run(["pgrep", "-P", str(process.pid), "bwrap"],
                                   capture_output=True, text=True, check=True).stdout.split()[0])
        sandbox.wait_for(lambda: (sandbox.work / "foo" / ".git.gatekeep-held").exists(),
                         timeout=30)
        sandbox.wait_for(lambda: not os.path.exists(f"/proc/{bwrap}"), timeout=10)
        for _ in range(50):
            with open("/proc/sys/kernel/ns_last_pid", "w") as handle:
                handle.write(str(bwrap - 1))
            candidate = subprocess.Popen(["sleep", "1000"], start_new_session=True)
            if candidate.pid == bwrap:
                victim = candidate
                break
            candidate.kill()
            candidate.wait()
        if victim is None:
            pytest.skip("could not place a process at bwrap's old pid")
        process.kill()
        process.wait(timeout=30)
        _drain(read, 5)
        time.sleep(1)
        assert victim.poll() is None, "the keeper killed a process group outside the box"
    finally:
        if process.poll() is None:
            process.kill()
        if victim is not None and victim.poll() is None:
            victim.kill()
            victim.wait()
        with contextlib.suppress(OSError):
            os.close(read)


def test_a_keeper_that_cannot_fork_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """keeper.start forks a middle process that forks the keeper; when that second fork
    fails, the middle exits 0 and start returns as if a keeper ran. (The box then mostly
    fails by luck: bwrap's pid written to a pipe nobody reads is EPIPE, "gatekeep: bash:
    Broken pipe", 126, not the designed "cannot start without its keeper".)"""
    from gatekeep.runtime import keeper

    real = os.fork
    parent = os.getpid()

    def fork() -> int:
        if os.getpid() != parent:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real()

    monkeypatch.setattr(os, "fork", fork)
    try:
        started = keeper.start(lambda: None)
    except OSError:
        return
    os.close(started.info)
    os.waitpid(started._middle, 0)
    with contextlib.suppress(OSError):
        os.close(started.control)
    pytest.fail("keeper.start returned although no keeper was forked")
