"""Fuzzing the core: the parser, the policy loader and the engine on random input.

* ``parse`` takes any string (random text, random bytes read with surrogate escapes,
  shell-flavoured noise) and returns a ParsedCommand; it never raises.
* ``load_policy`` on random YAML (text, and random mappings built from the real schema's
  keys mixed with junk) either loads or raises ``PolicyError``, nothing else.
* ``decide`` under ``builtin:default`` never allows a command that holds something
  gatekeep could not analyse (a parse or analysis problem).

The default run is bounded for CI; ``-m slow`` runs many more examples
(``GATEKEEP_SLOW_EXAMPLES`` of each, 10,000 unless set).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context
from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_knowledge_default, load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.analyze import analyze
from gatekeep.shell.knowledge import Knowledge
from gatekeep.shell.model import ParsedCommand, SegmentKind
from gatekeep.shell.parse import parse

CI = settings(max_examples=400, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
# make test-slow: 10,000 each; CI sets a smaller budget (see .ci/run)
SLOW = settings(max_examples=int(os.environ.get("GATEKEEP_SLOW_EXAMPLES", "10000")),
                deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _strategies() -> ModuleType:
    """The differential test's command grammar (a sibling file, not an importable package)."""
    name = "gatekeep_differential_strategies"
    if name not in sys.modules:
        path = Path(__file__).parent / "differential" / "strategies.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


# -- inputs ----------------------------------------------------------------------------

SHELL_CHARS = "ab09 \t\n'\"\\$`(){}[]<>|&;!#~*?=:,.-/+%@^\x00\x1b\u200bé中"
SHELL_WORDS = ("if", "then", "fi", "case", "esac", "in", ";;", "for", "do", "done", "while",
               "<<EOF", "<<-'E'", "EOF", "$(", "${", "$((", "))", "`", "<(", ">(", "2>&1",
               "&>", "<<<", "{fd}>", "0<", "coproc", "time", "function", "f()", "[[", "]]",
               "let", "declare -i", "printf -v", "rm", "-rf", "~", "$'\\x41'", "\\\n")

shell_noise = st.lists(st.one_of(st.text(SHELL_CHARS, max_size=4), st.sampled_from(SHELL_WORDS)),
                       max_size=24).map(" ".join)
random_bytes = st.binary(max_size=200).map(lambda b: b.decode("utf-8", "surrogateescape"))
any_command = st.one_of(st.text(max_size=200), random_bytes, shell_noise,
                        _strategies().commands())


def check_parsed(source: str, parsed: ParsedCommand) -> None:
    """The parse result is well formed: spans inside the source, words typed as documented."""
    assert parsed.source == source
    for problem in parsed.problems:
        assert 0 <= problem.span.start <= problem.span.end <= len(source), problem
    for segment in parsed.segments:
        assert 0 <= segment.span.start <= segment.span.end <= len(source)
        for word in segment.argv:
            assert word.value is None or isinstance(word.value, str)
        if segment.kind is SegmentKind.COMMAND and parsed.parseable:
            assert segment.argv and segment.argv[0].static, segment


# -- the parser ----------------------------------------------------------------------------

@CI
@given(source=any_command)
def test_parse_never_raises(source: str) -> None:
    check_parsed(source, parse(source))


@pytest.mark.slow
@SLOW
@given(source=any_command)
def test_parse_never_raises_long(source: str) -> None:
    check_parsed(source, parse(source))


# -- the policy loader -------------------------------------------------------------------

TOP_KEYS = ("gatekeep", "extends", "default", "unparseable", "prompt", "protect", "rules", "tests")
RULE_KEYS = ("id", "allow", "ask", "deny", "reason", "suggest", "tests")
OTHER_KEYS = ("program", "args", "flags", "write", "read", "timeout", "no_tty", "cmd", "expect",
              "cwd", "junk", "Gatekeep", "", "rule")
SCALARS = st.one_of(
    st.sampled_from([1, 2, 0, -1, 1.5, True, False, None, "ask", "deny", "allow", "queue",
                     "builtin:default", "builtin:nope", "missing.yaml", "/nonexistent", ".",
                     "git push", "rm -rf", "'unclosed", "~/.ssh/**", "**", "-f", "[", "{a,b}",
                     "", " ", "\x00", "é", "\ud800", "a\x00b", "builtin:\x00", "x" * 300,
                     "~/" + "y" * 5000]),
    st.text(max_size=12), st.integers(), st.floats(allow_nan=True))


def yaml_values(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.sampled_from(keys), st.text(max_size=6)), inner,
                            max_size=5)),
        max_leaves=20)


policies_as_data = st.fixed_dictionaries(
    {}, optional={key: yaml_values(TOP_KEYS + RULE_KEYS + OTHER_KEYS) for key in TOP_KEYS})
rules = st.lists(st.fixed_dictionaries(
    {}, optional={key: yaml_values(RULE_KEYS + OTHER_KEYS) for key in RULE_KEYS}), max_size=3)
policy_documents = st.one_of(
    policies_as_data.map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
    st.tuples(policies_as_data, rules).map(
        lambda pair: yaml.safe_dump({**pair[0], "gatekeep": 1, "rules": pair[1]})),
    st.text(max_size=300),
    st.lists(st.sampled_from(["gatekeep: 1\n", "rules:\n", "  - id: a\n", "    allow: [ls]\n",
                              "    deny: 'git push'\n", "default: ask\n", "extends: x\n",
                              "protect: {write: ['~/**']}\n", "- ", ": ", "&a ", "*a\n",
                              "!!python/object:os.system\n", "\t", "'", "{", "[", "%YAML 1.1\n",
                              "---\n", "...\n", "tests: [{cmd: ls, expect: allow}]\n"]),
             max_size=12).map("".join),
    random_bytes,
)


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge_default()


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-policy") / "policy.yaml"


def load_or_policy_error(text: str, path: Path, knowledge: Knowledge) -> None:
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    try:
        policy = load_policy(path, knowledge)
    except PolicyError as error:
        assert str(error)  # the message renders
        return
    assert policy.default in ("ask", "deny")


# What the fuzzer found raising something other than PolicyError, kept as explicit cases.
POLICY_CRASHERS = [
    'gatekeep: 1\nextends: "\\0"\n',  # Path.resolve(): ValueError: embedded null byte
    'gatekeep: 1\nextends: [builtin:default, "a\\0b"]\n',
    'gatekeep: 1\nextends: "builtin:\\0"\n',
    'gatekeep: 1\nextends: "\\ud800"\n',  # a lone surrogate: UnicodeEncodeError
    f"gatekeep: 1\nextends: {'x' * 300}\n",  # OSError: File name too long
    f"gatekeep: 1\nextends: ~/{'y' * 5000}\n",
    'gatekeep: 1\nprotect: {write: ["\\0"], read: "\\ud800"}\n',
    'gatekeep: 1\nrules: [{id: a, allow: ["ls \\0"]}]\n',
    'gatekeep: 1\nrules: [{id: a, allow: {program: "\\0"}}]\n',
    'gatekeep: 1\ntests: [{cmd: ls, expect: allow, cwd: "\\0"}]\n',
    '"\\0": 1\ngatekeep: 1\n',
]


@pytest.mark.parametrize("text", POLICY_CRASHERS)
def test_policy_crashers(text: str, policy_file: Path, knowledge: Knowledge) -> None:
    policy_file.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_file, knowledge)
    assert str(caught.value).startswith(f"{policy_file}:")  # file:line:col, said where


@CI
@example(text=POLICY_CRASHERS[0])
@given(text=policy_documents)
def test_random_policies_load_or_raise_policy_error(text: str, policy_file: Path,
                                                    knowledge: Knowledge) -> None:
    load_or_policy_error(text, policy_file, knowledge)


@pytest.mark.slow
@SLOW
@example(text=POLICY_CRASHERS[0])
@given(text=policy_documents)
def test_random_policies_load_or_raise_policy_error_long(text: str, policy_file: Path,
                                                         knowledge: Knowledge) -> None:
    load_or_policy_error(text, policy_file, knowledge)


# -- the engine ----------------------------------------------------------------------------

class QuietResolver:
    """File-system answers without touching the disk: a random glob must not walk it."""

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}"

    def realpath(self, path: str) -> str:
        return path

    def fingerprint(self, path: str) -> str | None:
        return None

    def read(self, path: str) -> str | None:
        return None  # no file holds any text

    def expand(self, pattern: str) -> list[str]:
        return []


@pytest.fixture(scope="module")
def default_policy() -> Policy:
    return load_policy("builtin:default")


@pytest.fixture(scope="module")
def context() -> Context:
    root = Path(tempfile.gettempdir())
    return Context(cwd=str(root / "fuzz-work"), home=str(root / "fuzz-home"),
                   resolver=QuietResolver())


def never_allows_what_it_cannot_analyse(source: str, policy: Policy, context: Context) -> None:
    parsed = parse(source)
    decision = decide(policy, parsed, context)
    assert decision.decision in ("allow", "ask", "deny")
    if not parsed.parseable or analyze(parsed, policy.knowledge).problems:
        assert decision.decision != "allow", (source, parsed.problems)


@CI
@given(source=any_command)
def test_unanalysable_commands_are_never_allowed(source: str, default_policy: Policy,
                                                 context: Context) -> None:
    never_allows_what_it_cannot_analyse(source, default_policy, context)


@pytest.mark.slow
@SLOW
@given(source=any_command)
def test_unanalysable_commands_are_never_allowed_long(source: str, default_policy: Policy,
                                                      context: Context) -> None:
    never_allows_what_it_cannot_analyse(source, default_policy, context)


# The crashes the fuzzers found, kept as plain cases.
CRASHERS: list[str] = [
    "p1 \\2\\\t 1>&2",  # an empty file descriptor node: int('') raised ValueError
]


@pytest.mark.parametrize("source", CRASHERS)
def test_crashers(source: str, default_policy: Policy, context: Context) -> None:
    check_parsed(source, parse(source))
    never_allows_what_it_cannot_analyse(source, default_policy, context)
