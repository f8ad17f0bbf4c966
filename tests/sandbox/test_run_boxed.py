"""Running inside the box for real: what it stops, and what it passes through."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatekeep.runtime import execute
from gatekeep.sandbox.boundary import Boundary
from gatekeep.sandbox.bwrap import argv as bwrap_argv
from gatekeep.sandbox.spec import Limits

BWRAP = "/usr/bin/bwrap"
pytestmark = pytest.mark.skipif(not os.path.exists(BWRAP), reason="needs bubblewrap")
SHELL = execute.system_shell()


def box(tree: Path, **changes: object) -> Boundary:
    base = Boundary(str(tree), (str(tree),), (), (), (), (), False, False, Limits())
    return base._replace(**changes)


def run_in(tmp_path: Path, boundary: Boundary, script: str) -> execute.Ran:
    """``bash -c SCRIPT`` in the box, from ``tmp_path/tree``."""
    tree = Path(boundary.tree)
    tree.mkdir(exist_ok=True)
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        return execute.run_boxed(boundary, BWRAP, SHELL, ["bash", "-c", script],
                                 {"PATH": "/usr/bin:/bin", "GK_TEST": "passed"})
    finally:
        os.chdir(cwd)


def test_writes_inside_the_tree_land_and_outside_are_refused(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    ran = run_in(tmp_path, box(tree), f"echo in > inside; echo out > {tmp_path}/outside")
    assert ran.status == 1
    assert (tree / "inside").read_text() == "in\n"
    assert not (tmp_path / "outside").exists()


def test_cwd_env_and_exit_code_pass_through(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    ran = run_in(tmp_path, box(tree), 'echo "$PWD $GK_TEST $0" > seen; exit 7')
    assert ran.status == 7
    assert (tree / "seen").read_text() == f"{tree} passed bash\n"


def test_a_read_only_path_in_the_tree_cannot_be_written_moved_or_replaced(
        tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    hooks = tree / ".git/hooks"
    hooks.mkdir(parents=True)
    script = ("echo x > .git/hooks/pre-commit; mv .git/hooks gone; mv .git moved; "
              "rm -rf .git/hooks; ls -a .git/hooks > listing")
    ran = run_in(tmp_path, box(tree, readonly=(str(hooks),), anchors=(str(tree / ".git"),)),
                 script)
    assert ran.status == 0  # ls ran last
    assert (tree / "listing").read_text() == ".\n..\n"
    assert hooks.is_dir() and not (tree / "moved").exists()


def test_hidden_files_and_directories_read_empty(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "key").write_text("SECRET\n")
    env = tmp_path / "tree" / ".env"
    tree.mkdir()
    env.write_text("TOKEN=1\n")
    ran = run_in(tmp_path, box(tree, hidden_dirs=(str(secrets),), hidden_files=(str(env),)),
                 f"cat .env {secrets}/key > seen 2>&1; ls -A {secrets} >> seen; "
                 "echo new > .env")
    assert ran.status != 0
    # a hidden file is a device in a nodev mount: opening it is refused
    assert (tree / "seen").read_text() == (f"cat: .env: Permission denied\n"
                                           f"cat: {secrets}/key: No such file or directory\n")
    assert env.read_text() == "TOKEN=1\n"


def test_no_network_inside_the_box(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        ran = run_in(tmp_path, box(tmp_path / "tree"), f"echo hi > /dev/tcp/127.0.0.1/{port}")
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert ran.status == 1


def test_network_when_the_boundary_allows_it(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        ran = run_in(tmp_path, box(tmp_path / "tree", network=True),
                     f"echo hi > /dev/tcp/127.0.0.1/{port}")
        connection, _ = listener.accept()
        connection.close()
    assert ran.status == 0


def _processes_running(argument: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and argument.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _gone(argument: str) -> bool:
    """Whether no process runs with ``argument``, waiting for ones already killed to end
    (the kernel ends a pid namespace's processes just after bwrap reports its end)."""
    deadline = time.monotonic() + 10
    while _processes_running(argument):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_time_limit_stops_the_whole_box(tmp_path: Path) -> None:
    ran = run_in(tmp_path, box(tmp_path / "tree", limits=Limits(timeout=1)),
                 "setsid sleep 60.4141 & sleep 60.4242")
    assert ran.timed_out
    assert _gone("60.4141")
    assert _gone("60.4242")


def test_what_a_command_leaves_running_in_the_background_ends_with_it(tmp_path: Path) -> None:
    ran = run_in(tmp_path, box(tmp_path / "tree"), "setsid sleep 60.4343 & echo started")
    assert ran.status == 0
    assert _gone("60.4343")


def test_memory_and_file_size_limits(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    limits = Limits(memory=256 << 20, output=1 << 20)
    ran = run_in(tmp_path, box(tree, limits=limits),
                 f"{sys.executable} -c 'bytearray(1 << 30)' 2> memory; "
                 "head -c 2000000 /dev/zero > big; echo $? > status")
    assert "MemoryError" in (tree / "memory").read_text()
    assert (tree / "big").stat().st_size == 1 << 20
    assert (tree / "status").read_text() != "0\n"
    assert ran.status == 0


def test_a_bwrap_that_fails_to_set_up_is_reported_not_taken_for_the_command(
        tmp_path: Path) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setup failed' >&2\nexit 1\n")
    fake.chmod(0o755)
    tree = tmp_path / "tree"
    tree.mkdir()
    with pytest.raises(execute.BoxFailed):
        execute.run_boxed(box(tree), str(fake), SHELL, ["bash", "-c", "true"], {})


def test_a_command_that_exits_1_is_not_a_failed_box(tmp_path: Path) -> None:
    assert run_in(tmp_path, box(tmp_path / "tree"), "exit 1").status == 1


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory an unprivileged user can reach (pytest's own are root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="gatekeep-box-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@pytest.mark.skipif(shutil.which("setpriv") is None or os.geteuid() != 0,
                    reason="needs setpriv and root to become an unprivileged user")
def test_the_box_works_for_an_unprivileged_user(open_dir: Path) -> None:
    """bwrap as nobody builds the same box through a user namespace."""
    base = open_dir
    tree = base / "tree"
    tree.mkdir()
    outside = base / "outside"
    outside.mkdir()
    secret = tree / ".env"
    secret.write_text("TOKEN\n")
    for path in (tree, outside, secret):
        os.chown(path, 65534, 65534)
    boundary = box(tree, hidden_files=(str(secret),))
    line = bwrap_argv(boundary, BWRAP, SHELL, ["bash", "-c", f"cat .env > copy; echo x > "
                      f"{outside}/x; echo ok > done"], str(tree), 0, SHELL)
    status_fd = os.open(os.devnull, os.O_WRONLY)
    line[line.index("--json-status-fd") + 1] = str(status_fd)
    try:
        status = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 "--", *line], cwd=tree, check=False, timeout=30,
                                pass_fds=(status_fd,)).returncode
    finally:
        os.close(status_fd)
    assert status == 0
    assert (tree / "done").read_text() == "ok\n"
    assert (tree / "copy").read_text() == ""
    assert not (outside / "x").exists()


def test_shared_memory_of_a_process_outside_the_box_is_out_of_reach(tmp_path: Path) -> None:
    """The box has System V IPC of its own (red team 60 F7): a segment made outside it, by
    its key, is not there."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    key = 0x6B0000 + os.getpid() % 0xFFFF
    ipc_creat, ipc_rmid = 0o1000, 0
    segment = libc.shmget(key, 64, ipc_creat | 0o600)
    assert segment >= 0, os.strerror(ctypes.get_errno())
    probe = (f"import ctypes; libc = ctypes.CDLL(None); "
             f"print(libc.shmget({key}, 64, 0) >= 0)")
    try:
        outside = subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                 text=True, check=True)
        ran = run_in(tmp_path, box(tmp_path / "tree"), f"{sys.executable} -c '{probe}' > seen")
    finally:
        libc.shmctl(segment, ipc_rmid, None)
    assert outside.stdout == "True\n"
    assert ran.status == 0
    assert (tmp_path / "tree" / "seen").read_text() == "False\n"
