"""Loading policy files: every error names file:line:col and the key path; good files load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context
from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Glob, Pattern, Policy
from gatekeep.shell.parse import parse

WritePolicy = Callable[[str, str], Path]

TOP_KEYS = ("audit, default, extends, gatekeep, limits, mode, packages, prompt, protect, rules, "
            "sandbox, sandbox_paths, tests, unparseable, when")
RULE_KEYS = ("allow, ask, bounds, deny, id, limits, overrides, packages, rate, reason, suggest, "
             "tests, when")
NOT_A_POLICY = "not a gatekeep policy: expected a mapping with 'gatekeep: 1' (the format version)"


def load_error(path: Path) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return str(caught.value)


# -- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "where", "message"), [
    ("gatekeep: 1\nrules: [\n", "3:1",
     "invalid YAML: expected the node content, but found '<stream end>'"),
    ("gatekeep: 1\nrules:\n  - id: a\n    allow: [ls\n", "5:1",
     "invalid YAML: expected ',' or ']', but got '<stream end>'"),
    ("gatekeep: 1\n\tdefault: ask\n", "2:1",
     "invalid YAML: found character '\\t' that cannot start any token"),
])
def test_invalid_yaml(text: str, where: str, message: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", text)
    assert load_error(path) == f"{path}:{where}: {message}"


@pytest.mark.parametrize(("text", "expected"), [
    ("default: ask\n", f"1:1: {NOT_A_POLICY}"),
    ("gatekeep: 2\n", "1:11: gatekeep: unsupported format version; this gatekeep reads 1"),
    ("gatekeep: '1'\n", "1:11: gatekeep: unsupported format version; this gatekeep reads 1"),
    ("", "1:1: the file is empty"),
    ("- a\n", f"1:1: {NOT_A_POLICY}"),
])
def test_format_version(text: str, expected: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", text)
    assert load_error(path) == f"{path}:{expected}"


def test_unknown_top_level_key_suggests_the_close_one(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nrule:\n  - id: a\n    allow: [ls]\n")
    assert load_error(path) == (
        f"{path}:2:1: rule: unknown key 'rule' (did you mean 'rules'?); "
        f"expected one of: {TOP_KEYS}"
    )


def test_unknown_key_without_a_close_one(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nzzz: 1\n")
    assert load_error(path) == f"{path}:2:1: zzz: unknown key 'zzz'; expected one of: {TOP_KEYS}"


def test_unknown_rule_key(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n"
                                  "    resons: x\n")
    assert load_error(path) == (
        f"{path}:5:5: rules[0].resons: unknown key 'resons' (did you mean 'reason'?); "
        f"expected one of: {RULE_KEYS}"
    )


def test_unknown_key_in_a_later_rule(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n"
                                  "  - id: b\n    denny: [rm]\n")
    assert load_error(path) == (
        f"{path}:6:5: rules[1].denny: unknown key 'denny' (did you mean 'deny'?); "
        f"expected one of: {RULE_KEYS}"
    )


@pytest.mark.parametrize(("body", "got"), [
    ("    allow: [ls]\n    deny: [rm]\n", "allow, deny"),
    ("    allow: [ls]\n    ask: [ls]\n    deny: [rm]\n", "allow, ask, deny"),
    ("    reason: nothing decided\n", "none"),
])
def test_rule_needs_exactly_one_decision(body: str, got: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nrules:\n  - id: a\n" + body)
    assert load_error(path) == (
        f"{path}:3:5: rules[0]: rule 'a' needs exactly one of allow, ask, deny (got {got})"
    )


def test_rule_needs_an_id(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nrules:\n  - allow: [ls]\n")
    assert load_error(path) == f"{path}:3:5: rules[0]: a rule needs an 'id'"


@pytest.mark.parametrize(("text", "expected"), [
    ("gatekeep: 1\ndefault: allow\n", "2:10: default: expected one of ask, deny, got 'allow'"),
    ("gatekeep: 1\ndefault: [ask]\n", "2:10: default: expected a single value, got a list"),
    ("gatekeep: 1\nunparseable: maybe\n",
     "2:14: unparseable: expected one of ask, deny, got 'maybe'"),
    ("gatekeep: 1\nprompt: {timeout: 0}\n",
     "2:19: prompt.timeout: expected a number of at least 1, got 0"),
    ("gatekeep: 1\nprompt: {no_tty: allow}\n",
     "2:18: prompt.no_tty: expected one of deny, queue, got 'allow'"),
])
def test_bad_setting_values(text: str, expected: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", text)
    assert load_error(path) == f"{path}:{expected}"


@pytest.mark.parametrize(("text", "expected"), [
    ("gatekeep: 1\ndefault: ask\ndefault: deny\n", "3:1: default: duplicate key"),
    ("gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n    allow: [cat]\n",
     "5:5: rules[0].allow: duplicate key"),
    ("gatekeep: 1\nprotect:\n  write: [a]\n  write: [b]\n", "4:3: protect.write: duplicate key"),
])
def test_duplicate_keys(text: str, expected: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", text)
    assert load_error(path) == f"{path}:{expected}"


def test_duplicate_rule_ids(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n"
                                  "  - id: a\n    ask: [rm]\n")
    assert load_error(path) == (
        f"{path}:5:9: rules[1].id: duplicate rule id 'a' (also at {path}:3)"
    )


def test_duplicate_rule_id_across_extends(write_policy: WritePolicy) -> None:
    base = write_policy("base.yaml", "gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n")
    child = write_policy("child.yaml", "gatekeep: 1\nextends: base.yaml\nrules:\n"
                                       "  - id: a\n    ask: [ls]\n")
    assert load_error(child) == (
        f"{child}:4:9: rules[0].id: duplicate rule id 'a' (also at {base}:3)"
    )


def test_extends_of_a_missing_file(write_policy: WritePolicy, tmp_path: Path) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nextends: [nothere.yaml]\n")
    assert load_error(path) == (
        f"{path}:2:11: extends[0]: extended policy not found: {tmp_path / 'nothere.yaml'}"
    )


def test_extends_of_an_unknown_builtin(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nextends: builtin:nope\n")
    assert load_error(path) == (
        f"{path}:2:10: extends: no such built-in policy; available: default, production")


def test_extends_loop(write_policy: WritePolicy) -> None:
    first = write_policy("a.yaml", "gatekeep: 1\nextends: b.yaml\n")
    second = write_policy("b.yaml", "gatekeep: 1\nextends: [a.yaml]\n")
    assert load_error(first) == (
        f"{second}:2:11: extends[0]: 'extends' loops or nests deeper than 8: {first}"
    )


def test_extends_itself(write_policy: WritePolicy) -> None:
    path = write_policy("self.yaml", "gatekeep: 1\nextends: self.yaml\n")
    assert load_error(path) == (
        f"{path}:2:10: extends: 'extends' loops or nests deeper than 8: {path}"
    )


def test_error_inside_an_extended_file_names_that_file(write_policy: WritePolicy) -> None:
    base = write_policy("base.yaml", "gatekeep: 1\ndefault: allow\n")
    child = write_policy("child.yaml", "gatekeep: 1\nextends: [base.yaml]\n")
    assert load_error(child) == (
        f"{base}:2:10: default: expected one of ask, deny, got 'allow'"
    )


@pytest.mark.parametrize(("pattern", "where", "message"), [
    ('"echo \'hi"', "4:13", "cannot split pattern \"echo 'hi\": No closing quotation"),
    ("\"git log --format='%H\"", "4:13",
     "cannot split pattern \"git log --format='%H\": No closing quotation"),
    ('" "', "4:13", "empty pattern"),
])
def test_bad_string_patterns(pattern: str, where: str, message: str,
                             write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", f"gatekeep: 1\nrules:\n  - id: a\n    allow: [{pattern}]\n")
    assert load_error(path) == f"{path}:{where}: rules[0].allow[0]: {message}"


@pytest.mark.parametrize(("pattern", "expected"), [
    ("[yes]", "4:13: rules[0].allow[0]: expected a pattern (a string, or a mapping with "
     "program, args, flags), got 'yes'; quote words such as true, yes or on"),
    ("[]", "4:12: rules[0].allow: expected at least one pattern"),
    ("{flags: [-r]}", "4:12: rules[0].allow: a pattern mapping needs 'program'"),
    ("{program: rm, flags: [r]}", "4:33: rules[0].allow.flags: flags start with '-': 'r'"),
    ("{program: rm, flag: [-r]}", "4:26: rules[0].allow.flag: unknown key 'flag' (did you mean "
     "'flags'?); expected one of: args, effects, flags, program, without"),
])
def test_bad_patterns(pattern: str, expected: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", f"gatekeep: 1\nrules:\n  - id: a\n    allow: {pattern}\n")
    assert load_error(path) == f"{path}:{expected}"


@pytest.mark.parametrize(("text", "expected"), [
    ("gatekeep: 1\nprotect:\n  writes: [x]\n", "3:3: protect.writes: unknown key 'writes' "
     "(did you mean 'write'?); expected one of: read, write"),
    ("gatekeep: 1\ntests:\n  - {cmd: ls, expect: maybe}\n",
     "3:23: tests[0].expect: expected one of allow, ask, deny, got 'maybe'"),
    ("gatekeep: 1\ntests:\n  - {expect: allow}\n", "3:5: tests[0]: a test needs 'cmd'"),
    ("gatekeep: 1\n1: x\n", "2:1: keys must be plain strings"),
])
def test_other_errors(text: str, expected: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", text)
    assert load_error(path) == f"{path}:{expected}"


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert load_error(path).startswith(f"{path}: cannot read the policy: ")


# -- successful loads ------------------------------------------------------------------

class NoPrograms:
    """A resolver for decisions that need no file system: every name is a system program."""

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


def decision(policy: Policy, command: str) -> str:
    context = Context(cwd="/work/project", home="/home/user", resolver=NoPrograms())
    return decide(policy, parse(command), context).decision


def test_minimal_policy_defaults(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\n")
    policy = load_policy(path)
    assert (policy.default, policy.unparseable, policy.prompt_timeout, policy.prompt_no_tty) \
        == ("ask", "ask", 120.0, "deny")
    assert policy.files == (str(path),)
    assert policy.rules == () and policy.protect_write == () and policy.protect_read == ()
    assert len(policy.sha256) == 64


def test_extends_builtin_default_merges_rules(write_policy: WritePolicy) -> None:
    builtin = load_policy("builtin:default")
    path = write_policy("p.yaml", (
        "gatekeep: 1\n"
        "extends: [builtin:default]\n"
        "default: deny\n"
        "protect:\n  write: [secrets/**]\n"
        "rules:\n"
        "  - id: no-make\n    deny: [make]\n    reason: not here\n"
        "  - id: my-tool\n    allow: [mytool]\n"
    ))
    policy = load_policy(path)
    assert [r.id for r in policy.rules] == [r.id for r in builtin.rules] + ["no-make", "my-tool"]
    assert policy.files == (*builtin.files, str(path))
    assert policy.default == "deny"
    assert policy.unparseable == "ask"
    assert policy.protect_write == (*builtin.protect_write, Glob.from_text("secrets/**"))
    assert policy.protect_read == builtin.protect_read
    assert policy.sha256 != builtin.sha256
    # the base's rules still decide, the new ones join them, and the strictest wins
    assert decision(policy, "ls -la") == "allow"
    assert decision(policy, "mytool --x") == "allow"
    assert decision(policy, "make test") == "deny"
    assert decision(policy, "unknown-program") == "deny"
    assert decision(policy, "echo x > secrets/key") == "deny"


def test_extends_a_relative_file(write_policy: WritePolicy) -> None:
    write_policy("shared/base.yaml", "gatekeep: 1\ndefault: deny\nrules:\n"
                                     "  - id: base\n    allow: [ls]\n")
    path = write_policy("p.yaml", "gatekeep: 1\nextends: shared/base.yaml\nrules:\n"
                                  "  - id: mine\n    allow: [cat]\n")
    policy = load_policy(path)
    assert [r.id for r in policy.rules] == ["base", "mine"]
    assert policy.default == "deny"


def test_map_form_pattern_with_flags(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", (
        "gatekeep: 1\nrules:\n"
        "  - id: rm-any\n    allow: [rm]\n"
        "  - id: recursive\n    deny: {program: rm, flags: [-r, --recursive]}\n"
    ))
    policy = load_policy(path)
    pattern = policy.rules[1].patterns[0]
    assert pattern == Pattern("rm [-r | --recursive]", Glob.from_text("rm"), (), (),
                              ("--recursive", "--recursive"))
    assert (policy.rules[1].file, policy.rules[1].line) == (str(path), 5)
    assert decision(policy, "rm -rf build") == "deny"
    assert decision(policy, "rm -R build") == "deny"
    assert decision(policy, "rm --recursive build") == "deny"
    assert decision(policy, "rm -f notes.txt") == "allow"


def test_map_form_pattern_with_args_and_subcommand_flags(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", (
        "gatekeep: 1\nrules:\n"
        "  - id: push\n    allow: [git push]\n"
        "  - id: force\n    deny: {program: git, args: [push], flags: [-f]}\n"
    ))
    policy = load_policy(path)
    pattern = policy.rules[1].patterns[0]
    assert pattern.args == (Glob.from_text("push"),)
    assert pattern.flags_any == ("--force",)  # git push's alias, not a top-level -f
    assert decision(policy, "git push -f origin main") == "deny"
    assert decision(policy, "git push --force origin main") == "deny"
    assert decision(policy, "git push origin main") == "allow"


def test_string_pattern_compiles_flags_and_args(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\nrules:\n"
                                  "  - id: x\n    deny: ['git push --force', 'head -n5 *.log']\n")
    first, second = load_policy(path).rules[0].patterns
    assert (first.args, first.flags_all) == ((Glob.from_text("push"),), (("--force", None),))
    assert (second.args, second.flags_all) == ((Glob.from_text("*.log"),),
                                               (("-n", Glob.from_text("5")),))


def test_rule_fields_and_examples(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", (
        "gatekeep: 1\nrules:\n"
        "  - id: fp\n    deny: 'git push -f'\n    reason: rewrites history\n"
        "    suggest: push a branch\n"
        "    tests:\n      - {cmd: 'git push -f', expect: deny}\n"
        "tests:\n  - {cmd: ls, expect: ask, cwd: /tmp}\n"
    ))
    policy = load_policy(path)
    rule = policy.rules[0]
    assert (rule.id, rule.decision, rule.reason, rule.suggest) == (
        "fp", "deny", "rewrites history", "push a branch")
    assert [(t.cmd, t.expect, t.rule, t.line) for t in rule.tests] == [
        ("git push -f", "deny", "fp", 8)]
    assert [(t.cmd, t.expect, t.cwd, t.rule) for t in policy.tests] == [
        ("ls", "ask", "/tmp", None)]
