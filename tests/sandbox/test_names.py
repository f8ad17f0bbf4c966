"""The tree scan's name matcher finds exactly the names the regexes it replaces found."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.sandbox.boundary import SOCKET_DIRS, _glob
from gatekeep.sandbox.names import NameGlobs, PathGlobs

# The default policy's name globs (protect.read and .write, and the kept templates).
DEFAULTS = (".env", ".env.*", ".env.example", "*.pem", "*.key", "id_rsa", "id_ed25519", ".npmrc",
            ".pypirc", "appsettings*.json", "secrets.*", "credentials.json", "*.tfstate",
            ".terraform", ".claude", ".mcp.json", ".cursor", *SOCKET_DIRS)
GLOBS = st.text(alphabet="ab.*?[]\\-", min_size=1, max_size=6)
SAMPLES = [".env", ".env.", ".env.local", "x.pem", ".pem", "appsettings.json", "appsettingsjson",
           "appsettings.x.json", "tmux-0", "ssh-XYZ", ".X11-unix", "secrets", "secrets.",
           "a\nb.pem", "id_rsa.pub"]
NAMES = st.one_of(st.sampled_from(SAMPLES), st.text(alphabet="ab.*?[]\\-\n", max_size=8))


def regex_match(globs: list[str] | tuple[str, ...], name: str) -> bool:
    return re.fullmatch("|".join(_glob(g) for g in globs), name) is not None


@settings(max_examples=500)
@given(st.lists(GLOBS, min_size=1, max_size=5), NAMES)
def test_as_the_regex_for_any_globs(globs: list[str], name: str) -> None:
    assert NameGlobs(globs, _glob).fullmatch(name) == regex_match(globs, name)


@settings(max_examples=500)
@given(NAMES)
def test_as_the_regex_for_the_default_globs(name: str) -> None:
    assert NameGlobs(DEFAULTS, _glob).fullmatch(name) == regex_match(DEFAULTS, name)


def test_the_usual_globs_need_no_regex() -> None:
    matcher = NameGlobs(DEFAULTS, _glob)
    assert matcher.rest is None
    assert [n for n in (".env.local", "a.pem", "appsettings.Dev.json", "tmux-1000", "x.json",
                        "appsettings", ".envrc") if matcher.fullmatch(n)] == [
        ".env.local", "a.pem", "appsettings.Dev.json", "tmux-1000"]
    assert NameGlobs(["a?c"], _glob).rest is not None  # a ``?``: the regex, as before


def test_a_prefix_and_a_suffix_do_not_overlap() -> None:
    """``ab*ba`` needs four characters: ``aba`` starts with ``ab`` and ends with ``ba``."""
    assert not NameGlobs(["ab*ba"], _glob).fullmatch("aba")
    assert NameGlobs(["ab*ba"], _glob).fullmatch("abba")


# The default policy's path globs, and paths near them.
PATH_DEFAULTS = (".git/hooks/**", ".git/config", ".vscode/settings.json", ".vscode/tasks.json")
PATH_GLOBS = st.text(alphabet="ab/*?.", min_size=1, max_size=8)
PATHS = st.one_of(
    st.sampled_from([".git/hooks", ".git/hooks/pre-commit", "x/.git/config", ".git/configs",
                     "a\nb/.vscode/settings.json", "x.git/config", ".vscode/settings.json/x",
                     "sub/.git/hooks/a/b"]),
    st.text(alphabet="ab/.\n", max_size=10))


def path_regex_match(globs: tuple[str, ...] | list[str], path: str) -> bool:
    joined = "|".join(f"(?:(?:.*/)?{_glob(g)})" for g in globs)
    return re.fullmatch(joined, path, re.DOTALL) is not None


@settings(max_examples=1000)
@given(st.lists(PATH_GLOBS, min_size=1, max_size=4), PATHS)
def test_paths_as_the_regex_for_any_globs(globs: list[str], path: str) -> None:
    assert PathGlobs(globs, _glob).fullmatch(path) == path_regex_match(globs, path)


@settings(max_examples=500)
@given(PATHS)
def test_paths_as_the_regex_for_the_default_globs(path: str) -> None:
    matcher = PathGlobs(PATH_DEFAULTS, _glob)
    assert matcher.rest is None
    assert matcher.fullmatch(path) == path_regex_match(PATH_DEFAULTS, path)
