"""A loop over literal words is read once per word, with its variable that word
(`for d in src tests; do find "$d" ...; done` ran find on an unknown word, asked as a
possible `-delete`: precision probe 78), only where nothing else may set the variable."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy
from gatekeep.shell.parse import MAX_LOOP_VALUES, parse


def _passes(command: str) -> list[tuple[tuple[str | None, ...], str | None]]:
    return [(tuple(w.value for w in s.argv), s.binding) for s in parse(command).segments]


def test_each_word_is_a_pass() -> None:
    assert _passes('for d in src tests; do find "$d" -name x; ls ${d}/a; done') == [
        (("find", "src", "-name", "x"), "d=src"), (("ls", "src/a"), "d=src"),
        (("find", "tests", "-name", "x"), "d=tests"), (("ls", "tests/a"), "d=tests")]


def test_a_substitution_in_the_body_is_read_in_each_pass() -> None:
    found = _passes('for d in a b; do echo "$d: $(find $d -type f | wc -l)"; done')
    assert (("find", "a", "-type", "f"), "d=a") in found
    assert (("find", "b", "-type", "f"), "d=b") in found


@pytest.mark.parametrize("command", [
    "for D in a b; do p $D; done",                       # a name bash or a program may read
    "for d in 'a' b; do p $d; done",                     # a quoted word
    "for d in a* b; do p $d; done",                      # a pattern
    "for d in ~ b; do p $d; done",
    "for d in a $x; do p $d; done",
    "for d in a b; do d=/etc; p $d; done",               # set again
    "for d in a b; do p ${d:-x}; done",
    "for d in a b; do read d; p $d; done",
    "for d in a b; do p $d; done; p d",                  # any other mention
    "for d in a b; do declare -n r=$'\\x64'; r=/; p $d; done",
    "for d in a b; do eval \"$x\"; p $d; done",
    "for d in a b; do . ./set.sh; p $d; done",
    "for d in a b; do source set.sh; p $d; done",
    "for d in a b; do printf -v \"$n\" x; p $d; done",
    "IFS=a; for d in bab; do p $d; done",
    "for d in a b; do for d in c; do p $d; done; done",
    "for d; do p $d; done",
    "select d in a b; do p $d; done",                   # what the user picks, or nothing
    # arithmetic assigns the name a value holds (`x` is d): bash sets d to 7 here
    "for d in a b; do x=$'\\x64'; (( $x = 7 )); p $d; done",
    "for d in a b; do p ${a[$x]} $d; done", "for d in a b; do [[ $x -eq 1 ]]; p $d; done",
    "for d in a b; do p ${s:$x} $d; done", "for d in a b; do readonly \"$n\"=1; p $d; done",
    "for d in a b; do p x; done; p $d",                 # the body never reads it
    "for d in " + " ".join(f"w{i}" for i in range(MAX_LOOP_VALUES + 1)) + "; do p $d; done",
])
def test_a_loop_whose_variable_may_be_set_otherwise_is_read_once(command: str) -> None:
    assert all(binding is None for _, binding in _passes(command)), command
    assert any(value is None for argv, _ in _passes(command) for value in argv[1:2]) \
        or "p d" in command


def test_a_loop_inside_a_pass_keeps_its_variable_unknown() -> None:
    found = _passes("for x in a b; do for y in c d; do p $x$y; done; done")
    assert [(argv, binding) for argv, binding in found] == [
        (("p", None), "x=a"), (("p", None), "x=b")]


@pytest.mark.parametrize(("command", "decision"), [
    ('for d in src tests; do find "$d" -name "*.py"; done', "allow"),
    ("for f in a.py b.py; do ruff check \"$f\"; done", "allow"),
    ("for x in -delete; do find . $x; done", "ask"),       # judged as find . -delete
    ("for d in src .ssh; do cat ~/$d/id_rsa; done", "ask"),
    ("for f in x.txt .bashrc; do echo hi >> ~/$f; done", "deny"),
])
def test_each_pass_is_judged(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision, command


def test_the_pass_is_shown_and_never_saved(policy: Policy) -> None:
    decision = judge(policy, "for d in a.txt src; do ls $d; rm -rf $d/x; done")
    asked = [s for s in decision.segments if s.decision == "ask"]
    assert [s.binding for s in asked] == ["d=a.txt", "d=src"]
    assert all(isinstance(s.shape, str) and "loop" in s.shape for s in asked)


def test_a_loop_over_programs_is_read_once() -> None:
    """`for p in printf; do $p -vp ...`: the variable as a program may set itself (red
    team 82)."""
    assert all(s.binding is None for s in parse("for c in ls rm; do $c -rf src; done").segments)
