"""A command given a variable whose name says it holds a secret is asked about, as printenv
is: what it prints reaches the agent (knowledge: environment.secrets)."""

from __future__ import annotations

import pytest

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse


@pytest.fixture(scope="module")
def default() -> Policy:
    return load_policy("builtin:default")


def _rules(policy: Policy, command: str) -> tuple[str, set[str]]:
    context = Context(cwd="/work/project", home="/home/user",
                      resolver=SystemResolver("/usr/bin:/bin"))
    decision = decide(policy, parse(command), context)
    return decision.decision, {v.rule for s in decision.deciding for v in s.deciding}


@pytest.mark.parametrize("command", [
    "echo $AWS_SECRET_ACCESS_KEY", 'echo "${GITHUB_TOKEN}"', "printf '%s\\n' $OPENAI_API_KEY",
    "echo $(echo $DB_PASSWORD)", "cat <<EOF\n$NPM_TOKEN\nEOF", "echo x > $MY_SECRET",
    "echo ${#STRIPE_SECRET_KEY}", "grep -r $signing_key src", "a=$GITHUB_TOKEN",
    "x=HOME; echo ${!x}", "echo $PGPASSWORD", "echo $OPENAI_KEY"])

def test_an_expansion_of_a_secret_is_asked(default: Policy, command: str) -> None:
    decision, rules = _rules(default, command)
    assert decision == "ask"
    assert "hazard:secret-variable" in rules


@pytest.mark.parametrize("command", [
    "echo $HOME", 'printf %s "$TOKENIZERS_PARALLELISM"', "echo $PATH", "ls $KEYBOARD_DIR",
    "echo TOKEN", "echo $PASSWORDLESS_MODE", "echo ${!BASH*}", "arr=(a b); echo ${!arr[@]}"])
def test_other_expansions_are_not(default: Policy, command: str) -> None:
    _, rules = _rules(default, command)
    assert "hazard:secret-variable" not in rules


def test_a_name_is_a_secret_by_its_whole_parts(default: Policy) -> None:
    knowledge = default.knowledge
    assert knowledge.secret_variable("GH_TOKEN")
    assert knowledge.secret_variable("aws_secret_access_key")
    assert knowledge.secret_variable("SECRET")
    assert not knowledge.secret_variable("TOKENIZERS_PARALLELISM")
    assert not knowledge.secret_variable("MY_TOKENS")


@pytest.mark.parametrize("command", [
    "echo $((GITHUB_TOKEN))", "((GITHUB_TOKEN))", "a=(1); echo ${a[GITHUB_TOKEN]}",
    "[[ GITHUB_TOKEN -eq 0 ]]", "let x=DB_PASSWORD+1", "echo ${s:API_KEY}"])
def test_a_secret_named_in_arithmetic_is_asked(default: Policy, command: str) -> None:
    """bash evaluates the value, and its error on one that is not a number prints it."""
    context = Context(cwd="/work/project", home="/home/user",
                      resolver=SystemResolver("/usr/bin:/bin"))
    decision = decide(default, parse(command), context)
    assert decision.decision == "ask"
    assert any("as arithmetic" in (v.reason or "") for s in decision.deciding
               for v in s.deciding) or any("as arithmetic" in p.reason
                                            for p in decision.problems)


@pytest.mark.parametrize("command", [
    "echo $((1+2))", "for ((i=0;i<3;i++)); do echo $i; done", "[[ $count -gt 2 ]]",
    "echo ${name:0:3}", "ls [ab].txt"])
def test_arithmetic_without_a_secret_is_not(default: Policy, command: str) -> None:
    context = Context(cwd="/work/project", home="/home/user",
                      resolver=SystemResolver("/usr/bin:/bin"))
    decision = decide(default, parse(command), context)
    assert "as arithmetic" not in repr(decision)
