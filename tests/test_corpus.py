"""The corpus under builtin:default: evasions are never allowed, benign commands are.

``tests/data/corpus/evasions.yaml`` and ``benign.yaml`` are the project's copy of the
corpus (each entry names its source); ``tests/data/evasions_extra.yaml`` adds gatekeep's
own evasion cases. A missing or empty corpus file fails the run: it is never skipped.
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

REPOSITORY = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "data" / "corpus"
EVASIONS = CORPUS / "evasions.yaml"
BENIGN = CORPUS / "benign.yaml"
EXTRA = Path(__file__).parent / "data" / "evasions_extra.yaml"
PATH = "/usr/bin:/bin"
BENIGN_ALLOW_RATIO = 0.9

# What a developer's home holds, so globs such as ~/.ssh/* expand to real secrets.
HOME_FILES = (".ssh/id_rsa", ".ssh/id_ed25519", ".ssh/authorized_keys", ".ssh/config",
              ".aws/credentials", ".netrc", ".git-credentials", ".kube/config", ".bashrc",
              ".profile", ".gitconfig", ".docker/config.json")


def load_entries(path: Path, key: str) -> list[Any]:
    """The entries under ``key``, each as a param; a missing file becomes one failing param."""
    if not path.is_file():
        return [pytest.param({"missing": str(path)}, id=f"MISSING {path.name}")]
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))[key]
    return [pytest.param(entry, id=entry_id(index, entry["cmd"]))
            for index, entry in enumerate(entries)]


def entry_id(index: int, command: str) -> str:
    shown = command.encode("unicode_escape").decode("ascii")
    return f"{index:03d} {shown[:70]}"


def require(entry: dict[str, Any]) -> str:
    """The entry's command; fail when the corpus file was missing."""
    assert "missing" not in entry, f"corpus file not found: {entry.get('missing')}"
    return str(entry["cmd"])


EVASION_ENTRIES = load_entries(EVASIONS, "evasions")
BENIGN_ENTRIES = load_entries(BENIGN, "benign")
EXTRA_ENTRIES = load_entries(EXTRA, "evasions")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:default")


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Context:
    work = tmp_path_factory.mktemp("work")
    home = tmp_path_factory.mktemp("home")
    for name in HOME_FILES:
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text("secret\n", encoding="utf-8")
    for name in ("README.md", "payload.txt", "src/main.py"):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text("text\n", encoding="utf-8")
    return Context(cwd=str(work), home=str(home), resolver=SystemResolver(PATH))


def judge(policy: Policy, context: Context, command: str) -> Decision:
    return decide(policy, parse(command), context)


def explain(decision: Decision) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.text, s.decision, s.rules) for s in decision.segments]


# -- the corpus files ------------------------------------------------------------------

@pytest.mark.parametrize("path", [EVASIONS, BENIGN, EXTRA], ids=lambda p: p.name)
def test_corpus_file_exists_and_has_entries(path: Path) -> None:
    assert path.is_file(), f"corpus file not found: {path}"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = next(iter(data.values()))
    assert len(entries) >= 25
    assert all(isinstance(e.get("cmd"), str) and e["cmd"] and e.get("why") for e in entries)


def test_corpus_files_are_inside_the_repository() -> None:
    for path in (EVASIONS, BENIGN, EXTRA):
        assert path.resolve().is_relative_to(REPOSITORY), path


def test_every_sample_names_its_source() -> None:
    for path, key in ((EVASIONS, "evasions"), (BENIGN, "benign")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))[key]
        assert all(isinstance(e.get("source"), str) and e["source"] for e in entries), path


def test_shared_evasions_have_core_entries() -> None:
    assert EVASIONS.is_file(), f"corpus file not found: {EVASIONS}"
    entries = yaml.safe_load(EVASIONS.read_text(encoding="utf-8"))["evasions"]
    tiers = [e.get("tier") for e in entries]
    assert set(tiers) <= {"core", "hard"}
    assert tiers.count("core") >= 100


# -- evasions: never allowed --------------------------------------------------------------

@pytest.mark.parametrize("entry", EVASION_ENTRIES)
def test_shared_evasion_is_not_allowed(entry: dict[str, Any], policy: Policy,
                                       context: Context) -> None:
    command = require(entry)
    decision = judge(policy, context, command)
    assert decision.decision in ("ask", "deny"), (entry["why"], explain(decision))


@pytest.mark.parametrize("entry", EXTRA_ENTRIES)
def test_extra_evasion_is_not_allowed(entry: dict[str, Any], policy: Policy,
                                      context: Context) -> None:
    command = require(entry)
    expected = ("deny",) if entry.get("expect") == "deny" else ("ask", "deny")
    decision = judge(policy, context, command)
    assert decision.decision in expected, (entry["why"], explain(decision))


def test_extra_evasions_cover_every_class() -> None:
    entries = yaml.safe_load(EXTRA.read_text(encoding="utf-8"))["evasions"]
    assert {e["class"] for e in entries} == {
        "chaining", "wrapper", "quoting", "protected-write", "protected-read", "exfiltration",
        "code-option", "arithmetic", "environment",
    }
    assert len({e["cmd"] for e in entries}) == len(entries)  # no duplicates
    assert {e.get("expect", "ask-or-deny") for e in entries} == {"deny", "ask-or-deny"}


# -- benign: allowed -------------------------------------------------------------------------

@pytest.mark.parametrize("entry", BENIGN_ENTRIES)
def test_benign_command_is_not_denied(entry: dict[str, Any], policy: Policy,
                                      context: Context) -> None:
    decision = judge(policy, context, require(entry))
    assert decision.decision != "deny", (entry["why"], explain(decision))


def test_benign_commands_are_mostly_allowed(policy: Policy, context: Context) -> None:
    assert BENIGN.is_file(), f"corpus file not found: {BENIGN}"
    entries = yaml.safe_load(BENIGN.read_text(encoding="utf-8"))["benign"]
    decisions = {e["cmd"]: judge(policy, context, e["cmd"]).decision for e in entries}
    offenders = {cmd: d for cmd, d in decisions.items() if d != "allow"}
    denied = {cmd: d for cmd, d in offenders.items() if d == "deny"}
    ratio = (len(decisions) - len(offenders)) / len(decisions)
    assert not denied, f"benign commands denied: {denied}"
    assert ratio >= BENIGN_ALLOW_RATIO, (
        f"only {ratio:.0%} of benign commands allowed (need {BENIGN_ALLOW_RATIO:.0%}); "
        f"not allowed: {offenders}")
