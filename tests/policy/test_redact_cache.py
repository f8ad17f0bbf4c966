"""Redaction patterns kept in the sealed cache: reused only while their file is unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gatekeep.errors import PolicyError
from gatekeep.policy.redact import cached_patterns, redactor

FILE = "gatekeep: 1\nredact:\n  - {id: house, pattern: 'hk_[a-z0-9]{12}'}\n"


def entries(state: Path) -> list[Path]:
    return sorted((state / "cache").glob("r-*"))


def test_the_patterns_are_cached_and_an_edited_file_is_read_again(tmp_path: Path) -> None:
    patterns, state = tmp_path / "redact.yaml", tmp_path / "state"
    patterns.write_text(FILE)
    assert cached_patterns(patterns, str(state)) == (("house", "hk_[a-z0-9]{12}"),)
    assert len(entries(state)) == 1

    patterns.write_text(FILE.replace("house", "other"))
    assert cached_patterns(patterns, str(state)) == (("other", "hk_[a-z0-9]{12}"),)


def test_an_edited_file_that_no_longer_validates_is_an_error_not_the_cached_patterns(
        tmp_path: Path) -> None:
    patterns, state = tmp_path / "redact.yaml", tmp_path / "state"
    patterns.write_text(FILE)
    cached_patterns(patterns, str(state))
    patterns.write_text(FILE.replace("hk_", "(unclosed"))
    with pytest.raises(PolicyError):
        cached_patterns(patterns, str(state))


def test_a_forged_cache_entry_is_not_used(tmp_path: Path) -> None:
    """The agent can write the state directory: an entry without the key's MAC is a miss."""
    patterns, state = tmp_path / "redact.yaml", tmp_path / "state"
    patterns.write_text(FILE)
    cached_patterns(patterns, str(state))
    [entry] = entries(state)
    mac, _, body = entry.read_bytes().partition(b"\n")
    entry.write_bytes(mac + b"\n" + body.replace(b"hk_[a-z0-9]{12}", b"nothing-matches-this"))
    assert cached_patterns(patterns, str(state)) == (("house", "hk_[a-z0-9]{12}"),)
    assert redactor(str(tmp_path), state_dir=str(state))("hk_abcdef123456") \
        == "[redacted:house]"  # redact.yaml in the config dir: the operator's file


def test_the_shipped_patterns_from_the_cache_still_redact(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    first = redactor(str(tmp_path), state_dir=state)("token ghp_" + "a" * 36)
    again = redactor(str(tmp_path), state_dir=state)("token ghp_" + "a" * 36)
    assert "[redacted:" in first
    assert again == first


def test_a_cached_redactor_imports_no_yaml(tmp_path: Path) -> None:
    probe = ("import sys\nfrom gatekeep.policy.redact import redactor\n"
             f"redactor({str(tmp_path)!r}, state_dir={str(tmp_path / 'state')!r})\n"
             "print('yaml' in sys.modules)\n")
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True)
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True)
    assert (first.stdout, again.stdout) == ("True\n", "False\n")
