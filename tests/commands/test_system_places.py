"""The system's run directories in the box: services' sockets there are out of reach, what
programs need from them is put back (gatekeep/sandbox/system.py). Real bwrap, real sockets in
the machine's own /run, as the box sees it."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any

pytestmark = [
    pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap"),
    pytest.mark.skipif(not os.access("/run", os.W_OK), reason="plants sockets in /run"),
]
# Whether the socket is there at all: the box hides it (a connect would fail anyway on the
# system-call filter, which makes no Unix socket: tests/sandbox/test_seccomp.py).
CONNECT = "import os, sys; os.stat(sys.argv[1])"


def _own(parent: str) -> Iterator[Path]:
    """A directory of this test's own in ``parent``, removed afterwards."""
    place = Path(parent) / f"gatekeep-test-{secrets.token_hex(4)}"
    place.mkdir()
    yield place
    shutil.rmtree(place, ignore_errors=True)


@pytest.fixture
def run_dir() -> Iterator[Path]:
    yield from _own("/run")


@pytest.fixture
def run_link(tmp_path: Path) -> Iterator[Path]:
    """A link at the top of /run to a directory elsewhere (as /run/current-system is)."""
    target = tmp_path / "system"
    target.mkdir()
    (target / "version").write_text("the system's\n")
    link = Path("/run") / f"gatekeep-link-{secrets.token_hex(4)}"
    link.symlink_to(target)
    yield link
    link.unlink()


def _make(sandbox: Sandbox, *recipe: str) -> subprocess.CompletedProcess[str]:
    lines = ["SHELL := /bin/bash", "all:", *(f"\t{line}" for line in recipe)]
    (sandbox.work / "Makefile").write_text("\n".join(lines) + "\n")
    assert sandbox.gatekeep("check", "-c", "make").returncode == 0
    result: subprocess.CompletedProcess[str] = sandbox.gatekeep("run", "-c", "make")
    return result


def _unboxed(sandbox: Sandbox) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make"], cwd=sandbox.work, env=sandbox.env, capture_output=True,
                          text=True, timeout=30, check=False)


@pytest.mark.parametrize("name", ["service.sock", "dbus/system_bus_socket",
                                  "containerd/containerd.sock"])
def test_a_service_socket_in_run_is_out_of_reach(sandbox: Sandbox, run_dir: Path,
                                                 name: str) -> None:
    path = run_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen(4)

        boxed = _make(sandbox, f"{sys.executable} -c '{CONNECT}' {path}")
        again = sandbox.gatekeep("run", "-c", "make")  # the stored decision: the fast path
        unboxed = _unboxed(sandbox)

    assert boxed.returncode == 2, boxed.stderr
    assert "FileNotFoundError" in boxed.stderr
    assert again.returncode == 2 and "FileNotFoundError" in again.stderr, again.stderr
    assert unboxed.returncode == 0, unboxed.stderr


def test_a_link_at_the_top_of_run_is_followed_in_the_box(sandbox: Sandbox,
                                                         run_link: Path) -> None:
    boxed = _make(sandbox, f"@cat {run_link}/version", "@ls /run")

    assert boxed.returncode == 0, boxed.stderr
    assert boxed.stdout.startswith("the system's\n")
    listed = boxed.stdout.splitlines()[1:]
    assert run_link.name in listed
    assert all(entry.startswith("gatekeep-link-") or os.path.islink(f"/run/{entry}")
               for entry in listed)  # the cover holds the links and nothing else


def test_a_path_directory_in_run_is_put_back_unless_it_holds_a_socket(
        sandbox: Sandbox, run_dir: Path) -> None:
    tools = run_dir / "bin"
    tools.mkdir()
    tool = tools / "gk-system-tool"
    tool.write_text("#!/bin/sh\necho from the system\n")
    tool.chmod(0o755)
    sandbox_path = f"{tools}:{sandbox.env['PATH']}"
    (sandbox.work / "Makefile").write_text(f"all:\n\t@{tool}\n")
    env = {"PATH": sandbox_path}

    boxed = sandbox.gatekeep("run", "-c", "make", env=env)
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tools / "control"))
        blocked = sandbox.gatekeep("run", "-c", "make", env=env)
        shown = json.loads(sandbox.gatekeep("check", "--json", "-c", "make",
                                            env=env).stdout)

    assert boxed.returncode == 0, boxed.stderr
    assert boxed.stdout == "from the system\n"
    assert blocked.returncode != 0
    assert "from the system" not in blocked.stdout
    system = shown["boundary"]["system"]
    assert "/run" in system["covered"] and str(tools) not in system["put_back"]


def test_a_tree_on_a_disk_mounted_under_run_is_written(sandbox: Sandbox, run_dir: Path) -> None:
    tree = run_dir / "media" / "disk" / "project"
    tree.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(tree)], check=True, timeout=30)
    (tree / "Makefile").write_text(f"all:\n\techo built > out.txt\n\t{sys.executable} -c "
                                   f"'{CONNECT}' {run_dir}/media/other.sock\n")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(run_dir / "media" / "other.sock"))
        listener.listen(4)
        boxed = sandbox.gatekeep("run", "-c", "make", cwd=tree)

    assert (tree / "out.txt").read_text() == "built\n", boxed.stderr
    assert boxed.returncode == 2 and "FileNotFoundError" in boxed.stderr, boxed.stderr


# -- the system's places as the tree a box writes -------------------------------------------

@pytest.fixture
def var_dir() -> Iterator[Path]:
    yield from _own("/var/lib")


def test_a_tree_in_the_systems_state_is_asked_about(sandbox: Sandbox, var_dir: Path) -> None:
    checked = sandbox.gatekeep("check", "--json", "-c", "touch made", cwd=var_dir)
    ran = sandbox.gatekeep("run", "-c", "touch made", cwd=var_dir)

    boundary = json.loads(checked.stdout)["boundary"]
    assert boundary["status"] == "ask"
    assert boundary["reason"].startswith("the working tree lies in /var, where")
    assert ran.returncode == 126 and ran.stderr.endswith(sandbox.NEEDS_APPROVAL)
    assert not (var_dir / "made").exists()


def test_a_git_work_tree_in_the_systems_state_is_boxed(sandbox: Sandbox, var_dir: Path) -> None:
    subprocess.run(["git", "init", "-q", str(var_dir)], check=True, timeout=30)

    ran = sandbox.gatekeep("run", "-c", "touch made", cwd=var_dir)

    assert ran.returncode == 0, ran.stderr
    assert (var_dir / "made").exists()


@pytest.mark.parametrize("place", ["/opt", "/home", "/srv", "/var", "/run"])
def test_a_directory_holding_others_places_is_asked_about(sandbox: Sandbox, place: str) -> None:
    if not os.path.isdir(place):
        pytest.skip(f"{place} is not on this machine")
    checked = sandbox.gatekeep("check", "--json", "-c", "touch made", cwd=Path(place))

    boundary = json.loads(checked.stdout)["boundary"]
    assert boundary["status"] == "ask"
    assert boundary["reason"].startswith(f"the working tree lies in {place}, where")


@pytest.fixture
def var_tmp_dir() -> Iterator[Path]:
    yield from _own("/var/tmp")


def test_a_temp_dir_in_the_systems_state_is_boxed(sandbox: Sandbox, var_tmp_dir: Path) -> None:
    ran = sandbox.gatekeep("run", "-c", "touch made", cwd=var_tmp_dir)

    assert ran.returncode == 0, ran.stderr
    assert (var_tmp_dir / "made").exists()


def test_a_tmpdir_the_box_may_not_write_is_tmp_in_it(sandbox: Sandbox, var_dir: Path) -> None:
    (sandbox.work / "Makefile").write_text('all:\n\t@echo "$$TMPDIR"\n\t@touch "$$TMPDIR/made"\n')

    ran = sandbox.gatekeep("run", "-c", "make", env={"TMPDIR": str(var_dir)})
    shown = json.loads(sandbox.gatekeep("check", "--json", "-c", "make",
                                        env={"TMPDIR": str(var_dir)}).stdout)

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "/tmp\n"
    assert not (var_dir / "made").exists()
    assert str(var_dir) not in shown["boundary"]["writable"]


# -- a file of code an option names ----------------------------------------------------------

@pytest.mark.parametrize(("command", "network"), [
    ("kubectl --kubeconfig kc.yaml get pods", False),
    ("kubectl get pods --kubeconfig=kc.yaml", False), ("kubectl get pods", True)])
def test_a_file_of_code_in_the_tree_runs_offline(sandbox: Sandbox, command: str,
                                                 network: bool) -> None:
    (sandbox.work / "kc.yaml").write_text("apiVersion: v1\nkind: Config\n")

    checked = sandbox.gatekeep("check", "--json", "-c", command)

    document = json.loads(checked.stdout)
    assert document["decision"] == "allow", checked.stdout
    assert document["boundary"]["network"] is network
    assert ("runs the project's own code" in document["segments"][0]["does"]) is not network
