"""The gitlinks read from an index, held to what ``git ls-files`` reads from the same file:
every index version git writes, both hash formats, a split index, and files git cannot read."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatekeep.sandbox import gitindex
from gatekeep.sandbox.gitindex import Nameless, gitlinks, stamp


def _git(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          cwd=cwd, input=stdin, check=True, capture_output=True,
                          timeout=60).stdout


def _index(where: Path, entries: list[tuple[str, str]], version: int, object_format: str,
           split: bool = False) -> Path:
    """A repository at ``where`` whose index holds ``entries`` ((mode, path)), written by git."""
    _git("init", "-q", f"--object-format={object_format}", str(where), cwd=where.parent)
    blob = _git("hash-object", "-w", "--stdin", cwd=where, stdin=b"x\n").decode().strip()
    listing = b"".join(f"{mode} {blob}\t{path}".encode() + b"\0" for mode, path in entries)
    _git("update-index", "--add", "-z", "--index-info", cwd=where, stdin=listing)
    _git("update-index", "--index-version", str(version), cwd=where)
    if split:
        _git("update-index", "--split-index", cwd=where)
    return where / ".git" / "index"


def _read_by_git(where: Path) -> list[str]:
    listing = _git("ls-files", "-s", "-z", cwd=where).split(b"\0")
    return sorted(os.fsdecode(line.split(b"\t", 1)[1]) for line in listing
                  if line.startswith(b"160000 "))


FORMATS = [(version, hashed) for version in (2, 3, 4) for hashed in ("sha1", "sha256")]
LONG = "/".join(["d" * 200] * 22) + "/sub"  # longer than the 0xFFF a name's length can hold


@pytest.mark.parametrize(("version", "object_format"), FORMATS)
def test_the_gitlinks_git_reads(tmp_path: Path, version: int, object_format: str) -> None:
    entries = [("100644", "a.txt"), ("160000", "sub"), ("100644", "sub2/file"),
               ("160000", "deep/er/mod"), ("160000", "with space/and ünïcode"),
               ("100644", "z" * 300), ("160000", LONG), ("160000", "x\nnewline")]
    where = tmp_path / "r"
    index = _index(where, entries, version, object_format)
    size = 32 if object_format == "sha256" else 20

    assert sorted(gitlinks(str(index), size)) == _read_by_git(where) == sorted(
        path for mode, path in entries if mode == "160000")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=st.lists(st.tuples(st.booleans(), st.lists(
           st.text(st.sampled_from("ab. é-\t\n\\"), min_size=1, max_size=12).filter(
               lambda part: part not in (".", "..", ".git")), min_size=1, max_size=4).map(
           "/".join)), max_size=12, unique_by=lambda entry: entry[1]),
       layout=st.sampled_from(FORMATS))
def test_generated_indexes_read_as_git_reads_them(tmp_path_factory: pytest.TempPathFactory,
                                                  paths: list[tuple[bool, str]],
                                                  layout: tuple[int, str]) -> None:
    """Any names git accepts, gitlinks among files: never one fewer than git reads."""
    where = tmp_path_factory.mktemp("r")
    entries = [("160000" if link else "100644", path) for link, path in paths]
    try:
        index = _index(where, entries, *layout)
    except subprocess.CalledProcessError:
        return  # one path under another's file (``a`` and ``a/b``): git refuses it
    size = 32 if layout[1] == "sha256" else 20

    assert sorted(gitlinks(str(index), size)) == _read_by_git(where)


def test_a_split_index_adds_its_gitlinks_to_the_shared_ones(tmp_path: Path) -> None:
    where = tmp_path / "r"
    _index(where, [("160000", "first"), ("100644", "f")], 2, "sha1", split=True)
    _git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},second", cwd=where)

    assert list((where / ".git").glob("sharedindex.*"))
    assert b"link" in (where / ".git/index").read_bytes()  # the split index's extension
    assert sorted(gitlinks(str(where / ".git/index"))) == ["first", "second"]


@pytest.mark.parametrize("version", [2, 3, 4])
def test_a_split_index_replacing_a_file_by_a_gitlink_cannot_be_read(tmp_path: Path,
                                                                    version: int) -> None:
    """The replacement has no name of its own: the path of the shared entry it replaces,
    found by a bitmap. Rather than miss it, the reading fails (the run is then asked)."""
    where = tmp_path / "r"
    _index(where, [("100644", "f"), ("100644", "g")], version, "sha1", split=True)
    _git("update-index", "--cacheinfo", f"160000,{'1' * 40},f", cwd=where)
    assert _read_by_git(where) == ["f"]

    with pytest.raises(Nameless, match="holds a gitlink without its name"):
        gitlinks(str(where / ".git/index"))


@pytest.mark.parametrize("content", [b"", b"DIRC", b"not an index at all, but long enough",
                                     b"DIRC\0\0\0\2\0\0\0\1" + b"\0\0\xe0\0" * 3])
def test_a_file_git_cannot_read_as_an_index_has_none(tmp_path: Path, content: bytes) -> None:
    index = tmp_path / "index"
    index.write_bytes(content)
    assert gitlinks(str(index)) == ()


def test_an_index_that_is_not_a_regular_file_is_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "index")  # opening a FIFO for reading would wait for a writer
    assert gitlinks(str(tmp_path / "index")) == ()
    assert gitlinks(str(tmp_path / "missing")) == ()


def test_a_truncated_version_4_index_ends_the_reading(tmp_path: Path) -> None:
    where = tmp_path / "r"
    index = _index(where, [("160000", "a"), ("160000", "b" * 100)], 4, "sha1")
    data = index.read_bytes()
    index.write_bytes(data[:len(data) - 60])  # the last entry's name cut off: no NUL
    assert set(gitlinks(str(index))) <= {"a"}


def test_the_stamp_changes_whenever_the_index_is_written(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gitindex, "RACY", 0)
    where = tmp_path / "r"
    index = _index(where, [("100644", "f")], 2, "sha1")
    before = stamp(str(index))
    _git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},x", cwd=where)
    assert before is not None and stamp(str(index)) != before
    written = stamp(str(index))
    with index.open("r+b") as handle:  # in place, the same size, its times put back
        handle.write(handle.read())
    info = os.stat(index)
    os.utime(index, ns=(info.st_atime_ns, written[2]))
    assert stamp(str(index)) != written
    assert stamp(str(tmp_path / "missing")) is None


def test_an_index_written_in_the_last_seconds_has_no_stamp(tmp_path: Path) -> None:
    """Its change time may not change at a write in the same tick of the kernel's clock:
    such an index is read again after the run, whatever its stamp."""
    where = tmp_path / "r"
    index = _index(where, [("100644", "f")], 2, "sha1")
    assert stamp(str(index)) is None


_PARTS = st.sampled_from(["a", "b", "ab", ".env", "a.b", ""])


@given(st.lists(st.lists(_PARTS, min_size=1, max_size=4).map("/".join), max_size=6),
       st.lists(_PARTS, min_size=1, max_size=5).map("/".join))
def test_an_entry_is_marked_when_it_is_a_place_or_below_one(places: list[str],
                                                             name: str) -> None:
    """The look-up by each directory above a name agrees with testing every place: equal,
    or the place followed by a slash starts the name (``a`` holds ``a/b``, not ``ab``)."""
    wanted = frozenset(os.fsencode(place) for place in places)
    named = os.fsencode(name)
    expected = any(named == place or named.startswith(place + b"/") for place in wanted)
    assert gitindex._within(named, wanted) == expected


def test_marks_name_the_entries_at_and_below_each_place(tmp_path: Path) -> None:
    index = _index(tmp_path / "r", [("100644", "a"), ("100644", "ab"), ("100644", "b/a"),
                                    ("100644", "b/c/d"), ("100644", "bc")], 2, "sha1")
    named = [line.split(" ")[0] for line in gitindex.marks(str(index), ("a", "b/c")).split("\n")]
    assert named == ["a", "b/c/d"]
