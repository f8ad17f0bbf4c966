"""Brace expansion and pattern overlap, checked against what bash itself expands."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gatekeep.core.globs import braces, may_overlap, segments


@pytest.mark.parametrize("word", [
    "~/.ss{h,x}/id_rsa", "/e{s,t}c/x", "a{1..3}b", "x{a,b{c,d}}", "{a..e..2}", "{3..1}",
    "a{,b}c", "{x}", "a{b", "{a,b}{1,2}",
])
def test_braces_expand_as_bash_does(word: str) -> None:
    quoted = word.replace("~", "\\~")
    words = subprocess.run(["bash", "-c", f"printf '%s\\n' {quoted}"], capture_output=True,
                           text=True, check=True).stdout.split()
    assert braces(word) == words


def overlap(word: str, protected: str, dotglob: bool = False, globstar: bool = False) -> bool:
    return may_overlap(segments(word), segments(protected, extglob=False), dotglob, globstar)


@pytest.mark.parametrize(("word", "protected", "dotglob", "globstar"), [
    ("/h/.ss?/id_rsa", "/h/.ssh/id_*", False, False),
    ("/h/.ss[^x]/id_e*", "/h/.ssh/id_*", False, False),
    ("/h/.ssh/id_[[:alpha:]]*", "/h/.ssh/id_*", False, False),
    ("/h/?ssh/id_rsa", "/h/.ssh/id_*", True, False),
    ("/h/**/id_rsa", "/h/.ssh/id_*", True, True),
    ("/h/.ssh/@(id_rsa|x)", "/h/.ssh/id_*", False, False),
    ("/h/.*/credentials", "/h/.aws/credentials", False, False),
    ("/w/*/hooks/x", "/**/.git/hooks/**", True, False),
])
def test_a_pattern_that_may_name_a_protected_path_overlaps(
        word: str, protected: str, dotglob: bool, globstar: bool) -> None:
    assert overlap(word, protected, dotglob, globstar)


@pytest.mark.parametrize(("word", "protected", "dotglob", "globstar"), [
    ("/h/?ssh/id_rsa", "/h/.ssh/id_*", False, False),  # ? never matches a leading dot
    ("/h/.ss[!h]/id_rsa", "/h/.ssh/id_*", False, False),
    ("/w/*", "/**/.env", False, False),
    ("/h/**/id_rsa", "/h/.ssh/id_*", False, True),  # globstar skips dot directories
    ("/h/*/id_rsa", "/h/.ssh/id_*", False, True),
])
def test_a_pattern_that_cannot_name_it_does_not(word: str, protected: str, dotglob: bool,
                                                globstar: bool) -> None:
    assert not overlap(word, protected, dotglob, globstar)


def test_the_leading_dot_rule_is_bash_s(tmp_path: Path) -> None:
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "id_rsa").write_text("k")
    plain = subprocess.run(["bash", "-c", "echo ?ssh/id_rsa"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    dotted = subprocess.run(["bash", "-c", "shopt -s dotglob; echo ?ssh/id_rsa"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout.strip()
    assert (plain, dotted) == ("?ssh/id_rsa", ".ssh/id_rsa")
    assert not overlap("/t/?ssh/id_rsa", "/t/.ssh/id_*")
    assert overlap("/t/?ssh/id_rsa", "/t/.ssh/id_*", dotglob=True)
