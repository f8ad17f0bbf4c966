"""`export CI=1 && npm ci`: plain variables (knowledge ``environment.plain``) set or
exported on their own change no more than `CI=1 npm ci`, which keeps the networked part's
network; any other declaration beside a networked part (another name, an option, a
redirect, a name known at run time) still takes it (engine.sets_plain)."""

from __future__ import annotations

import pytest
from judging import judge, networked

from gatekeep.policy.model import Policy
from gatekeep.sandbox.policy import downloads_only


@pytest.mark.parametrize("command", [
    "export CI=1 && git fetch", "export CI=true NO_COLOR=1; git pull",
    "CI=1; git fetch", "LC_ALL=C TZ=UTC; git fetch", "export LANG; git fetch",
    "export TERM=xterm-256color && git fetch", "export CI=1 && export LANG=C && git fetch",
    "LANG=C.UTF-8 TZ=America/New_York; git fetch",
])
def test_plain_variables_set_alone_keep_the_network(policy: Policy, command: str) -> None:
    decision = judge(policy, command)

    assert networked(policy, decision), decision
    assert downloads_only(decision, policy.knowledge)


@pytest.mark.parametrize("command", [
    "export FOO=1 && git fetch",  # not a plain variable
    "export CI=1 FOO=2; git fetch", "x=1; git fetch", "export CI FOO; git fetch",
    "export HTTPS_PROXY=http://127.0.0.1:9 && git fetch",  # allowed, but offline
    "export -n CI; git fetch", "export -- CI=1; git fetch", "export -f CI; git fetch",
    "export CI=1 > out; git fetch", "CI=1 > out; git fetch",
    "export CI[0]=1; git fetch",
    'export TERM="$T" && git fetch',  # a value known only at run time may name a file
])
def test_any_other_declaration_takes_the_network(policy: Policy, command: str) -> None:
    assert not networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "export CI=1 HOME=2; git fetch", 'export "CI=1"; git fetch', "export $N=1; git fetch",
    "export CI=$GH_TOKEN; git fetch", "declare -x CI=1; git fetch",
])
def test_a_declaration_with_a_hazard_is_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"


def test_a_plain_variable_beside_an_evaluating_construct_takes_the_network(
        policy: Policy) -> None:
    # bash may read CI's value as arithmetic, which assigns (`CI=HOME=1; ((CI))`)
    assert not networked(policy, judge(policy, "CI=HOME=1; [[ CI -eq 1 ]]; git fetch"))
    assert not networked(policy, judge(policy, "export CI=HOME=1; : $((CI)); git fetch"))
