"""Red team 88, on how gatekeep reads programs' options (most older than the last stop):
each command was allowed and deleted source, wrote a git hook or a shell rc file, ran code
from outside the tree or printed a secret."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize(("command", "decision"), [
    # an attached value read before the `=` split (`-Wl,-plugin=x.so`, `-oa=b/...`)
    ("gcc -Wl,-plugin=/tmp/x.so a.c", "ask"),
    ("gcc -oa=b/../.git/hooks/post-checkout a.c", "deny"),
    ("gcc -E --include=.env a.c", "ask"),
    ("gcc -aux-info .git/hooks/pre-commit a.c", "deny"),
    ("COMPILER_PATH=/tmp/x gcc a.c", "ask"),
    # pytest empties --basetemp; cargo clean deletes --target-dir
    ("python -m pytest --basetemp=src", "ask"),
    ("pytest --basetemp=src", "ask"),
    ("cargo clean --target-dir src", "ask"),
    ("CARGO_TARGET_DIR=src cargo clean", "ask"),
    # make's long options abbreviated (`--fi` is --file)
    ("make --fi=/tmp/x", "ask"),
    ("make --makefil=/tmp/x", "ask"),
    ("make --dir=/tmp/x", "ask"),
    # what the JVM loads
    ("java -javaagent:/tmp/a.jar -version", "ask"),
    ("JDK_JAVA_OPTIONS=-javaagent:/tmp/a.jar java -version", "ask"),
    ("JDK_JAVAC_OPTIONS='-processorpath /tmp/p' javac X.java", "ask"),
    # files written beside what the program says it writes
    ("zstd -d x.zst --output-dir-flat=.git/hooks", "deny"),
    ("patch -b -B .git/hooks/ pre-commit x.diff", "deny"),
    ("tar --index-file=.git/hooks/x -cf build/a.tar src", "deny"),
    ("tar -g .git/hooks/pre-commit -cf build/a.tar src", "deny"),
    ("python3 -m json.tool a.json ~/.bashrc", "deny"),
    ("curl --hsts .git/hooks/x http://localhost/", "deny"),
])
def test_judged(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision


@pytest.mark.parametrize("command", [
    "gcc -std=c11 -Wall -o build/a src/a.c", "make -j4", "java -version", "cargo build",
    "zstd -q build/a.tar", "tar -czf build/a.tgz src", "python3 -m json.tool a.json",
    "pytest -q", "make -C docs html",
])
def test_everyday_forms_stay_allowed(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "decision"), [
    # red team 89: npm reads `--ta` (ambiguous among its options) as a switch, and `exec`
    # as the command; an abbreviation's words are judged both ways
    ("npm --ta exec outdated", "ask"),
    # gcc's families of options that write the file after `=`
    ("gcc -O3 -fopt-info-all=.git/hooks/pre-commit -c a.c", "deny"),
    ("gcc -fdump-tree-all=.git/hooks/post-merge a.c", "deny"),
    # what clang and tcc load or run
    ("clang -fpass-plugin=/tmp/x.so a.c", "ask"),
    ("clang -Xclang -load -Xclang /tmp/x.so a.c", "ask"),
    ("tcc -run /tmp/x.c", "ask"),
])
def test_red_team_89(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision


@pytest.mark.parametrize("command", ["npm outdated", "gcc -O3 -fopt-info-vec -c a.c",
                                     "make --directory=docs html"])
def test_red_team_89_everyday(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize(("command", "decision"), [
    # code these tools run from an option or a file outside the tree (red team 88)
    ("pylint --init-hook='import os; os.system(\"x\")' src", "ask"),
    ("pylint --rcfile /tmp/x src", "ask"),
    ("mypy --config-file /tmp/x.ini src", "ask"),
    ("rake -e 'system(\"x\")'", "ask"),
    ("clang-tidy -load /tmp/x.so src/a.c", "ask"),
    ("pylint src", "allow"), ("mypy src", "allow"), ("rake test", "allow"),
    ("clang-tidy src/a.c", "allow"),
])
def test_linters_and_task_runners(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision
