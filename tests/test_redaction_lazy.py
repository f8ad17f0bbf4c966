"""The reused paths compile a redaction pattern only where the text could match it, and then
redact exactly as compiling every pattern does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.policy.redact import file_patterns
from gatekeep.runtime import redaction

SHIPPED = file_patterns("/nonexistent")
OWN = (("icase", "(?i)password=(?P<secret>\\S+)"), ("kelvin", "(?i)kube-(?P<secret>[a-z]+)"),
       ("verbose", "(?x) tok \\s* : \\s* (?P<secret>\\w+)"), ("either", "abc|defg"),
       ("anchored", "^start-\\w{3}"))
CASES = yaml.safe_load((Path(__file__).parent / "data" / "secret_commands.yaml")
                       .read_text(encoding="utf-8"))["cases"]
# Pieces of secrets and of the patterns' literals, and letters that ignore-case matching
# folds onto ASCII ones (the long s, the Kelvin sign, the dotted capital I).
PIECES = ["ghp_", "AKIA", "xoxb-", "sk-", "eyJ", "-----BEGIN RSA PRIVATE KEY-----", "--token=",
          " -p", "Authorization: Bearer ", "SECRET=", "://u:", "@", "pass:", "Cookie: ", "PASS=",
          "password=", "pa\u017fsword=", "\u212aube-x", "kube-abc", "tok : ", "defg", "start-",
          "a" * 20, "0123456789", " ", "\n", "'", '"', "hunter2", "\u0130", "redis-cli -a "]


def found(patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, redaction.Hint], ...]:
    return tuple((name, pattern, redaction.hint(pattern)) for name, pattern in patterns)


@settings(max_examples=400)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=12))
def test_lazy_redaction_is_eager_redaction(parts: list[str]) -> None:
    text = "".join(parts)
    patterns = (*SHIPPED, *OWN)
    assert redaction.lazy(found(patterns), text) == redaction.compiled(patterns)(text)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_every_shipped_secret_is_still_redacted(case: dict[str, str]) -> None:
    redacted = redaction.lazy(found(SHIPPED), f"to run {case['cmd']}")
    assert case["secret"] not in redacted
    assert redacted == redaction.compiled(SHIPPED)(f"to run {case['cmd']}")


def test_a_pattern_the_text_cannot_match_is_not_compiled() -> None:
    """Shown with a pattern that would not compile: a short text, or one without the literal,
    never reaches it; one with both does."""
    broken = (("broken", "(unclosed", (12, "zzz", False)),)
    assert redaction.lazy(broken, "look around") == "look around"  # no literal
    assert redaction.lazy(broken, "zzz") == "zzz"  # too short
    with pytest.raises(re.error):
        redaction.lazy(broken, "look at zzz now")


def test_a_non_ascii_text_is_not_ruled_out_when_case_is_ignored() -> None:
    """The long s is an s to the regex engine when case is ignored, not to str.lower()."""
    assert redaction.may_match("pa\u017fsword=x", 10, "password=", True)
    assert redaction.lazy(found(OWN), "pa\u017fsword=hunter2") == "pa\u017fsword=[redacted:icase]"
    assert not redaction.may_match("passw0rd=x", 10, "password=", True)


def test_the_hints_of_the_shipped_patterns() -> None:
    hints = {name: hint for name, _, hint in found(SHIPPED)}
    assert hints["sshpass-password"] == (11, "sshpass", False)
    assert hints["private-key"] == (27, "PRIVATE KEY-----", False)
    assert redaction.hint("(?i)Cookie\\s*:") == (7, "Cookie", True)
    assert redaction.hint("a|bc") == (1, "", False)  # no plain run at the top level


def test_saved_patterns_redact_lazily_and_a_forged_file_is_not_used(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    redaction.save(state, SHIPPED)
    redact = redaction.saved_redactor(state)
    assert redact is not None
    assert redact("token ghp_" + "a" * 36) == "token [redacted:github-token]"
    assert redaction.saved(state) == SHIPPED
    saved = tmp_path / "state" / "cache" / "redact"
    mac, _, body = saved.read_bytes().partition(b"\n")
    saved.write_bytes(mac + b"\n" + body.replace(b"github-token", b"zzz"))  # no new MAC
    assert redaction.saved_redactor(state) is None
    assert redaction.saved(state) is None


# -- the full path: a fresh decision's audit record -----------------------------------------

def saved_state(tmp_path: Path) -> str:
    state = str(tmp_path / "state")
    redaction.save(state, SHIPPED)
    return state


@settings(max_examples=300)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=12))
def test_a_fresh_decisions_redactor_is_eager_redaction(tmp_path_factory, parts: list[str]) -> None:
    from gatekeep.policy.redact import for_policies

    state = saved_state(tmp_path_factory.mktemp("s"))
    policy = type("P", (), {"audit_redact": OWN})()
    text = "".join(parts)
    assert for_policies([policy], SHIPPED, state)(text) == \
        redaction.compiled((*SHIPPED, *OWN))(text)


def test_a_fresh_decision_compiles_only_the_file_patterns_a_text_could_match(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gatekeep.policy.redact import for_policies

    state = saved_state(tmp_path)
    compiled_now: list[str] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda p, *a: compiled_now.append(p) or real(p, *a))
    redact = for_policies([], SHIPPED, state)
    assert redact("git status") == "git status"
    assert compiled_now == []  # no file pattern could match: none compiled
    assert "ghp_" + "a" * 36 not in redact("git push https://ghp_" + "a" * 36 + "@h/r")
    assert 0 < len(compiled_now) < len(SHIPPED)


def test_a_policys_own_bad_pattern_fails_at_once_and_other_saved_patterns_are_not_used(
        tmp_path: Path) -> None:
    from gatekeep.policy.redact import for_policies

    state = saved_state(tmp_path)
    bad = type("P", (), {"audit_redact": (("bad", "(unclosed"),)})()
    with pytest.raises(re.error):
        for_policies([bad], SHIPPED, state)
    assert redaction.hinted(state, SHIPPED) is not None
    assert redaction.hinted(state, (*SHIPPED, ("more", "x+"))) is None  # hints of others
    assert redaction.hinted(str(tmp_path / "none"), SHIPPED) is None


def test_saving_the_patterns_already_saved_compiles_none_and_rewrites_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fresh decision saves the pattern files' patterns for the fast path: when they
    are the ones saved, that costs a read of the sealed file, not a compile of each."""
    state = saved_state(tmp_path)
    stored = tmp_path / "state" / "cache" / "redact"
    before = stored.stat()
    redaction.compiled.cache_clear()  # as in a fresh process
    compiled_now: list[str] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda p, *a: compiled_now.append(p) or real(p, *a))
    redaction.save(state, SHIPPED)
    assert compiled_now == []
    assert (stored.stat().st_ino, stored.stat().st_mtime_ns) == (before.st_ino,
                                                                 before.st_mtime_ns)
    redaction.save(state, SHIPPED[1:])  # others: written again, and the fast path uses them
    assert redaction.saved(state) == SHIPPED[1:]
