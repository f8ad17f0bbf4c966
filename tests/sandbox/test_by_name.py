"""bwrap 0.8 cannot set argv0 itself: a program is run by its name, through bwrap's own PATH
search, only where that search can find nothing but the judged program; else through a shell
that sets argv0 (a process more)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeep.sandbox.boundary import Boundary, boundary
from gatekeep.sandbox.bwrap import argv, shows
from tests.sandbox.test_boundary import SPEC, where

HOP = ["--", "/bin/bash", "-c", 'exec -a "$0" -- "$@"']


@pytest.fixture
def box(tmp_path: Path) -> Boundary:
    for directory in ("tree/.git/hooks", "tmp", "home/bin", "home/.npm", "opt/bin", "opt/other"):
        (tmp_path / directory).mkdir(parents=True)
    for program in ("opt/bin/tool", "opt/other/tool", "home/bin/tool", "tree/tool"):
        (tmp_path / program).write_text("#!/bin/sh\n")
        (tmp_path / program).chmod(0o755)
    return boundary(SPEC, where(tmp_path))


def tail(box: Boundary, program: Path, path: str) -> list[str]:
    line = argv(box, "/usr/bin/bwrap", str(program), ["tool", "-v"], box.tree, 7, "/bin/bash",
                path)
    return line[line.index("--json-status-fd") + 2:]


def test_the_first_match_on_path_runs_by_name(tmp_path: Path, box: Boundary) -> None:
    program = tmp_path / "opt/bin/tool"
    assert tail(box, program, f"{tmp_path}/opt/bin:/usr/bin") == ["--", "tool", "-v"]


def test_a_link_to_the_same_file_is_the_same_program(tmp_path: Path, box: Boundary) -> None:
    (tmp_path / "linked").symlink_to(tmp_path / "opt/bin")
    program = tmp_path / "opt/bin/tool"
    assert tail(box, program, f"{tmp_path}/linked:/usr/bin") == ["--", "tool", "-v"]


def test_another_program_earlier_on_path_needs_the_shell(tmp_path: Path, box: Boundary) -> None:
    program = tmp_path / "opt/bin/tool"
    path = f"{tmp_path}/opt/other:{tmp_path}/opt/bin"
    assert tail(box, program, path) == [*HOP, "tool", str(program), "-v"]


def test_a_dangling_link_earlier_on_path_needs_the_shell(tmp_path: Path, box: Boundary) -> None:
    (tmp_path / "opt/other/tool").unlink()
    (tmp_path / "opt/other/tool").symlink_to(tmp_path / "nowhere")
    program = tmp_path / "opt/bin/tool"
    path = f"{tmp_path}/opt/other:{tmp_path}/opt/bin"
    assert tail(box, program, path)[:4] == HOP


@pytest.mark.parametrize("first", ["tree", "tmp", "home/.npm", "", "."])
def test_a_place_the_box_writes_before_it_needs_the_shell(tmp_path: Path, box: Boundary,
                                                         first: str) -> None:
    """Something written there by a box running beside this one would be found first."""
    program = tmp_path / "opt/bin/tool"
    earlier = str(tmp_path / first) if first.startswith(("tree", "tmp", "home")) else first
    box = box._replace(writable=(*box.writable, str(tmp_path / "home/.npm")))
    assert tail(box, program, f"{earlier}:{tmp_path}/opt/bin")[:4] == HOP


def test_a_program_the_box_hides_needs_the_shell(tmp_path: Path, box: Boundary) -> None:
    """Hidden in the box, the search would go on and find a later program of that name."""
    in_home = tmp_path / "home/bin/tool"
    assert box.home == str(tmp_path / "home")
    assert not shows(box, str(in_home))
    assert tail(box, in_home, f"{tmp_path}/home/bin:{tmp_path}/opt/bin")[:4] == HOP
    hidden = box._replace(home="", hidden_dirs=(str(tmp_path / "opt/bin"),))
    program = tmp_path / "opt/bin/tool"
    assert tail(hidden, program, f"{tmp_path}/opt/bin:{tmp_path}/opt/other")[:4] == HOP
    as_file = box._replace(hidden_files=(str(program),))
    assert tail(as_file, program, f"{tmp_path}/opt/bin")[:4] == HOP


def test_no_path_or_a_path_name_needs_the_shell(tmp_path: Path, box: Boundary) -> None:
    program = tmp_path / "opt/bin/tool"
    line = argv(box, "/usr/bin/bwrap", str(program), ["tool"], box.tree, 7, "/bin/bash", None)
    assert line[-6:-2] == HOP
    line = argv(box, "/usr/bin/bwrap", str(program), ["./tool"], box.tree, 7, "/bin/bash",
                f"{tmp_path}/opt/bin")
    assert line[-6:-2] == HOP


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("other_first", [False, True])
def test_the_program_sees_its_own_name_either_way(tmp_path: Path, box: Boundary,
                                                  other_first: bool) -> None:
    program = tmp_path / "opt/bin/tool"
    program.unlink()
    program.symlink_to(os.path.realpath(sys.executable))  # reports the argv0 it was given
    path = f"{tmp_path}/opt/other:{tmp_path}/opt/bin" if other_first else f"{tmp_path}/opt/bin"
    read, write = os.pipe()
    line = argv(box._replace(home=""), "/usr/bin/bwrap", str(program),
                ["tool", "-c", "import sys; print(sys.orig_argv[0])"], box.tree, write,
                "/bin/bash", path)
    assert (line[line.index("--json-status-fd") + 3] == "tool") is not other_first
    done = subprocess.run(line, env={"PATH": path}, capture_output=True, text=True,
                          pass_fds=(write,), check=False)
    os.close(write)
    os.close(read)
    assert done.stdout == "tool\n", done.stderr


def test_a_path_entry_through_a_writable_place_and_out_again_needs_the_shell(
        tmp_path: Path, box: Boundary) -> None:
    """``opt/up/../bin`` with ``up`` a link into the tree: the lookup passes through a place
    the box writes (a box beside could swap ``up``), though the entry ends outside it."""
    (tmp_path / "opt/up").symlink_to(tmp_path / "tree")
    (tmp_path / "bin").mkdir()
    program = tmp_path / "bin/tool"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert tail(box, program, f"{tmp_path}/bin") == ["--", "tool", "-v"]
    assert tail(box, program, f"{tmp_path}/opt/up/../bin")[:4] == HOP
