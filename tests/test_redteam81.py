"""Red team 81: the loop's variable set by bash itself or by a quoted setter, links made
through links or beside other writes, pattern brackets Python's glob does not know, a git
subcommand the table does not describe, `xargs` choosing the subcommand, and `fd -x`."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judge, judged_in

from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse


@pytest.mark.parametrize("command", [
    "for _ in build; do true src; rm -rf $_; done",      # bash sets $_ itself
    'for ab in build; do printf "-vab" src; rm -rf $ab; done',
    'for ab in build; do printf -""vab src; rm -rf $ab; done',
    'for ab in build; do pr""intf -v ab src; rm -rf $ab; done',
    'for ab in build; do re""ad ab; rm -rf $ab; done',
    'for ab in build; do map""file ab; rm -rf $ab; done',
    'for ab in build; do printf "$f" src; rm -rf $ab; done',
    "for ab in build; do $cmd; rm -rf $ab; done",
    "for c in read; do $c c; rm -rf $c; done",           # a word that is a setter
])
def test_a_variable_a_part_may_set_is_read_once(command: str) -> None:
    assert all(s.binding is None for s in parse(command).segments), command


def test_printf_with_a_format_first_keeps_the_loop() -> None:
    segments = parse('for f in a b; do printf "%s\\n" "$f"; done').segments
    assert [s.binding for s in segments] == ["f=a", "f=b"]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("tools/real", "src", "dist", "build", "node_modules/mylib"):
        (tree / directory).mkdir(parents=True)
    (tree / "tools" / "x").symlink_to(tree / "src")
    (tree / "packages" / "mylib").mkdir(parents=True)
    (tree / ".gitignore").write_text("dist/\nbuild/\nnode_modules/\n")
    return tree


@pytest.mark.parametrize(("command", "decision"), [
    # tools/x links to src: ln makes src/s, whose ../../ is outside the tree
    ("ln -s ../../home/.bashrc tools/x/s && echo x >> src/s", "deny"),
    ("mv build build.old && ln -s ../x build && echo y > build", "ask"),
    ("ln -s ../data tools/real/data", "allow"),
])
def test_a_link_is_judged_where_it_is_made(policy: Policy, work: Path, command: str,
                                          decision: str) -> None:
    assert judged_in(policy, work, command).decision == decision, command


@pytest.mark.parametrize("command", [
    "rm -rf node_modules/[[:alpha:]]ylib/", "rm -rf node_modules/[^x]ylib/",
    "sh -c 'cat build/.[[:punct:]]/x'", "git bisect start HEAD HEAD~2 && rm -rf dist/s/",
])
def test_what_python_cannot_expand_is_asked(policy: Policy, work: Path, command: str) -> None:
    (work / "node_modules" / "mylib").rmdir()
    (work / "node_modules" / "mylib").symlink_to(work / "packages" / "mylib")
    assert judged_in(policy, work, command).decision != "allow", command


@pytest.mark.parametrize(("command", "decision"), [
    ("echo 'check --output-file /root/.bashrc .' | xargs ruff", "ask"),
    ("fd main.py -x rm -rf src", "ask"),          # the command fd runs is judged
    ("fd -Hx rm -rf src", "ask"), ("fd --exec=rm src", "ask"),
    ("fd -e py -x wc -l", "allow"), ("fd -tx", "allow"), ("fdfind -e py -x wc -l", "allow"),
])
def test_what_runs_through_xargs_and_fd(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision, command


# -- red team 82 -------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    'for p in printf; do $p "-vp" ../src; rm -rf build/$p; done',
    'for ab in build; do printf 2>/dev/null "-vab" src; rm -rf $ab; done',
    'for ab in build; do printf >&2 "-vab" src; rm -rf $ab; done',
])
def test_a_variable_set_by_printf_in_other_forms_is_read_once(command: str) -> None:
    assert all(s.binding is None for s in parse(command).segments), command


@pytest.mark.parametrize("command", [
    "echo 'main.py -x rm -rf src' | xargs fdfind", "echo 'rm -rf src' | xargs fd main.py -x",
])
def test_words_xargs_gives_fd_may_run_a_command(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask", command


@pytest.mark.parametrize("command", [
    "bash -O dotglob -c 'sed -i s/a/b/ ./*/pre-commi?'",
    "bash -O dotglob -c 'echo x >> */*/pre-commi?'",
    "bash -O nocaseglob -c 'echo x >> .GI?/HOOK?/PRE-COMMI?'",
    "shopt -s extglob; echo x > .git/@(hooks)/pre-commit",
])
def test_shell_options_that_widen_a_pattern_are_followed(policy: Policy, work: Path,
                                                         command: str) -> None:
    (work / ".git" / "hooks").mkdir(parents=True)
    (work / ".husky").mkdir()
    (work / ".husky" / "pre-commit").write_text("#!/bin/sh\n")
    assert judged_in(policy, work, command).decision != "allow", command


def test_a_link_made_outside_is_judged_from_where_it_is(policy: Policy, work: Path,
                                                      tmp_path: Path) -> None:
    """From the link's own directory, not the cwd's (red team 82 K4)."""
    place = tmp_path / "elsewhere"
    command = f"mkdir -p {place} && ln -s ../home/.bashrc {place}/l && echo x >> {place}/l"
    assert judged_in(policy, work, command).decision == "deny"


def test_a_pipe_read_as_a_tests_pattern_is_not_allowed(policy: Policy) -> None:
    """In `$(...)`, tree-sitter read `== | rm -rf ~` as a `[[`'s pattern, and the command
    after the pipe was never judged (found by the slow differential test)."""
    for command in ('echo "$(ls == | rm -rf ~)"', "echo $(ls =~ x | sh)"):
        assert judge(policy, command).decision != "allow", command


# -- red team 83 -------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "bash -O globstar -c 'sed -i s/npm/curl/ ./**/*.yml'",  # ** recurses: Python's does not
    "zsh -c 'sed -i s/a/b/ ./**/*.yml'",                    # zsh's patterns are its own
    "zsh -o globdots -c 'sed -i s/a/b/ ./*/pre-commi?'",
])
def test_patterns_of_other_globbing_are_not_read_as_pythons(policy: Policy, work: Path,
                                                            command: str) -> None:
    (work / "lefthook.yml").write_text("pre-commit: {}\n")
    assert judged_in(policy, work, command).decision != "allow", command


@pytest.mark.parametrize("command", [
    "ln -sfn ../../V node_modules/mylib",    # -n: the link itself is replaced, beside it
    "mkdir -p a/d && ln -s ../../src a/d/s && ln -s ../../x a/d/s && echo e > src/x",
])
def test_a_link_made_where_another_link_leads(policy: Policy, work: Path,
                                              command: str) -> None:
    (work / "node_modules" / "mylib").rmdir()
    (work / "node_modules" / "mylib").symlink_to(work / "packages" / "mylib")
    assert judged_in(policy, work, command).decision != "allow", command


@pytest.mark.parametrize(("command", "decision"), [
    ("cp -b -S .yml F lefthook", "deny"), ("cp --suffix=.json F .mcp", "deny"),
    ("ln -sfb -S .yml F lefthook", "deny"), ("install -b -S .yml F lefthook", "deny"),
    ("SIMPLE_BACKUP_SUFFIX=.yml cp -b F lefthook", "ask"),
    ("cp -b F G", "allow"),
])
def test_a_backup_is_a_file_written(policy: Policy, work: Path, command: str,
                                    decision: str) -> None:
    (work / "F").write_text("x\n")
    assert judged_in(policy, work, command).decision == decision, command
