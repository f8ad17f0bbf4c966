"""A cached policy's program knowledge is decoded entry by entry when first looked up
(gatekeep.policy.plain): the same values as the compiled policy's, and an entry that turns
out malformed is an error that spoils the cache entry, never a program taken as unknown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from fakes import Resolver

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context
from gatekeep.policy import plain, select
from gatekeep.policy.load import load_knowledge_default, load_policy
from gatekeep.policy.refs import resolve_reference
from gatekeep.runtime import sealed
from gatekeep.shell.parse import parse

COMPILED = load_policy("builtin:default", load_knowledge_default())
FRESH = COMPILED._replace(name="compiled afresh")
CONTEXT = (f"{select.FORMAT}\0{select.__version__}\0builtin:default\0"
           f"{resolve_reference('builtin:default')}\0")
Change = Callable[[dict[str, dict[str, object]]], object]


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    cache = tmp_path / "state" / "cache"
    select.load_cached("builtin:default", cache)
    return cache


def planted(cache: Path, change: Change) -> Path:
    """The cache's entry, its knowledge changed by ``change`` and sealed with the real key."""
    [entry] = cache.glob("p-*")
    secret = sealed.key(str(cache.parent))
    assert secret is not None
    body = sealed.unseal(secret, CONTEXT, entry.read_bytes())
    assert body is not None
    data = json.loads(body)
    change(data["policy"]["knowledge"])
    entry.write_bytes(sealed.seal(secret, CONTEXT, json.dumps(data).encode()))
    return entry


def load(cache: Path, monkeypatch: pytest.MonkeyPatch) -> select.Policy:
    """The cached policy, or FRESH if the entry was a miss and the policy compiled."""
    monkeypatch.setattr(select, "_compile", lambda reference, programs: (FRESH, None))
    return select.load_cached("builtin:default", cache)


def test_the_entries_decoded_on_look_up_are_the_compiled_ones(cache, monkeypatch):
    reused = load(cache, monkeypatch)
    assert reused is not FRESH
    assert isinstance(reused.knowledge.programs, plain.Lazy)
    assert isinstance(reused.knowledge.effects, plain.Lazy)
    for name in ("git", "find", "ls", "xargs"):
        assert reused.knowledge.spec(name) == COMPILED.knowledge.spec(name)
        assert reused.knowledge.effects.get(name) == COMPILED.knowledge.effects.get(name)
    assert reused.knowledge.programs.get("no-such-program") is None  # unknown stays unknown
    assert "no-such-program" not in reused.knowledge.programs
    assert reused.knowledge == COMPILED.knowledge


DATA = Path(__file__).resolve().parent.parent / "data"


def corpus() -> list[str]:
    found = []
    for name, key in (("corpus/evasions.yaml", "evasions"), ("corpus/benign.yaml", "benign"),
                      ("evasions_redteam.yaml", "evasions"), ("attack_classes.yaml", "attacks")):
        found += [e["cmd"] for e in yaml.safe_load((DATA / name).read_text("utf-8"))[key]]
    return found


def test_a_policy_read_back_decides_every_corpus_command_as_the_compiled_one(cache, monkeypatch):
    reused = load(cache, monkeypatch)
    assert isinstance(reused.knowledge.programs, plain.Lazy)
    context = Context(cwd="/work", home="/home/u", resolver=Resolver())
    commands = corpus()
    assert len(commands) > 400
    for command in commands:
        parsed = parse(command)
        assert decide(reused, parsed, context) == decide(COMPILED, parsed, context), command


MALFORMED: dict[str, Change] = {
    "a wrong-typed field": lambda k: k["programs"]["find"].update(runs_code=1),
    "an unknown field": lambda k: k["programs"]["find"].update(runs_everything=True),
    "a missing field": lambda k: k["programs"]["find"].pop("name"),
    "a subcommand's field": lambda k: k["programs"]["find"].update(
        subcommands={"x": {"name": 1}}),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_program_entry_is_an_error_and_the_next_load_compiles(
        cache, monkeypatch, change):
    planted(cache, change)
    reused = load(cache, monkeypatch)
    assert reused is not FRESH  # the entry is decoded only when it is looked up
    assert reused.knowledge.spec("git") == COMPILED.knowledge.spec("git")
    for look_up in (lambda: reused.knowledge.spec("find"),
                    lambda: reused.knowledge.programs.get("find"),
                    lambda: reused.knowledge.programs["find"]):
        with pytest.raises(plain.CacheError, match="'find' is malformed"):
            look_up()  # never None, never a default spec: the program is known
    assert load(cache, monkeypatch) is FRESH


def test_a_malformed_effects_entry_is_an_error_and_the_next_load_compiles(cache, monkeypatch):
    name = next(iter(COMPILED.knowledge.effects))
    planted(cache, lambda k: k["effects"][name].update(every="network"))
    reused = load(cache, monkeypatch)
    with pytest.raises(plain.CacheError):
        reused.knowledge.effects.get(name)
    assert load(cache, monkeypatch) is FRESH


def test_a_spoiled_entry_that_cannot_be_replaced_keeps_failing(cache, monkeypatch):
    """Refused again, never a program taken as unknown, when the entry cannot be emptied."""
    planted(cache, MALFORMED["a wrong-typed field"])

    def unwritable(*args: object) -> None:
        raise OSError("read-only")

    monkeypatch.setattr(sealed, "write", unwritable)
    for _ in range(2):
        with pytest.raises(plain.CacheError):
            load(cache, monkeypatch).knowledge.spec("find")


@pytest.mark.parametrize("change", [
    lambda k: k.update(programs=[]),
    lambda k: k["programs"].update(find=1),
    lambda k: k["programs"].update(find=None),
    lambda k: k.update(effects={"git": ["network"]}),
    lambda k: k.update(effects="network"),
])
def test_a_malformed_table_is_a_miss_when_the_policy_is_read(cache, monkeypatch, change):
    planted(cache, change)
    assert load(cache, monkeypatch) is FRESH
