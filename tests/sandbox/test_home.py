"""The hidden home: what the box shows of the home directory, and how bwrap lays it out."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gatekeep.sandbox.boundary import Where, boundary
from gatekeep.sandbox.bwrap import argv
from gatekeep.sandbox.spec import Spec

SPEC = Spec(writable=("~/.npm",), readable=("~/.gitconfig", "~/.tools", "~/.linked"),
            protect_write=("~/.ssh/**",), protect_read=("~/.ssh/id_*", "~/.tools/token",
                                                        "**/.env"))


def where(tmp_path: Path, cwd: Path) -> Where:
    home = tmp_path / "home"
    return Where(str(cwd), str(home), (str(tmp_path / "tmp"),),
                 (str(home / ".config/gatekeep"), str(home / ".local/state/gatekeep")))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for directory in ("home/.ssh", "home/.npm", "home/.tools/bin", "home/other", "home/proj",
                      "elsewhere/bin", "tmp"):
        (tmp_path / directory).mkdir(parents=True)
    for file in ("home/.ssh/id_rsa", "home/other/.env", "home/.gitconfig", "home/.tools/token",
                 "home/.tools/bin/tool", "elsewhere/bin/.env", "home/proj/.env"):
        (tmp_path / file).write_text("x\n")
    os.symlink(tmp_path / "elsewhere", home / ".linked")
    return home


def test_the_home_is_hidden_but_for_the_tree_caches_and_what_is_readable(
        tmp_path: Path, home: Path) -> None:
    box = boundary(SPEC, where(tmp_path, home / "proj"))
    assert box.home == str(home)
    assert box.shown == (str(home / ".gitconfig"), str(home / ".tools"))
    assert str(home / ".npm") in box.writable and str(home / "proj") in box.writable
    # hidden on top of what is shown; what the home hides needs no bind of its own
    assert str(home / ".tools/token") in box.hidden_files
    assert str(home / "proj/.env") in box.hidden_files
    assert str(home / ".ssh/id_rsa") not in box.hidden_files
    assert str(home / "other/.env") not in box.hidden_files


def test_a_readable_place_reached_through_a_link_is_bound_there_with_its_hides(
        tmp_path: Path, home: Path) -> None:
    spec = SPEC._replace(protect_read=(*SPEC.protect_read, str(tmp_path / "elsewhere/bin/.env")))
    box = boundary(spec, where(tmp_path, home / "proj"))
    assert box.relinked == ((str(tmp_path / "elsewhere"), str(home / ".linked"), False),)
    assert str(home / ".linked/bin/.env") in box.hidden_files  # a bind does not carry hides


@pytest.mark.parametrize("case", ["all shown", "tree is home", "everything writable",
                                  "home writable", "no home"])
def test_when_the_home_is_not_hidden(tmp_path: Path, home: Path, case: str) -> None:
    spec, cwd = SPEC, home / "proj"
    if case == "all shown":
        spec = SPEC._replace(readable=("~",))
    elif case == "tree is home":
        cwd = home
    elif case == "everything writable":
        spec = SPEC._replace(everything_writable=True)
    elif case == "home writable":  # an approved write to ~/new lifts the home
        spec = SPEC._replace(writable=(*SPEC.writable, str(home)))
    place = where(tmp_path, cwd)
    if case == "no home":
        place = place._replace(home=str(tmp_path / "missing"))
    box = boundary(spec, place)
    assert (box.home, box.shown) == ("", ())
    if case == "all shown":  # then the home's protected reads are bound as before
        assert str(home / ".ssh/id_rsa") in box.hidden_files


def test_bwrap_lays_the_home_after_its_parents_and_makes_it_read_only_last(
        tmp_path: Path, home: Path) -> None:
    spec = SPEC._replace(writable=(*SPEC.writable, str(tmp_path)))  # home inside a writable place
    box = boundary(spec, where(tmp_path, home / "proj"))
    line = argv(box, "/usr/bin/bwrap", "/bin/true", ["/bin/true"], str(home / "proj"), 3,
                "/bin/bash")
    tmpfs = line.index("--tmpfs", line.index("/dev/shm") + 1)
    assert line[tmpfs + 1] == str(home)
    assert line.index(str(tmp_path)) < tmpfs  # a later bind of a parent would uncover it
    assert ["--ro-bind", str(home / ".tools"), str(home / ".tools")] == \
        line[line.index(str(home / ".tools")) - 1:][:3]
    assert line.index(str(home / ".tools")) > tmpfs
    # nothing in the hidden home is bound writable but a writable place
    assert ["--bind", str(home / ".tools"), str(home / ".tools")] != \
        line[line.index(str(home / ".tools")) - 1:][:3]
    binds = [line[i + 1] for i, word in enumerate(line) if word == "--bind"]
    assert [b for b in binds if b.startswith(str(home))] == [str(home / ".npm"),
                                                             str(home / "proj")]
    remount = len(line) - 1 - line[::-1].index("--remount-ro")
    assert line[remount + 1] == str(home)
    mounts = line[:line.index("--cap-drop")]
    assert remount + 1 == max(i for i, word in enumerate(mounts) if word.startswith(str(home)))


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_in_a_real_box_the_home_reads_as_planned(tmp_path: Path, home: Path) -> None:
    script = ("ls -A ~; cat ~/.gitconfig ~/.tools/bin/tool ~/.linked/bin/.env; "
              "for f in other/.env .ssh/id_rsa .tools/token; do cat ~/$f; done; "
              "touch ~/new ~/.tools/new; echo w > ~/.npm/w; echo t > ~/proj/t")
    spec = SPEC._replace(protect_read=(*SPEC.protect_read, str(tmp_path / "elsewhere/bin/.env")))
    box = boundary(spec, where(tmp_path, home / "proj"))
    with open(os.devnull, "w") as status:
        line = argv(box, "/usr/bin/bwrap", "/bin/bash", ["bash", "-c", script],
                    str(home / "proj"), status.fileno(), "/bin/bash")
        ran = subprocess.run(line, capture_output=True, text=True, check=False,
                             cwd=home / "proj", pass_fds=(status.fileno(),),
                             env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    # the home holds what is shown and the places bound into it, nothing else; the linked
    # place's protected file reads empty, the others are not there at all
    listing, rest = ran.stdout.split("x\n", 1)
    assert sorted(listing.split()) == [".gitconfig", ".linked", ".npm", ".tools", "proj"]
    assert rest == "x\n", ran.stderr
    for path in ("other/.env", ".ssh/id_rsa", ".tools/token"):
        assert f"{home}/{path}: " in ran.stderr
    assert f"{home}/other/.env: No such file or directory" in ran.stderr
    assert "Read-only file system" in ran.stderr
    assert (home / ".npm/w").read_text() == "w\n" and (home / "proj/t").read_text() == "t\n"
    assert not (home / "new").exists() and not (home / ".tools/new").exists()


def test_a_decision_stored_before_the_home_was_hidden_is_judged_afresh() -> None:
    """A stored spec without ``readable`` is not a boundary: the fast path gives way."""
    older = {k: v for k, v in SPEC.to_json().items() if k != "readable"}
    with pytest.raises(ValueError, match="not a boundary"):
        Spec.from_json(older)
    assert Spec.from_json(SPEC.to_json()) == SPEC
