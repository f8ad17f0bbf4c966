"""A subcommand that lists files feeds xargs names under its operands (`git ls-files`).

`xargs` reads the files its input names; fed by `find DIR` or `ls`, those lie under what
they list. `git ls-files` is a subcommand of a program that lists nothing else, so its
names were taken as unknown and every such pipe was asked (`git ls-files '*.ts' | xargs wc
-l`). Its names lie under its operands, or under the working directory, unless an option
with a value (`-C DIR`, `--format`) or pathspec magic (`:/`) changes what it prints.
"""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "git ls-files '*.ts' | xargs wc -l", "git ls-files -z | xargs -0 wc -l",
    "git ls-files src | xargs grep -n TODO", "git ls-files -o | xargs wc -l",
])
def test_its_names_feed_xargs_unasked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize("command", [
    # names outside the tree, or under a protected one
    "git ls-files ~ | xargs cat", "git ls-files /proc/2 | xargs cat",
    # what it prints is not known from its words
    "git -C ~ ls-files | xargs cat", "git ls-files --format=x | xargs cat",
    "git ls-files ':/' | xargs cat", 'git ls-files "$d" | xargs cat',
    # another subcommand lists no files
    "git ls-tree HEAD | xargs cat", "git log --format=%s | xargs cat",
    # what xargs runs is judged as before
    "git ls-files | xargs rm",
])
def test_anything_else_is_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"
