"""A search that finds only entries named as a cache deletes only caches: `find . -type d
-name __pycache__ -exec rm -rf {} +` and `find . -name '*.pyc' -delete` run unasked
(knowledge `names_found`, `narrows`; precision probe 78). Any other expression, starting
point or command beside is judged as a delete of what it may reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("src/app/__pycache__", "tests/__pycache__", ".git", "docs"):
        (tree / directory).mkdir(parents=True)
    (tree / "src" / "app" / "main.py").write_text("print(1)\n")
    (tree / "src" / "app" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    (tree / "outside").mkdir()
    (tree / "docs" / "linked").symlink_to(tree / "src")
    return tree


@pytest.mark.parametrize("command", [
    "find . -type d -name __pycache__ -exec rm -rf {} +",
    "find . -name __pycache__ -type d -prune -exec rm -rf '{}' \\;",
    "find src tests -name __pycache__ -exec rm -r {} +",
    "find . -name '*.pyc' -delete",
    "find . -type f -name '*.pyc' -exec rm -f {} +",
    "find . -name .pytest_cache -maxdepth 3 -exec rm -rf {} +",
    "find . -name __pycache__ -execdir rm -rf {} +",
    "python -m pytest -q; find . -name __pycache__ -exec rm -rf {} +",
    # tests joined to the name narrow what it finds, and `-not` before one of them
    "find . -type d -name __pycache__ -not -path './.venv/*' -exec rm -rf {} +",
    "find . -name '*.pyc' -path './src/*' -mtime +1 -delete",
    "find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete",
    # a first expression that only skips: what follows finds every entry acted on
    "find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +",
    "find . -name node_modules -prune -o -name '*.pyc' -delete",
    "find . -type d -name .git -prune -or -name .pytest_cache -exec rm -rf {} +",
    # a delete beside it writes nothing there (`rm` empties what it names)
    "rm -rf .mypy_cache && find . -path ./.venv -prune -o -name __pycache__ -exec rm -rf {} +",
])
def test_a_search_for_caches_deletes_unasked(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize("command", [
    "find . -name '*.py' -delete",                              # source
    "find . -name src -exec rm -rf {} +",
    "find . -name __pycache__ -o -name src -exec rm -rf {} +",  # another branch
    "find . ! -name __pycache__ -exec rm -rf {} +",
    "find . -not -name __pycache__ -delete",
    "find . -name '*.pyc' -not -not -path x -delete",           # `-not` before no narrowing
    "find . -not -path x -name x -o -name '*.pyc' -delete",
    "find . -name '*.pyc' -not -delete",
    "find . -name __pycache__ -name x -delete",                 # two names
    "find . -iname __pycache__ -delete",                        # not the name knowledge says
    "find . -path '*/__pycache__' -delete",
    "find . -L -name __pycache__ -exec rm -rf {} +",            # through links
    "find -L . -name __pycache__ -exec rm -rf {} +",
    "find . -follow -name __pycache__ -delete",
    "find docs/linked -name __pycache__ -delete",               # a starting point that links
    "find .. -name __pycache__ -exec rm -rf {} +",              # outside the tree
    "find /tmp -name __pycache__ -delete",
    "find .git -name __pycache__ -delete",
    'find "$d" -name __pycache__ -delete',                      # known only at run time
    "find s* -name __pycache__ -delete",
    "find . -name *.pyc -delete",                               # a pattern bash expands first
    'find . -name "$n" -delete',
    "find . -name __pycache__ -exec rm -rf {} src +",           # another operand
    "find . -name __pycache__ -exec rm -rf {}/../.. \\;",
    "find . -name __pycache__ -exec mv {} /tmp \\;",
    "find . -name __pycache__ -exec sh -c 'rm -rf \"$1\"/..' _ {} \\;",
    "mv src __pycache__ && find . -name __pycache__ -exec rm -rf {} +",
    "find . -name __pycache__ -exec rm -rf {} + -exec rm -rf src \\;",
    "find . -name __pycache__ -samefile x -delete",             # a test not known to narrow
    # a module that writes what it does not name, beside (`python -m pytest` is judged in
    # the part of what it runs, as `pytest` is)
    "python -m zipfile -e a.zip . && find . -name __pycache__ -exec rm -rf {} +",
])
def test_anything_else_is_asked(policy: Policy, work: Path, command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow", command


@pytest.mark.parametrize("command", [
    "find . -path ./.venv -prune -o -name '*.py' -delete",            # source, past the skip
    "find . -name x -delete -prune -o -name __pycache__ -exec rm -rf {} +",  # skips nothing
    "find . -path ./a -prune -o -name __pycache__ -o -name src -exec rm -rf {} +",
    "find . -prune -o -name __pycache__ -exec rm -rf {} +",           # no test before it
    "find . -path ./.venv -o -name __pycache__ -exec rm -rf {} +",    # no -prune
    "mv src .mypy_cache && find . -name .mypy_cache -exec rm -rf {} +",
])
def test_a_skip_or_a_write_beside_is_still_judged(policy: Policy, work: Path,
                                                  command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow", command


def test_the_tree_itself_named_as_a_cache_is_not_found_as_one(policy: Policy,
                                                             tmp_path: Path) -> None:
    tree = tmp_path / "__pycache__"
    (tree / "src").mkdir(parents=True)
    command = f"find {tree} -name __pycache__ -exec rm -rf {{}} +"
    assert judged_in(policy, tree, command).decision != "allow"


def test_an_asked_search_says_what_it_deletes(policy: Policy, work: Path) -> None:
    decision = judged_in(policy, work, "find . -name '*.py' -delete")
    assert "deletes files other than build output" in decision.segments[0].reason


@pytest.mark.parametrize(("ignore", "command", "expected"), [
    # build output a .gitignore at or above the start lists, for files too
    ("*.class\n", "find . -name '*.class' -delete", "allow"),
    ("*.class\n", "find src -name '*.class' -exec rm -f {} +", "allow"),
    ("/build\n*.o\n", "find src -name '*.o' -delete", "allow"),
    ("", "find . -name '*.class' -delete", "ask"),                # nothing says it is output
    ("*.class\n!Keep.class\n", "find . -name '*.class' -delete", "ask"),
    ("tmp/\n", "find . -name tmp -exec rm -rf {} +", "ask"),      # a file named tmp is not
    ("tmp\n", "find . -name tmp -exec rm -rf {} +", "allow"),
    ("build\n", "find . -name build -delete", "allow"),
    ("*.class\t\n", "find . -name '*.class' -delete", "ask"),  # git keeps the tab
    ("*.class   \n", "find . -name '*.class' -delete", "allow"),  # and drops spaces
    ("*.class\n", "find . -name '*.java' -delete", "ask"),
    ("*.class\n", "find . -name '*.class' -o -name '*.java' -delete", "ask"),
])
def test_a_search_for_ignored_build_output_deletes_unasked(
        policy: Policy, work: Path, ignore: str, command: str, expected: str) -> None:
    (work / ".gitignore").write_text(ignore)
    decision = judged_in(policy, work, command)
    assert decision.decision == expected, [(s.text, s.rules, s.reason)
                                           for s in decision.segments]


def test_a_gitignore_only_below_the_start_does_not_count(policy: Policy, work: Path) -> None:
    (work / "src" / ".gitignore").write_text("*.class\n")
    assert judged_in(policy, work, "find . -name '*.class' -delete").decision == "ask"
    assert judged_in(policy, work, "find src -name '*.class' -delete").decision == "allow"


@pytest.mark.parametrize(("ref", "command"), [
    ("refs/heads/build", "find . -name build -delete"),
    ("refs/heads/build-fixes", "find . -name 'build-*' -exec rm -rf {} +"),
    ("logs/refs/heads/feature/build-fixes", "find . -name 'build-*' -delete"),
    ("refs/remotes/origin/__pycache__", "find . -name __pycache__ -exec rm -rf {} +"),
    ("modules/build", "find . -name build -exec rm -rf {} +"),
    ("modules/sub/refs/heads/build", "find . -name build -delete"),   # a submodule's refs
    ("refs/heads/a/b/c/d/e/f/g", "find . -name '*.pyc' -delete"),   # deeper than looked
])
def test_a_search_that_walks_git_where_a_ref_is_named_so_is_asked(
        policy: Policy, work: Path, ref: str, command: str) -> None:
    """find walks .git, where git keeps refs, their logs, submodules and worktrees by the
    names people choose (red teams 93 and 94); from below it, nothing there is found."""
    (work / ".gitignore").write_text("build\nbuild-*\n")
    (work / ".git" / ref).parent.mkdir(parents=True, exist_ok=True)
    (work / ".git" / ref).write_text("0" * 40 + "\n")
    assert judged_in(policy, work, command).decision == "ask", command
    below = command.replace("find . ", "find src ")
    assert judged_in(policy, work, below).decision == "allow", below
