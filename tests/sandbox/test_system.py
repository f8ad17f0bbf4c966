"""What the box puts back in a covered run directory (gatekeep/sandbox/system.py), on a run
directory and an /etc of the test's own."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from gatekeep.sandbox import system


def _places(tmp_path: Path) -> tuple[Path, Path]:
    run, etc = tmp_path / "run", tmp_path / "etc"
    (run / "resolve").mkdir(parents=True)
    etc.mkdir()
    return run, etc


def test_links_at_the_top_are_made_again_as_they_read(tmp_path: Path) -> None:
    run, etc = _places(tmp_path)
    (run / "shm").symlink_to("/dev/shm")
    (run / "current-system").symlink_to("../nix/store/x-system")
    (run / "resolve" / "deeper").symlink_to("/elsewhere")  # in a directory: not put back

    back = dict(system.put_back([str(run)], str(etc), []))

    assert back == {f"{run}/shm": "/dev/shm", f"{run}/current-system": "../nix/store/x-system"}


def test_a_file_an_etc_link_leads_to_is_bound_back_and_nothing_else(tmp_path: Path) -> None:
    run, etc = _places(tmp_path)
    (run / "resolve" / "stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (etc / "resolv.conf").symlink_to(run / "resolve" / "stub-resolv.conf")
    (etc / "whole").symlink_to(run / "resolve")           # a directory: may hold a socket
    (etc / "outside").symlink_to(tmp_path)                # not in the covered dir
    (etc / "missing").symlink_to(run / "gone")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(run / "resolve" / "io.systemd.Resolve"))
        (etc / "socket").symlink_to(run / "resolve" / "io.systemd.Resolve")

        back = system.put_back([str(run)], str(etc), [])

    assert back == [(f"{run}/resolve/stub-resolv.conf", "")]


def test_a_path_directory_is_put_back_only_when_it_holds_plain_entries(tmp_path: Path) -> None:
    run, etc = _places(tmp_path)
    plain, nested, with_socket = (run / name / "bin" for name in ("a", "b", "c"))
    for directory in (plain, nested, with_socket):
        directory.mkdir(parents=True)
        (directory / "tool").write_text("")
        (directory / "link").symlink_to("tool")
    (nested / "sub").mkdir()  # what a directory in it holds is not looked at: not put back
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(with_socket / "control"))
        tools = [str(plain), str(nested), str(with_socket), str(tmp_path), str(run)]

        back = system.put_back([str(run)], str(etc), tools)

    assert back == [(str(plain), "")]


def test_only_run_directories_there_are_covered_each_once(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "run").symlink_to(run)

    found = system.covered([str(run), str(tmp_path / "var" / "run"), str(tmp_path / "none"),
                            "relative", "/"])

    assert found == [os.path.realpath(run)]
