"""A compiled protect list's indexes give the answers of trying every entry in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.core.paths import PathGlob, Protection, compile_protection
from gatekeep.policy.load import load_policy

HOME = "/home/u"
CWD = "/work/p"
DEFAULT = load_policy("builtin:default")
LISTS = [tuple(g.text for g in DEFAULT.protect_write), tuple(g.text for g in DEFAULT.protect_read)]
PARTS = st.sampled_from(["", "home", "u", "work", "p", ".ssh", "id_rsa", ".env", ".env.local",
                         ".env.example", ".git", "hooks", "config", "etc", "proc", "1",
                         "environ", "a.pem", "src", ".aws", "credentials", ".claude", "x",
                         "secrets.yml", "usr", "bin", "dev", "sda1", ".terraform"])
PATHS = st.builds(lambda parts, slash: "/" + "/".join(parts) + slash,
                  st.lists(PARTS, max_size=6), st.sampled_from(["", "/", "//"]))
ENTRIES = st.one_of(
    st.sampled_from([t for texts in LISTS for t in texts]),
    st.builds(lambda lead, parts, tail: lead + "/".join(parts) + tail,
              st.sampled_from(["", "/", "~/", "**/", "!", "!**/"]),
              st.lists(st.sampled_from(["x", "p", ".env*", "*.pem", "h?", "[ab]", "**", "u"]),
                       min_size=1, max_size=3),
              st.sampled_from(["", "/", "/**"])))


def match_in_order(protection: Protection, path: str) -> PathGlob | None:
    found = next((g for g in protection.globs if g.matches(path)), None)
    if found is not None and any(e.matches(path) for e in protection.exceptions):
        return None
    return found


def holder_in_order(protection: Protection, path: str) -> PathGlob | None:
    return next((g for g in protection.globs if g.inside(path)), None)


@settings(max_examples=400)
@given(st.sampled_from(LISTS), PATHS)
def test_the_default_lists_match_as_every_entry_in_order(texts: tuple[str, ...],
                                                         path: str) -> None:
    protection = compile_protection(texts, HOME, CWD)
    assert protection.match(path) == match_in_order(protection, path)
    assert protection.holder(path) == holder_in_order(protection, path)


@settings(max_examples=400)
@given(st.lists(ENTRIES, min_size=1, max_size=8), PATHS)
def test_any_list_matches_as_every_entry_in_order(texts: list[str], path: str) -> None:
    protection = compile_protection(tuple(texts), HOME, CWD)
    assert protection.match(path) == match_in_order(protection, path)
    assert protection.holder(path) == holder_in_order(protection, path)


def test_a_holder_is_the_first_entry_inside_the_directory() -> None:
    protection = compile_protection(("~/.ssh/**", "~/.aws/credentials", ".git/hooks/**",
                                     "/proc/**/environ", "/etc/*.d/secret"), HOME, CWD)
    held = {path: getattr(protection.holder(path), "text", None)
            for path in ("/", "/home", "/home/u/", "/home/u/.aws", "/work/p", "/work/p/.git",
                         "/work/p/src", "/home/u/.ssh/x", "/proc", "/proc/2/", "/proc/2/task",
                         "/etc", "/etc/a.d", "/etc/a.d/b", "/etc/x")}
    # below its literal directories, an entry holds what its glob may still match there
    assert held == {"/": "~/.ssh/**", "/home": "~/.ssh/**", "/home/u/": "~/.ssh/**",
                    "/home/u/.aws": "~/.aws/credentials", "/work/p": ".git/hooks/**",
                    "/work/p/.git": ".git/hooks/**", "/work/p/src": None,
                    "/home/u/.ssh/x": "~/.ssh/**", "/proc": "/proc/**/environ",
                    "/proc/2/": "/proc/**/environ", "/proc/2/task": "/proc/**/environ",
                    "/etc": "/etc/*.d/secret", "/etc/a.d": "/etc/*.d/secret",
                    "/etc/a.d/b": None, "/etc/x": None}
