"""A formatter's operands are files, or directories of files, that it rewrites in place
(`black src`, `gofmt -w cmd/`): one outside the working tree is asked, a protected file named
is denied, and a directory is not taken to write the protected files it holds (`black .`
holds `.git/hooks`, where black writes nothing). A run that only checks writes nothing."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "black /opt/x.py", "black ~/x.py", "isort /opt/x.py", "autopep8 -i /opt/x.py",
    "autopep8 --in-place /opt/x.py", "gofmt -w /opt/x.go", "gofmt -l -w /opt",
    "goimports -w /opt/x.go", "shfmt -w /opt/x.sh", "shfmt --write /opt/x.sh",
    "ruff format /opt/x.py", "ruff check --fix /opt", "cd /opt && black .",
    "black src ../other",
])
def test_rewriting_outside_the_tree_is_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"


@pytest.mark.parametrize("command", [
    "black .claude/hooks/x.py", "gofmt -w .git/hooks/x.go", "shfmt -w ~/.bashrc",
])
def test_rewriting_a_protected_file_is_denied(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "deny"


@pytest.mark.parametrize("command", [
    "black .", "black src tests", "isort .", "ruff format", "ruff format .",
    "ruff check --fix .", "gofmt -w .", "goimports -w cmd/", "shfmt -w scripts/check.sh",
    "autopep8 -i src/a.py", "black src/*.py",
    # checking writes nothing, wherever
    "black --check /opt/x.py", "black --diff /opt", "isort --check-only /opt",
    "isort --df /opt", "ruff format --check /opt", "ruff check /opt", "gofmt -l /opt",
    "autopep8 /opt/x.py", "shfmt -d /opt/x.sh",
])
def test_rewriting_in_the_tree_or_only_checking_is_allowed(policy: Policy,
                                                           command: str) -> None:
    assert judge(policy, command).decision == "allow"


def test_the_effect_said_is_where_it_writes(policy: Policy) -> None:
    segment = judge(policy, "black /opt/x.py").segments[0]
    assert "/opt/x.py" in (segment.reason or "")
    assert segment.does is not None and "outside the working tree" in segment.does


@pytest.mark.parametrize("command", [
    "git ls-files '*.py' | xargs black",
    # the subcommand's options write (`ruff check --output-file`): a name from the input
    # with a blank in it is two words to xargs, the second an option
    "find src -name '*.py' | xargs ruff format", "find src -name '*.py' | xargs ruff check",
    "git ls-files '*.py' | xargs -r ruff check --fix",
])
def test_words_from_input_are_asked(policy: Policy, command: str) -> None:
    """`xargs black`: what its input names may lie anywhere, or be options."""
    assert judge(policy, command).decision == "ask"


def test_words_from_input_to_a_reader_are_not(policy: Policy) -> None:
    assert judge(policy, "find src -name '*.py' | xargs wc -l").decision == "allow"
