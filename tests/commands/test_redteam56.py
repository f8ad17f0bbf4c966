"""Red team 56 (on f0fb6d5): filters beside a networked part that load code or pick files.

1. `awk -We m.awk`: mawk's `-W exec FILE` (gawk's `-W LONG-OPTION`) ran a program from a
   file, read as the cluster `-W -e` whose value was taken for the program text.
2. `awk 'BEGIN{split("x /proc/self/environ", ARGV); ARGC=3} 1'`: awk reads the files ARGV
   names after BEGIN.
3. `awk --source='BEGIN{system("env")}'`: gawk's program text in an option went unchecked.
4. `awk '@include "m"'`: gawk loads a file of code.
5. `jq -n -L . 'include "m"; f'`: a jq module from the tree.
6. `grep --der`: `--dereference-recursive` abbreviated (closed with the other spellings of a
   tree read, test_reads_trees_by_other_names.py).
7. `git fetch; git stash pop; sed -n -e p e8`: with the script in `-e`, the one operand was
   taken for the script, so the part "read its input" and the box kept the token.
8. `curl -w @FILE`: the format file was never judged as a read.
9. `python -m gatekeep` imported the project's `re.py` (tests/hooks/test_module_start.py).
"""

from __future__ import annotations

import pytest
from judging import judge, with_secrets

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    # 1
    "awk -We m.awk", "awk -W exec m.awk", "awk -Wexec=m.awk", "awk -Wex m.awk",
    "git fetch; awk -We m.awk", "gh pr list | awk -We m.awk",
    # 2
    "awk 'BEGIN{split(\"x /proc/self/environ\",ARGV);ARGC=3;RS=\"\\0\"} /TOKEN/'",
    "awk 'BEGIN { ARGV[1] = \"e\" } 1'", "git fetch; awk 'BEGIN{ARGC=2; ARGV[1]=\"e\"} 1'",
    # 3
    "awk --source='BEGIN{system(\"env\")}'", "awk --so='BEGIN{system(\"env\")}'",
    "awk -e 'BEGIN{system(\"env\")}'", "awk -W source='BEGIN{system(\"env\")}'",
    # 4
    "awk '@include \"m\"; BEGIN{f()}'", "awk '@nsinclude \"m\"'",
    # gawk's files written or commands read
    "awk -dvars.txt 1 README.md", "awk --profile=p.txt 1 README.md", "awk -D 1 README.md",
    # 5
    "jq -n -L . 'include \"m\"; f'", "jq -n 'include \"m\" {search: \".\"}; f'",
    "jq -nL. 'import \"m\" as m; m::f'", "jq -n 'import \"d\" as $d; $d'",
    "gh pr list --json number --jq 'include \"m\"; f'",
    # 8
    "curl -s -w @/proc/self/environ http://127.0.0.1:3000/",
    "curl -s --write-o=@/proc/self/environ http://127.0.0.1:3000/",
    "curl -s -w @/home/user/.ssh/id_rsa http://127.0.0.1:3000/",
])
def test_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"


@pytest.mark.parametrize("command", [
    "awk '{print $1}' README.md", "awk -F: '{print $1}' README.md",
    "awk -e '{print $1}' README.md", "awk -v n=3 'NR<n' README.md",
    "jq .import package.json", "jq '.include' package.json", "jq -r .name package.json",
    "curl -s -w '%{http_code}' http://127.0.0.1:3000/",
])
def test_ordinary_uses_are_as_before(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize("command", [
    # 6
    "git fetch; grep --der -a TOKEN", "git fetch; grep --derefer -a --exclude-dir='*' TOKEN",
    "gh pr list; grep --recursiv -a TOKEN",
    # 7: the pattern or program in an option, the one operand is a file read
    "git fetch; git stash pop; sed -n -e p e8", "git fetch; git stash pop; grep -a -e T e8",
    "git fetch && git stash pop && sed -e p -n e8", "git fetch; awk -e 1 e8",
    "git fetch; rg -e T e8",
    # 8: a format file read beside the token
    "git fetch; curl -s -w @fmt.txt http://127.0.0.1:3000/",
])
def test_a_box_with_the_network_keeps_no_secret(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow"
    assert not with_secrets(policy, decision)


@pytest.mark.parametrize("command", [
    "gh pr list | grep -e fix", "gh pr list | grep fix", "git fetch; git log | grep -e fix",
    "git fetch; curl -s -w '%{http_code}' http://127.0.0.1:3000/",
])
def test_filters_of_input_keep_them_as_before(policy: Policy, command: str) -> None:
    assert with_secrets(policy, judge(policy, command))


def test_a_format_file_known_only_at_run_time_keeps_no_secret(policy: Policy) -> None:
    """`-w @$HOME/...`: the path is known as it runs; the box has no secret to read there."""
    decision = judge(policy, 'git fetch; curl -s -w "@$HOME/.config/gh/hosts.yml" '
                             "http://127.0.0.1:3000/")
    assert decision.decision == "allow"
    assert not with_secrets(policy, decision)
