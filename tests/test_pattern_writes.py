"""A pattern that is written is judged by what it matches now and by the entries of fixed
places it may reach; an entry that matches in any directory (`lefthook.yml`, `mise.toml`)
is left to the files there: `chmod +x scripts/*` was denied as one that "may expand to a
path protected by 'lefthook.yml'"."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("scripts", "src", "sub", ".git/hooks"):
        (tree / directory).mkdir(parents=True)
    (tree / "scripts" / "a.sh").write_text("#!/bin/sh\n")
    (tree / "sub" / "lefthook.yml").write_text("pre-commit: {}\n")
    return tree


@pytest.mark.parametrize("command", ["chmod +x scripts/*", "touch src/*",
                                     "sed -i s/a/b/ scripts/*"])
def test_a_pattern_matching_no_protected_file_is_allowed(policy: Policy, work: Path,
                                                         command: str) -> None:
    assert judged_in(policy, work, command).decision == "allow", command


@pytest.mark.parametrize("command", [
    "sed -i s/a/b/ sub/*", "sed -i s/a/b/ */lefthook.yml",  # one is there now
    "echo x > .git/hooks/*", "echo x > ~/.ss?/config",       # fixed places
    "cp x sub/lefthook.yml && chmod +x sub/*",              # the part that writes it
])
def test_a_pattern_reaching_a_protected_file_is_denied(policy: Policy, work: Path,
                                                       command: str) -> None:
    assert judged_in(policy, work, command).decision == "deny", command
