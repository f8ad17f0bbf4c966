"""Everyday commands that were asked with a false reason, and what must stay asked beside
them (measured on 243 new everyday commands: /benchmarks's corpus does not hold them)."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "sed -i 's/0.1.0/0.2.0/' pyproject.toml",        # its file is judged as a write
    "sed -i '/^#/d' config.txt",                      # the program is no path written
    "sed -i.bak 's/TODO/FIXME/g' src/core.py",
    "awk 'NR>1 {sum+=$2} END {print sum}' FS=, data.csv",   # `>` compares
    "awk '{ if ($2 > 3) print $1 }' data.csv",
    "pytest -q -p no:cacheprovider tests",            # -p no:NAME turns a plugin off
    "xargs -n1 echo < names.txt",                     # echo opens no file it is given
    "git revert --no-edit HEAD", "git bisect start",
])
def test_everyday_work_is_allowed(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow", judge(policy, command)


@pytest.mark.parametrize(("command", "expected"), [
    ("sed -i 's/a/b/' ~/.bashrc", "deny"), ("sed -i 's/a/b/' /opt/x", "ask"),
    ("sed -i -e 's/a/b/' /etc/hosts", "deny"), ("sed -i 's/a/b/w /tmp/x' f", "ask"),
    ("awk '{print $1 > \"/tmp/x\"}' f", "ask"), ("awk '{print $1 | \"sh\"}' f", "ask"),
    ("pytest -p myplugin", "ask"), ("pytest -p no", "ask"),
    ("cat list | xargs cat", "ask"), ("git revert --abort", "ask"),
    ("git bisect run ./test.sh", "ask"), ("uv lock", "ask"), ("cargo add serde", "ask"),
    # red team 71: a backup suffix in another directory, a print's `>` after a string
    # with `;`, words from input that are options, what bisect's viewer writes
    ("sed --in-place='/home/me/.ssh/*' s/a/a/ authorized_keys", "ask"),
    ("sed -i'.git/hooks/*' s/a/a/ pre-commit", "ask"), ("sed -ni'x/*' p f", "ask"),
    ("awk '{ print $0, \";\" > \"/home/me/.bashrc\" }' f", "ask"),
    ("awk '{ printf \"%s\\n\",\n $0 > \".env\" }' f", "ask"),
    ("xargs -a list date -f", "ask"), ("cat list | xargs date", "ask"),
    ("git bisect view --output=/tmp/x", "ask"), ("git revert --abo", "ask"),
    ("uv venv --clear /home/me", "ask"), ("yq -o json -s '\"x\"' x.yaml", "ask"),
    ("pytest -o addopts='-p evil'", "ask"), ("PYTEST_ADDOPTS='-p evil' pytest", "ask"),
])
def test_what_stays_asked(policy: Policy, command: str, expected: str) -> None:
    assert judge(policy, command).decision == expected
