"""Evasion classes under the default policy, from ``tests/data/evasions_redteam.yaml``.

Abbreviated long options, path patterns (braces, globs, shell options, symlinks made
in the same command), builtins that change what later words mean, and option values
that name files or network addresses: each case must be asked or denied, each benign
look-alike allowed. The home holds no files, so a pattern is judged by what it may
match, not by what happens to exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse

DATA = Path(__file__).parent / "data" / "evasions_redteam.yaml"
CASES = yaml.safe_load(DATA.read_text(encoding="utf-8"))


def entries(key: str) -> list[Any]:
    return [pytest.param(e, id=f"{i:03d} {e['cmd'][:60]!r}") for i, e in enumerate(CASES[key])]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:default")


@pytest.fixture
def context(tmp_path: Path) -> Context:
    (tmp_path / "work" / "src").mkdir(parents=True)
    return Context(cwd=str(tmp_path / "work"), home=str(tmp_path / "home"),
                   resolver=SystemResolver("/usr/bin:/bin"))


def judge(policy: Policy, context: Context, command: str) -> Decision:
    return decide(policy, parse(command), context)


def shown(decision: Decision) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    return [(s.text, s.decision, s.rules, s.reason) for s in decision.segments]


def test_every_class_has_cases() -> None:
    classes = {e["class"] for e in CASES["evasions"]}
    assert classes == {"abbreviation", "path-pattern", "shell-state", "file-option"}
    assert len({e["cmd"] for e in CASES["evasions"]}) == len(CASES["evasions"])


@pytest.mark.parametrize("entry", entries("evasions"))
def test_evasion_is_not_allowed(entry: dict[str, Any], policy: Policy, context: Context) -> None:
    decision = judge(policy, context, entry["cmd"])
    expected = ("deny",) if entry.get("expect") == "deny" else ("ask", "deny")
    assert decision.decision in expected, (entry["why"], shown(decision))


@pytest.mark.parametrize("entry", entries("benign"))
def test_benign_look_alike_is_allowed(entry: dict[str, Any], policy: Policy,
                                      context: Context) -> None:
    decision = judge(policy, context, entry["cmd"])
    assert decision.decision == "allow", (entry["why"], shown(decision))


def test_abbreviations_are_a_property_of_the_program(tmp_path: Path) -> None:
    from gatekeep.policy.knowledge import load_knowledge
    from gatekeep.shell.analyze import analyze_argv

    path = tmp_path / "programs.yaml"
    path.write_text("gatekeep-programs: 1\nprograms:\n"
                    "  short: {abbreviations: true, flags: [--force, --follow],"
                    " writes: [--output]}\n"
                    "  exact: {flags: [--force]}\n", encoding="utf-8")
    knowledge = load_knowledge(path)
    names = [o.name for o in analyze_argv(["short", "--forc", "--outp", "f"], knowledge).options]
    assert names == ["--force", "--output"]
    assert analyze_argv(["short", "--outp", "f"], knowledge).writes[0].value == "f"
    # an ambiguous prefix stands for every option it begins
    assert [o.name for o in analyze_argv(["short", "--fo"], knowledge).options] == [
        "--follow", "--force"]
    assert [o.name for o in analyze_argv(["exact", "--forc"], knowledge).options] == ["--forc"]


def test_git_log_takes_no_abbreviations_but_git_push_does(policy: Policy,
                                                         context: Context) -> None:
    # git's revision options must be spelled out (git log --outp is refused by git)
    assert judge(policy, context, "git log --outp=/etc/x").decision == "allow"
    decision = judge(policy, context, "git push --mirr origin")
    assert decision.decision == "deny"
    assert decision.segments[0].rules == ("force-push",)
