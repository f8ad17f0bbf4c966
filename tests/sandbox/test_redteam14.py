"""A red team's findings on the cost and reading of the config scan (each failed before its
fix)."""

from __future__ import annotations

import tracemalloc

from gatekeep.sandbox.gitdirs import _values_of


def test_a_line_of_many_brackets_costs_memory_in_proportion_to_it() -> None:
    """_after_key sliced the line after every ``]`` of a header line: a 60 KB line cost
    ~2 GB, a 200 KB one a MemoryError (a box writes such a config under .git/modules/NEW/,
    read by every later run). The peak now grows with the line, not with its square."""
    text = "[core" + "]" * 200_000 + " hookspath = x\n"
    tracemalloc.start()
    try:
        assert "x" in _values_of(text, "hookspath")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * len(text)


def _git_reads(tmp_path, text: str, *args: str) -> list[str]:
    import subprocess

    config = tmp_path / "config"
    config.write_text(text)
    out = subprocess.run(["git", "config", "--file", str(config), "--null", *args],
                         capture_output=True, check=True).stdout
    return [entry.split("\n", 1)[-1] for entry in out.decode().split("\0")[:-1]]


def test_a_header_line_a_continued_value_swallows_is_no_header(tmp_path) -> None:
    """git reads a line after a value ending in ``\\`` as more of that value, a ``[...]``
    line too: the section does not change. The scan takes it as a header and misses the
    include.path and core.worktree that follow (found by the differential fuzz)."""
    from gatekeep.sandbox.gitdirs import _CORE, _INCLUDES

    include = "[include]\n\tx = a\\\n[other]\n\tpath = ../team.cfg\n"
    assert _git_reads(tmp_path, include, "--no-includes", "--get-regexp", "^include\\.path$") \
        == ["../team.cfg"]
    assert "../team.cfg" in _values_of(include, "path", _INCLUDES)
    worktree = "[core]\n\tx = a\\\n[other]\n\tworktree = ../elsewhere\n"
    assert _git_reads(tmp_path, worktree, "--get", "core.worktree") == ["../elsewhere"]
    assert "../elsewhere" in _values_of(worktree, "worktree", _CORE)
