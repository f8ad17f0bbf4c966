"""What the box puts back in a covered run directory (gatekeep/sandbox/system.py), on a run
directory and an /etc of the test's own."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from gatekeep.sandbox import plan, system
from gatekeep.sandbox.boundary import in_system


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


# -- what the environment may name as the box's temp dir (plan.temp_dir) ---------------------

def test_a_tmpdir_in_the_system_temp_dirs_is_taken() -> None:
    assert plan.temp_dir("/tmp/build-1/", "/home/me") == "/tmp/build-1"
    assert plan.temp_dir("/var/tmp", "/home/me") == "/var/tmp"


@pytest.fixture
def elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """The system's temp dirs elsewhere: the test's own directories lie in /tmp."""
    monkeypatch.setattr(plan, "TEMP_DIRS", ("/nonexistent/tmp",))


@pytest.mark.usefixtures("elsewhere")
def test_a_tmpdir_of_the_callers_own_named_as_one_is_taken(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name in ("tmp", ".temp", "scratch"):
        (home / name).mkdir(parents=True)
    assert plan.temp_dir(str(home / "tmp"), str(home)) == str(home / "tmp")
    assert plan.temp_dir(str(home / ".temp"), str(home)) == str(home / ".temp")
    assert plan.temp_dir(str(home / "scratch"), str(home)) == ""  # not named as a temp dir


@pytest.mark.parametrize("value", ["/var/lib/dpkg", "/run", "/etc", "/", "relative/tmp",
                                   "/nonexistent/tmp", "/root", "/home"])
def test_a_tmpdir_the_box_must_not_write_is_refused(value: str) -> None:
    assert plan.temp_dir(value, "/root") == ""


@pytest.mark.usefixtures("elsewhere")
def test_the_home_and_another_accounts_are_no_tmpdir(tmp_path: Path) -> None:
    home = tmp_path / "tmp-home"  # named as a temp dir, and the caller's
    home.mkdir()
    assert plan.temp_dir(str(home), str(home)) == ""
    assert plan.temp_dir("/home/someone/tmp", str(home)) == ""


@pytest.mark.skipif(os.getuid() != 0, reason="gives a directory to another account")
@pytest.mark.usefixtures("elsewhere")
def test_a_tmpdir_of_another_account_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "tmp"
    other.mkdir()
    os.chown(other, 65534, 65534)
    assert plan.temp_dir(str(other), "/root") == ""


@pytest.mark.parametrize(("path", "place"), [
    ("/home/bob", "/home/bob"), ("/home/bob/.ssh/keys", "/home/bob/.ssh"),
    ("/root", "/root"), ("/root/.config/x", "/root/.config"), ("/home", "/home"),
    ("/var/lib/x", "/var"), ("/usr/src", "/usr"), ("/home/bob/app", None),
    ("/root/app", None), ("/homework/x", None), ("/work/x", None)])
def test_another_accounts_home_and_its_hidden_dirs_are_the_systems(path: str,
                                                                    place: str | None) -> None:
    assert in_system(path, {"/home/me"}) == place


def test_the_operators_own_home_is_left_to_the_other_rules() -> None:
    assert in_system("/home/me/.config", {"/home/me"}) is None
    assert in_system("/root/.ssh", {"/root"}) is None


def test_a_path_directory_that_cannot_be_listed_stays_covered(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    run, etc = _places(tmp_path)
    tools = run / "x" / "bin"
    tools.mkdir(parents=True)

    def unlistable(path: str) -> None:
        raise PermissionError(path)

    monkeypatch.setattr(system.os, "scandir", unlistable)
    assert system.put_back([str(run)], str(etc), [str(tools)]) == []
