"""An option whose name is literal and whose value is known only at run time, in one word
that cannot split (`--author="$(git config user.name)"`, `-j"$(nproc)"`), is that option
with an unknown value: judged as the option is, not as a word that may become any option.
Where the value can split, or the name is not literal, the word may still be any option."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    'git log --author="$(git config user.name)" --oneline',
    'cmake --build build -j"$(nproc)"', 'make -j"$(nproc)"',
    'git commit --message="$(cat msg)"', 'pytest -k "$(cat k)"',
])
def test_a_literal_option_with_a_value_known_at_run_time_is_that_option(
        policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize(("command", "rule"), [
    # the option writes, runs or reads code: its value is a path or program unknown
    ('git log --output="$(echo /tmp/x)"', "path:unknown"),
    ('sort --output="$x" f', "path:unknown"),
    # an option that runs code: still a word that may be any option
    ('tar --to-command="$(echo sh)" -xf a.tar', "hazard:dynamic-option"),
    ('make -C"$(echo /opt)"', "path:runs-code"),
    # the value may split into more words, or the name itself is not literal
    ("git log --author=$(whoami)", "hazard:dynamic-option"),
    ('git log "$(echo --output)=/tmp/x"', "hazard:dynamic-option"),
    ('git log -"$(echo p)"', "hazard:dynamic-option"),
])
def test_what_the_option_does_is_still_judged(policy: Policy, command: str, rule: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask"
    assert any(rule in segment.rules for segment in decision.segments), decision


def test_a_letter_that_takes_no_value_is_not_taken_for_one(policy: Policy) -> None:
    """`-p"$(x)"` for git log: -p takes no value, so the rest may be any letters."""
    decision = judge(policy, 'git log -p"$(echo --output=/tmp/x)"')
    assert decision.decision == "ask"


@pytest.mark.parametrize("command", [
    # red team 78 F1: empty at run time, the letter takes the next word for its value, and
    # what gatekeep took for a value or an operand becomes an option
    'git grep -e"$(true)" -- "--open-files-in-pager=sh -c x;" f',
    'sed -l"$(true)" -l -i -e "1i x" ~/.bashrc',
    'git log -G"$(true)" -G --output=/tmp/x',
    'awk -F"$(true)" -- -f /dev/stdin',
    'make -o"$(true)" -o "--eval=\\$(shell id)"',
    'tar -N"$(true)" -- --checkpoint-action=exec=id',
    'git fetch -o"$(true)" -o "--upload-pack=x" origin',
    # F2: an option that chooses what runs stays a word that may be anything
    'python -m"$(printf timeit)" -n1 "print(1)"', 'python -m"$(printf pip)" install x',
    'coverage run -m"$(echo x)"', 'python -m"$x"', 'python3 -c"$(cat f)"',
    'git -c"$(echo core.pager=x)" log',
])
def test_a_value_that_may_be_empty_or_choose_what_runs_is_not_taken(policy: Policy,
                                                                    command: str) -> None:
    assert judge(policy, command).decision != "allow"
