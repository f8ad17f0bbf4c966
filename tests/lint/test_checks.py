"""Each lint finding: a policy that triggers it, and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.lint.checks import lint_policy
from gatekeep.policy.load import load_knowledge_default


def findings(path: Path, knowledge=None) -> list[tuple[str, str, int | None]]:
    return [(f.code, f.severity, f.line) for f in lint_policy(str(path), knowledge)]


def messages(path: Path) -> list[str]:
    return [str(f) for f in lint_policy(str(path))]


def policy(*rules: str, extends: str | None = None) -> str:
    head = "gatekeep: 1\n" + (f"extends: [{extends}]\n" if extends else "") + "rules:\n"
    return head + "".join(f"  - {rule}\n" for rule in rules)


def test_the_shipped_default_policy_is_clean():
    assert lint_policy("builtin:default") == []


# -- load errors -----------------------------------------------------------------------------

def test_every_load_error_is_reported_with_file_line_and_column(write_policy):
    path = write_policy("p.yaml", (
        "gatekeep: 1\n"
        "default: allow\n"
        "colour: red\n"
        "rules:\n"
        "  - {id: a, allow: [ls]}\n"
        "  - {id: b, alow: [cat]}\n"
        "  - {id: c, deny: []}\n"
        "tests:\n"
        "  - {cmd: ls}\n"))

    assert messages(path) == [
        f"{path}:2:10: error: default: expected one of ask, deny, got 'allow' [load]",
        f"{path}:3:1: error: colour: unknown key 'colour'; expected one of: audit, default, "
        "extends, gatekeep, limits, mode, packages, prompt, protect, rules, sandbox, "
        "sandbox_paths, tests, unparseable, when [load]",
        f"{path}:6:13: error: rules[1].alow: unknown key 'alow' (did you mean 'allow'?); "
        "expected one of: allow, ask, bounds, deny, id, limits, overrides, packages, rate, reason, "
        "suggest, tests, when [load]",
        f"{path}:7:19: error: rules[2].deny: expected at least one pattern [load]",
        f"{path}:9:5: error: tests[0]: a test needs 'expect' [load]",
    ]


def test_a_policy_without_errors_has_no_load_findings(write_policy):
    path = write_policy("p.yaml", policy("{id: a, allow: [ls]}", "{id: b, deny: [rm]}"))

    assert findings(path) == []


def test_yaml_syntax_error(write_policy):
    path = write_policy("p.yaml", "gatekeep: 1\nrules: [\n")

    assert findings(path) == [("load", "error", 3)]


# -- duplicate ids ---------------------------------------------------------------------------

def test_duplicate_ids(write_policy):
    path = write_policy("p.yaml", policy("{id: a, allow: [ls]}", "{id: a, deny: [rm]}"))

    assert messages(path) == [
        f"{path}:4:10: error: rules[1].id: duplicate rule id 'a' (also at {path}:3) "
        "[duplicate-id]"]


def test_duplicate_id_of_an_extended_rule(write_policy):
    base = write_policy("base.yaml", policy("{id: reads, allow: [ls]}"))
    path = write_policy("p.yaml", policy("{id: reads, allow: [cat]}", extends="base.yaml"))

    assert findings(path) == [("duplicate-id", "error", 4)]
    assert findings(base) == []


# -- rules that can never decide --------------------------------------------------------------

def test_rule_shadowed_by_a_stricter_rule(write_policy):
    path = write_policy("p.yaml", policy("{id: status, allow: ['git status', 'git log']}",
                                         "{id: git, ask: [git]}"))

    assert messages(path) == [
        f"{path}:3: warning: rule 'status' (allow) can never decide anything: every command "
        "it matches is also matched by the stricter 'git' (ask, p.yaml:4) [shadowed-rule]"]


def test_stricter_rule_that_carves_out_an_exception_is_no_shadow(write_policy):
    path = write_policy("p.yaml", policy("{id: git, allow: [git]}",
                                         "{id: push, ask: ['git push']}",
                                         "{id: force, deny: ['git push --force']}"))

    assert findings(path) == []


@pytest.mark.parametrize(("narrow", "broad"), [
    ("'rm -r'", "{program: rm, flags: [-r, -R]}"),
    ("'git push --force origin'", "'git push -f'"),
    ("'python3 -c'", "'python -c'"),
    ("'mkfs.ext4'", "'mkfs*'"),
    ("'sort -o out.txt'", "'sort -o *'"),
])
def test_shadowing_understands_flags_aliases_and_globs(write_policy, narrow, broad):
    path = write_policy("p.yaml", policy(f"{{id: narrow, allow: [{narrow}]}}",
                                         f"{{id: broad, deny: [{broad}]}}"))

    assert findings(path) == [("shadowed-rule", "warning", 3)]


@pytest.mark.parametrize(("narrow", "broad"), [
    ("'rm'", "{program: rm, flags: [-r, -R]}"),
    ("'git push'", "'git push -f'"),
    ("'sort -o out.txt'", "'sort -o x*'"),
    ("'mkfs*'", "'mkfs.ext4'"),
    ("'/bin/rm'", "'rm'"),
])
def test_no_shadow_when_the_stricter_rule_matches_less(write_policy, narrow, broad):
    path = write_policy("p.yaml", policy(f"{{id: narrow, allow: [{narrow}]}}",
                                         f"{{id: broad, deny: [{broad}]}}"))

    assert findings(path) == []


def test_pattern_that_can_never_decide(write_policy):
    path = write_policy("p.yaml", policy("{id: info, allow: [uname, env]}",
                                         "{id: environment, ask: [env]}"))

    assert messages(path) == [
        f"{path}:3: warning: rule 'info' (allow): pattern 'env' can never decide: rule "
        "'environment' (ask, p.yaml:4) matches every command it matches [shadowed-pattern]"]


# -- contradictions across extends -------------------------------------------------------

def test_deny_over_an_allow_of_an_extended_file_is_tightening(write_policy):
    """The extending file decides where its rules match (layers): its deny is meant."""
    write_policy("base.yaml", policy("{id: commits, allow: ['git commit', 'git add']}"))
    path = write_policy("p.yaml", policy("{id: no-git, deny: [git]}", extends="base.yaml"))

    assert messages(path) == []


def test_allow_contradicted_by_a_deny_of_an_extended_file(write_policy):
    write_policy("base.yaml", policy("{id: force-push, deny: ['git push --force']}"))
    path = write_policy("p.yaml", policy("{id: hotfix, allow: ['git push --force origin hotfix']}",
                                         extends="base.yaml"))

    assert findings(path) == [("contradicted", "warning", 4)]


def test_deny_that_narrows_an_extended_allow_is_no_contradiction(write_policy):
    base = write_policy("base.yaml", policy("{id: commits, allow: ['git commit']}"))
    path = write_policy("p.yaml", policy("{id: amend, deny: ['git commit --amend']}",
                                         extends="base.yaml"))

    assert findings(path) == []
    assert findings(base) == []


def test_findings_only_among_extended_files_are_not_repeated(write_policy):
    write_policy("base.yaml", policy("{id: a, allow: ['git status']}", "{id: b, ask: [git]}"))
    path = write_policy("p.yaml", policy("{id: c, allow: [ls]}", extends="base.yaml"))

    assert findings(path) == []


# -- dangerously broad allows -----------------------------------------------------------

@pytest.mark.parametrize("pattern", ["'*'", "'?*'"])
def test_allow_of_every_program(write_policy, pattern):
    path = write_policy("p.yaml", policy(f"{{id: all, allow: [{pattern}]}}"))

    assert messages(path) == [
        f"{path}:3: error: rule 'all': pattern {pattern} allows every program with any "
        "arguments [broad-allow]"]


@pytest.mark.parametrize("program", ["deno", "bun"])
def test_allow_of_an_interpreter_gatekeep_knows_nothing_about(write_policy, program):
    path = write_policy("p.yaml", policy(f"{{id: runtime, allow: [{program}]}}"))

    assert findings(path) == [("broad-allow", "error", 3)]


def test_allow_of_find_when_knowledge_misses_its_code_running_options(write_policy):
    extension = write_policy("programs.yaml", (
        "gatekeep-programs: 1\nprograms:\n  find:\n    single_dash_long: true\n"))
    path = write_policy("p.yaml", policy("{id: search, allow: [find]}"))

    found = lint_policy(str(path), load_knowledge_default(extension))

    assert [f.code for f in found] == ["broad-allow"]
    assert "allows 'find . -exec gatekeep-lint-payload \\\\;'" in found[0].message


def test_allow_of_shells_interpreters_and_wrappers_that_gatekeep_unwraps(write_policy):
    path = write_policy("p.yaml", policy(
        "{id: runners, allow: [bash, sh, python3, node, perl, find, xargs, sudo, env, "
        "timeout, nice, eval, exec, awk, sed]}"))

    assert findings(path) == []


def test_allow_with_arguments_is_not_broad(write_policy):
    path = write_policy("p.yaml", policy("{id: runners, allow: ['python -m pytest', "
                                         "'bash -c', 'deno --version', 'bun test']}"))

    assert findings(path) == []


# -- patterns that cannot match ---------------------------------------------------------

def test_glob_with_an_empty_character_range(write_policy):
    path = write_policy("p.yaml", policy("{id: r, deny: ['git push x[z-a]']}"))

    assert messages(path) == [
        f"{path}:3: error: rule 'r': pattern 'git push x[z-a]' can never match: 'x[z-a]' "
        "matches no word (a character range with nothing in it) [unmatchable]"]


def test_glob_in_a_program_path(write_policy):
    path = write_policy("p.yaml", policy("{id: r, deny: ['/usr/bin/py*']}"))

    assert findings(path) == [("unmatchable", "error", 3)]


def test_matchable_globs(write_policy):
    path = write_policy("p.yaml", policy("{id: r, deny: ['git push x[a-z]', 'mkfs.*', "
                                         "'/usr/bin/python3', 'git push +*']}"))

    assert findings(path) == []


def test_words_after_a_wrapper_are_ignored(write_policy):
    path = write_policy("p.yaml", policy("{id: r, deny: ['sudo rm', 'timeout 5 rm -rf']}"))

    assert [f.code for f in lint_policy(str(path))] == ["ignored-words", "ignored-words"]
    assert messages(path)[0] == (
        f"{path}:3: warning: rule 'r': pattern 'sudo rm' matches every 'sudo' command whatever "
        "it runs: gatekeep judges the command sudo runs ('rm') on its own, with the rules for "
        "that program [ignored-words]")


def test_words_that_belong_to_the_pattern(write_policy):
    path = write_policy("p.yaml", policy("{id: r, allow: ['python -m pytest', "
                                         "'git -C sub status', \"bash -c 'make test'\"]}"))

    assert findings(path) == []


def test_tightening_an_extended_rule_is_no_finding(write_policy):
    write_policy("base.yaml", policy("{id: deploys, ask: [kubectl, helm]}"))
    path = write_policy("p.yaml", policy("{id: no-deploys, deny: [kubectl, helm]}",
                                         extends="base.yaml"))

    assert findings(path) == []


def test_own_allow_over_an_extended_ask_is_a_loosening(write_policy):
    """The extending policy's rule decides over what it extends (layers): said, not dead."""
    write_policy("base.yaml", policy("{id: deploys, ask: [kubectl]}"))
    path = write_policy("p.yaml", policy("{id: status, allow: ['kubectl get']}",
                                         extends="base.yaml"))

    assert findings(path) == [("loosens", "note", 4)]


def test_own_rule_made_dead_by_a_rule_of_its_own_file(write_policy):
    path = write_policy("p.yaml", policy("{id: deploys, ask: [kubectl]}",
                                         "{id: status, allow: ['kubectl get']}"))

    assert findings(path) == [("shadowed-rule", "warning", 4)]
