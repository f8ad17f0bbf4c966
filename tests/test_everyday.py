"""Everyday agent work under builtin:default: it runs without a question.

``tests/data/everyday.yaml`` holds commands that developers publicly let coding agents run
unattended, each with its source. Every one is judged as ``gatekeep check`` judges it, in a
scratch project that looks like a real one (manifests of several ecosystems, wrapper
scripts such as ``./gradlew``, a git repository, an activated virtual environment). The
floor is 90% allowed (the default reaches 380 of 420), so a change that asks more fails
here. None may be denied, and every ask must give the reason the corpus
expects: a prompt the operator learns to wave through protects nothing.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from gatekeep.core.engine import Decision, decide
from gatekeep.core.inputs import context as check_context
from gatekeep.core.paths import Context
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.runtime.locations import Locations
from gatekeep.shell.parse import parse

CORPUS = Path(__file__).parent / "data" / "everyday.yaml"
ALLOW_RATIO = 0.9
MIN_COMMANDS = 320
AREAS = {"js", "python", "rust", "go", "jvm", "ruby", "c", "containers", "git", "shell"}
SYSTEM_PATH = "/usr/bin:/bin"
WRAPPER = "#!/bin/sh\nexec true\n"


def load_corpus() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return data


def build_project(spec: dict[str, Any], root: Path) -> dict[str, str]:
    """Create the scratch project under ``root``; return the environment an agent has there."""
    work, home = root / "work", root / "home"
    home.mkdir(parents=True)
    for name, text in spec["files"].items():
        _write(work / name, text, 0o644)
    for name in spec["executables"]:
        _write(work / name, WRAPPER, 0o755)
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    venv = work / spec["venv"]
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    for tool in spec["venv_tools"]:
        _write(venv / "bin" / tool, f"#!{venv}/bin/python\nimport sys\n", 0o755)
    return {"HOME": str(home), "PATH": f"{venv}/bin:{SYSTEM_PATH}", "PWD": str(work)}


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def project_context(env: dict[str, str]) -> Context:
    """The context ``gatekeep check`` builds from this environment and working directory."""
    return check_context(env, Path(env["PWD"]), Locations.from_env(env))


def judge(policy: Policy, context: Context, command: str) -> Decision:
    return decide(policy, parse(command), context)


def reasons(decision: Decision) -> set[str]:
    """The rule ids (or hazard names) behind the segments that decided."""
    return {rule for segment in decision.deciding for rule in segment.rules}


def judge_all(policy: Policy, context: Context,
              entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Decision]]:
    return [(entry, judge(policy, context, entry["cmd"])) for entry in entries]


def tally(judged: list[tuple[dict[str, Any], Decision]]) -> Counter[str]:
    return Counter(decision.decision for _, decision in judged)


@pytest.fixture(scope="module")
def corpus() -> dict[str, Any]:
    return load_corpus()


@pytest.fixture(scope="module")
def judged(corpus: dict[str, Any],
           tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict[str, Any], Decision]]:
    env = build_project(corpus["project"], tmp_path_factory.mktemp("everyday"))
    return judge_all(load_policy("builtin:default"), project_context(env), corpus["commands"])


# -- the corpus itself -----------------------------------------------------------------------

def test_corpus_is_large_and_every_entry_names_its_source(corpus: dict[str, Any]) -> None:
    entries = corpus["commands"]
    assert len(entries) >= MIN_COMMANDS
    assert all(isinstance(e.get("source"), str) and e["source"].startswith("github.com/")
               for e in entries)
    assert all(isinstance(e.get("cmd"), str) and e["cmd"].strip() for e in entries)


def test_corpus_has_no_duplicates(corpus: dict[str, Any]) -> None:
    normalised = Counter(" ".join(e["cmd"].split()) for e in corpus["commands"])
    assert [cmd for cmd, count in normalised.items() if count > 1] == []


def test_corpus_expects_only_allow_or_ask_and_mostly_allow(corpus: dict[str, Any]) -> None:
    entries = corpus["commands"]
    expected = Counter(e["expect"] for e in entries)
    assert set(expected) == {"allow", "ask"}
    assert expected["allow"] / len(entries) >= ALLOW_RATIO
    assert all((e["expect"] == "ask") == bool(e["category"]) for e in entries)


def test_corpus_spreads_over_the_ecosystems(corpus: dict[str, Any]) -> None:
    areas = Counter(e["area"] for e in corpus["commands"])
    assert set(areas) >= AREAS
    assert min(areas[area] for area in AREAS) >= 10, areas


def test_scratch_project_is_what_check_sees(corpus: dict[str, Any], tmp_path: Path) -> None:
    env = build_project(corpus["project"], tmp_path)
    context = project_context(env)
    assert context.cwd == env["PWD"]
    assert context.resolver.which("pytest") == f"{env['PWD']}/.venv/bin/pytest"
    assert (Path(env["PWD"]) / "gradlew").stat().st_mode & 0o111


# -- judged under the default policy ---------------------------------------------------------

def test_everyday_commands_are_mostly_allowed_and_never_denied(
        judged: list[tuple[dict[str, Any], Decision]]) -> None:
    counts = tally(judged)
    not_allowed = [(e["cmd"], d.decision, sorted(reasons(d)))
                   for e, d in judged if d.decision != "allow"]
    summary = (f"allowed {counts['allow']}, asked {counts['ask']}, denied {counts['deny']} "
               f"of {len(judged)}")
    assert counts["deny"] == 0, f"{summary}; not allowed: {not_allowed}"
    assert counts["allow"] / len(judged) >= ALLOW_RATIO, f"{summary}; not allowed: {not_allowed}"


def test_every_ask_gives_the_expected_reason(
        judged: list[tuple[dict[str, Any], Decision]]) -> None:
    wrong = [(e["cmd"], e["expect"], e["category"], d.decision, sorted(reasons(d)))
             for e, d in judged
             if e["expect"] == "ask" and (d.decision != "ask" or e["category"] not in reasons(d))]
    assert wrong == []


def test_no_expected_ask_is_allowed(judged: list[tuple[dict[str, Any], Decision]]) -> None:
    allowed = [e["cmd"] for e, d in judged if e["expect"] == "ask" and d.decision == "allow"]
    assert allowed == []


EFFECTS_SHARE = 0.7  # of the asked parts, those whose reason is what their effects say


def test_asked_parts_are_explained_by_their_effects(
        judged: list[tuple[dict[str, Any], Decision]]) -> None:
    """Where program knowledge describes an asked part, its reason is the effects' line;
    a rule's own words, shown where nothing does, claim nothing an effect must back."""
    from gatekeep.lint.claims import unbacked

    asked = [s for _, decision in judged for s in decision.segments if s.decision != "allow"]
    assert all(s.reason_from != "rule" or s.does is None for s in asked)
    assert [s.text for s in asked if unbacked(s) is not None] == []
    share = sum(s.reason_from == "effects" for s in asked) / len(asked)
    assert share >= EFFECTS_SHARE, share
