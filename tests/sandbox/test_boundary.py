"""The boundary computed from a spec, and bwrap's command line for it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gatekeep.sandbox.boundary import Where, boundary, work_tree
from gatekeep.sandbox.bwrap import argv, cannot_box, find
from gatekeep.sandbox.spec import Limits, Spec
from gatekeep.sandbox.system import SERVICE_DIRS


def where(tmp_path: Path, cwd: Path | None = None) -> Where:
    home = tmp_path / "home"
    return Where(str(cwd or tmp_path / "tree"), str(home), (str(tmp_path / "tmp"),),
                 (str(home / ".config/gatekeep"), str(home / ".local/state/gatekeep")))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for directory in ("tree/.git/hooks", "tree/sub/deep", "tmp", "home/.ssh", "home/.npm",
                      "home/.config/gatekeep", "home/.local/state/gatekeep"):
        (tmp_path / directory).mkdir(parents=True)
    for file in ("tree/.git/config", "tree/.env", "tree/sub/deep/.env", "tree/keep.txt",
                 "home/.ssh/id_rsa", "home/.bashrc"):
        (tmp_path / file).write_text("x\n")
    return tmp_path / "tree"


SPEC = Spec(writable=("~/.npm", "~/.cache/pip"),
            protect_write=("~/.ssh/**", "~/.bashrc", ".git/hooks/**", ".git/config"),
            protect_read=("~/.ssh/id_*", "**/.env"))


def test_the_tree_temp_dirs_and_existing_caches_are_writable(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC, where(tmp_path))
    assert box.tree == str(tree)
    assert set(box.writable) == {str(tree), str(tmp_path / "tmp"), str(tmp_path / "home/.npm")}


def test_protected_and_own_files_inside_writable_places_are_read_only(tmp_path: Path,
                                                                      tree: Path) -> None:
    # home inside a writable place, and shown (hidden, nothing in it needs a bind)
    spec = SPEC._replace(writable=(str(tmp_path),), readable=("~",))
    box = boundary(spec, where(tmp_path))
    home = tmp_path / "home"
    assert {str(tree / ".git/hooks"), str(tree / ".git/config"), str(home / ".ssh"),
            str(home / ".bashrc"), str(home / ".config/gatekeep")} <= set(box.readonly)
    assert str(home / ".local/state/gatekeep") in box.hidden_dirs  # the state dir, wholesale
    assert str(tree / ".git") in box.anchors  # cannot be renamed away from its hooks


def test_read_only_binds_are_only_where_something_is_writable(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC, where(tmp_path))
    assert str(tmp_path / "home/.bashrc") not in box.readonly  # home is read-only already
    assert str(tree / ".git/config") in box.readonly


def test_protected_reads_are_hidden_in_the_tree_and_home(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC._replace(readable=("~",)), where(tmp_path))  # the home shown
    assert set(box.hidden_files) == {str(tree / ".env"), str(tree / "sub/deep/.env"),
                                     str(tmp_path / "home/.ssh/id_rsa")}


def test_a_directory_named_not_scanned_is_not_searched(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC, where(tmp_path)._replace(not_scanned=("sub",)))
    assert str(tree / "sub/deep/.env") not in box.hidden_files


def test_the_work_tree_is_the_enclosing_git_checkout(tmp_path: Path, tree: Path) -> None:
    assert work_tree(str(tree / "sub/deep")) == str(tree)
    assert work_tree(str(tmp_path / "tmp")) == str(tmp_path / "tmp")


def test_nothing_of_the_box_own_proc_and_dev_is_bound(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC._replace(protect_read=("/proc/*/environ", "/dev/null")),
                   where(tmp_path))
    assert box.hidden_files == ()


def test_bwrap_argv_order_and_flags(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC, where(tmp_path))
    line = argv(box, "/usr/bin/bwrap", "/usr/bin/ls", ["ls", "-l"], str(tree), 7, "/bin/bash")
    assert line[:5] == ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--dev"]
    assert ["--bind", str(tree), str(tree)] == line[line.index(str(tree)) - 1:][:3]
    assert "--unshare-net" in line and "--unshare-pid" in line and "--new-session" in line
    hooks = str(tree / ".git/hooks")
    assert line.index(hooks) > line.index(str(tree))  # read-only on top of the writable tree
    assert line[line.index("--json-status-fd") + 1] == "7"
    assert line[-6:] == ["/bin/bash", "-c", 'exec -a "$0" -- "$@"', "ls", "/usr/bin/ls", "-l"]


def test_network_and_everything_writable_come_from_the_spec(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC._replace(network=True, everything_writable=True), where(tmp_path))
    line = argv(box, "/usr/bin/bwrap", "/bin/true", ["/bin/true"], str(tree), 3, "/bin/bash")
    assert line[1:4] == ["--bind", "/", "/"]
    assert "--unshare-net" not in line
    assert line[-1] == "/bin/true"
    # everything writable: every protected path that exists is bound read-only
    assert str(tmp_path / "home/.bashrc") in box.readonly


def test_bwrap_is_found_only_at_a_root_only_path(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    fake = loose / "bwrap"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find([str(fake)]) is None  # its directory is writable by anyone
    assert find(["bwrap"]) is None  # a bare name would be a PATH lookup
    assert find([str(tmp_path / "missing")]) is None
    assert cannot_box([str(tmp_path / "missing")]) is not None


def test_a_stored_spec_round_trips_and_a_bad_one_is_refused() -> None:
    spec = SPEC._replace(limits=Limits(timeout=5, memory=1 << 30))
    assert Spec.from_json(spec.to_json()) == spec
    broken = spec.to_json() | {"mode": "sometimes"}
    with pytest.raises(ValueError, match="unknown boundary mode"):
        Spec.from_json(broken)
    with pytest.raises(ValueError, match="not a boundary"):
        Spec.from_json({"mode": "off"})
    with pytest.raises(ValueError, match="true or false"):
        Spec.from_json(spec.to_json() | {"network": "yes"})


def test_limits_tighten_to_the_smaller_and_zero_means_none() -> None:
    assert Limits(timeout=10, memory=0).tighter(Limits(timeout=5, memory=7)) == \
        Limits(timeout=5, memory=7)


def test_a_dangling_symlink_is_not_bound(tmp_path: Path, tree: Path) -> None:
    os.symlink(tmp_path / "nowhere", tree / "secrets.env")
    (tree / ".env").unlink()
    os.symlink(tmp_path / "nowhere", tree / ".env")
    box = boundary(SPEC, where(tmp_path))
    assert str(tree / ".env") not in box.hidden_files


def test_a_bwrap_with_argv0_needs_no_shell_to_keep_argv0(tmp_path: Path, tree: Path) -> None:
    newer = tmp_path / "bwrap"
    newer.write_bytes(b"\x7fELF...usage: --argv0 VALUE ...")
    box = boundary(SPEC, where(tmp_path))
    line = argv(box, str(newer), "/usr/bin/ls", ["ls", "-l"], str(tree), 7, "/bin/bash")
    assert line[-6:] == ["7", "--argv0", "ls", "--", "/usr/bin/ls", "-l"]


def test_macos_cannot_box(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    assert cannot_box(["/usr/bin/bwrap"]) == (
        "darwin has no bubblewrap; commands run without a boundary")


def test_runtime_dirs_and_sockets_in_temp_dirs_are_hidden(tmp_path: Path, tree: Path) -> None:
    import socket

    run = tmp_path / "run"
    (run / "bus").mkdir(parents=True)
    (tmp_path / "tmp/tmux-0").mkdir()
    (tmp_path / "tmp/tmux.txt").write_text("x\n")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "tmp/agent"))
        box = boundary(SPEC, where(tmp_path)._replace(runtime_dirs=(str(run),)))
    assert {str(run), str(tmp_path / "tmp/tmux-0")} <= set(box.hidden_dirs)
    assert str(tmp_path / "tmp/agent") in box.hidden_files
    assert str(tmp_path / "tmp/tmux.txt") not in box.hidden_files


def test_a_runtime_dir_holding_the_tree_is_not_hidden(tmp_path: Path, tree: Path) -> None:
    box = boundary(SPEC, where(tmp_path)._replace(runtime_dirs=(str(tmp_path),)))
    assert str(tmp_path) not in box.hidden_dirs


def test_a_protected_file_linked_into_the_tree_is_named(tmp_path: Path, tree: Path) -> None:
    os.link(tmp_path / "home/.bashrc", tree / "bashrc")  # home itself is not writable here
    box = boundary(SPEC, where(tmp_path))
    assert box.linked == (str(tmp_path / "home/.bashrc"),)
    assert f"{tmp_path}/home/.bashrc has another hard link: a write through it changes this " \
           "protected file" in box.notes


def test_the_tree_scan_matches_names_at_any_depth_and_paths_where_a_pattern_has_one(
        tmp_path: Path) -> None:
    tree = tmp_path / "t"
    for name in ("a/.vscode/settings.json", "a/.vscode/other.json", "a/.env.example",
                 "a/b/.env.local", "k.pem", "deep/x/appsettings.Dev.json",
                 "b/.terraform/y/z", ".claude/x/s.json", "a/.git/config", "a/.git/k.pem"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("x\n")
    spec = Spec(protect_write=(".vscode/settings.json", ".claude/**", ".git/config"),
                protect_read=("**/.env.*", "!**/.env.example", "**/*.pem",
                              "**/appsettings*.json", "**/.terraform/**"))
    box = boundary(spec, Where(str(tree), str(tmp_path / "home"), (), ()))
    assert set(box.hidden_files) == {str(tree / n) for n in (
        "a/b/.env.local", "k.pem", "deep/x/appsettings.Dev.json")}
    assert set(box.hidden_dirs) - set(SERVICE_DIRS) == {str(tree / "b/.terraform")}
    assert {str(tree / "a/.vscode/settings.json"), str(tree / ".claude")} <= set(box.readonly)
    assert str(tree / "a/.vscode/other.json") not in box.readonly
    # no .git is searched for names (its k.pem is not hidden), but a/ is a repository: its
    # settings are kept as the tree's own
    assert str(tree / "a/.git/config") in box.readonly


def test_a_protected_path_under_a_directory_with_a_newline_in_its_name(tmp_path: Path,
                                                                       tree: Path) -> None:
    settings = tree / "a\nb" / ".vscode" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text("{}\n")
    spec = SPEC._replace(protect_write=(*SPEC.protect_write, ".vscode/settings.json"))
    box = boundary(spec, where(tmp_path))
    assert str(settings) in box.readonly


def test_more_repositories_than_are_read_on_every_run_make_it_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each repository in the tree is read before every boxed run; past the limit, what git
    would run there is unknown, and the box is not complete (the run is asked)."""
    from gatekeep.sandbox import gitdirs

    tree = tmp_path / "t"
    for name in ("a", "b", "c"):
        (tree / name / ".git").mkdir(parents=True)
        (tree / name / ".git/index").write_bytes(b"DIRC\0\0\0\2\0\0\0\0")
    box = boundary(SPEC, where(tmp_path, tree))
    assert box.complete and {str(tree / n / ".git/config") for n in "abc"} <= set(box.absent)

    monkeypatch.setattr(gitdirs, "MAX_REPOSITORIES", 2)
    box = boundary(SPEC, where(tmp_path, tree))
    assert not box.complete
    assert any(note.startswith("the repository's git settings cannot be read for the box: "
                               "more than 2 repositories") for note in box.notes)


def test_a_services_socket_place_is_hidden_whole(tmp_path: Path, tree: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    lxd = tmp_path / "lxd"
    lxd.mkdir()
    monkeypatch.setattr("gatekeep.sandbox.system.SERVICE_DIRS", (str(lxd), "/nonexistent/x"))
    box = boundary(SPEC, where(tmp_path))
    assert str(lxd) in box.hidden_dirs
    assert "/nonexistent/x" not in box.hidden_dirs


def test_what_lies_under_a_covered_run_dir_is_bound_only_in_what_the_box_shows(
        tmp_path: Path, tree: Path) -> None:
    run = tmp_path / "run"
    (run / "user" / "0").mkdir(parents=True)
    (run / "shm").symlink_to("/dev/shm")
    box = boundary(SPEC, where(tmp_path)._replace(run_dirs=(str(run),),
                                                  runtime_dirs=(str(run / "user" / "0"),)))
    assert box.covered == (str(run),)
    assert box.put_back == ((str(run / "shm"), "/dev/shm"),)
    assert not any(p.startswith(f"{run}/") for p in (*box.hidden_dirs, *box.anchors))
    words = argv(box, "/usr/bin/bwrap", "/bin/true", ["true"], str(tree), 3, "/bin/sh")
    cover = words.index(str(run)) - 1
    link = words.index("--symlink")
    assert words[cover] == "--tmpfs"
    assert words[link:link + 3] == ["--symlink", "/dev/shm", str(run / "shm")]
    assert cover < link < len(words) - words[::-1].index(str(run)) - 2  # then made read-only
    assert words[len(words) - words[::-1].index(str(run)) - 2] == "--remount-ro"
