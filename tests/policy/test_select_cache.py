"""The compiled-policy cache (gatekeep.policy.select): plain sealed data that never outlives
the content it was compiled from, even when a file changes during the compile."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatekeep.policy import load, plain, select
from gatekeep.policy.load import load_knowledge_default, load_policy
from gatekeep.policy.refs import resolve_reference
from gatekeep.runtime import decision_cache as decisions
from gatekeep.runtime import sealed

CI = settings(max_examples=50, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=2_000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

ALLOW = "gatekeep: 1\nrules:\n  - id: a\n    allow: [touch]\n"
DENY_ = "gatekeep: 1\nrules:\n  - id: a\n    deny:  [touch]\n"  # same size as ALLOW


def decisions_of(policy: select.Policy) -> set[str]:
    return {rule.decision for rule in policy.rules}


def edit_during(monkeypatch: pytest.MonkeyPatch, name: str, edit: Callable[[], None]) -> None:
    """Make ``gatekeep.policy.load.NAME`` run ``edit`` right after it has read its files."""
    real = getattr(load, name)

    def hooked(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)
        edit()
        return result

    monkeypatch.setattr(load, name, hooked)


def same_size_same_mtime(path: Path, text: str) -> Callable[[], None]:
    def edit() -> None:
        info = path.stat()
        assert len(text.encode()) == info.st_size
        path.write_text(text)
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    return edit


def test_a_policy_edit_landing_during_the_compile_is_seen_next_time(tmp_path, monkeypatch):
    policy = tmp_path / "policy.yaml"
    policy.write_text(ALLOW)
    cache = tmp_path / "state" / "cache"
    edit_during(monkeypatch, "load_policy", same_size_same_mtime(policy, DENY_))

    first = select.load_cached(str(policy), cache)
    monkeypatch.undo()
    second = select.load_cached(str(policy), cache)

    assert decisions_of(first) == {"allow"}  # compiled before the edit
    assert select.vouched(first) is None  # so no decision made with it is stored
    assert decisions_of(second) == {"deny"}


def test_a_knowledge_edit_landing_during_the_compile_is_seen_next_time(tmp_path, monkeypatch):
    programs = tmp_path / "programs.yaml"
    before = "gatekeep-programs: 1\nprograms:\n  tool: {value_options: [-a]}\n"
    after_ = "gatekeep-programs: 1\nprograms:\n  tool: {value_options: [-b]}\n"
    programs.write_text(before)
    cache = tmp_path / "state" / "cache"
    edit_during(monkeypatch, "load_knowledge_default", same_size_same_mtime(programs, after_))

    first = select.load_cached("builtin:default", cache, str(programs))
    monkeypatch.undo()
    second = select.load_cached("builtin:default", cache, str(programs))

    assert first.knowledge.programs["tool"].value_options == frozenset({"-a"})
    assert select.vouched(first) is None
    assert second.knowledge.programs["tool"].value_options == frozenset({"-b"})


def test_an_edit_after_caching_is_seen_at_the_same_size_and_mtime(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(ALLOW)
    cache = tmp_path / "state" / "cache"
    assert decisions_of(select.load_cached(str(policy), cache)) == {"allow"}
    assert select.vouched(select.load_cached(str(policy), cache)) is not None  # a cache hit

    same_size_same_mtime(policy, DENY_)()

    assert decisions_of(select.load_cached(str(policy), cache)) == {"deny"}


def test_the_cached_policy_is_the_compiled_one(tmp_path):
    cache = tmp_path / "state" / "cache"
    compiled = load_policy("builtin:default", load_knowledge_default())
    select.load_cached("builtin:default", cache)
    [entry] = cache.glob("p-*")
    reused = select.load_cached("builtin:default", cache)
    assert reused == compiled
    vouch = select.vouched(reused)
    assert vouch is not None
    assert [file for file, _ in vouch.inputs] == [*compiled.files, *compiled.knowledge.files]
    assert entry.stat().st_mode & 0o777 == 0o600


def test_the_fast_path_names_policy_files_as_the_loader_does(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for reference in ("builtin:default", "/etc//gatekeep/./p.yaml", "rel/./p.yaml", "./p.yaml",
                      "~/p.yaml", "//srv/p.yaml", "a/"):
        assert decisions.source_file(reference) == str(resolve_reference(reference))
    assert decisions.builtin_dir() == str(load.builtin_dir())


@pytest.mark.parametrize("change", [
    lambda d: d["policy"]["rules"][0].update(decision=1),
    lambda d: d["policy"]["rules"][0].update(extra="field"),
    lambda d: d["policy"].update(default=None),
    lambda d: d["policy"]["protect_write"].append({"text": ["**"]}),
    lambda d: d["policy"]["protect_write"].append({"text": "**"}),  # a Glob is its text
    lambda d: d["policy"]["protect_write"].append(["**"]),
    lambda d: d["policy"]["rules"][0]["patterns"][0].update(program=7),
    lambda d: d["policy"]["knowledge"].update(programs=[]),
    lambda d: d["policy"].pop("rules"),
])
def test_a_wrong_typed_policy_does_not_decode(change):
    data = json.loads(json.dumps(plain.encode(load_policy("builtin:default"))))
    change({"policy": data})
    with pytest.raises(ValueError):
        plain.decode_policy(data)


def with_args(data: dict[str, list[dict[str, list[dict[str, object]]]]]) -> dict[str, object]:
    """The first stored pattern with words after its program (a tuple of globs)."""
    return next(p for rule in data["rules"] for p in rule["patterns"] if "args" in p)


def first_example(data: dict[str, list[dict[str, list[dict[str, object]]]]]) -> dict[str, object]:
    return next(rule["tests"][0] for rule in data["rules"] if rule.get("tests"))


@pytest.mark.parametrize("change", [
    lambda d: with_args(d)["args"].append(1),  # a tuple of globs: each item a string
    lambda d: with_args(d)["args"].append(None),
    lambda d: with_args(d)["args"].append(True),
    lambda d: with_args(d)["args"].append(["x"]),
    lambda d: with_args(d).update(args="x"),  # one string is no list of them
    lambda d: with_args(d).update(args={"0": "x"}),
    lambda d: with_args(d).update(program=["x"]),
    lambda d: first_example(d).update(line=True),  # a bool is no int
    lambda d: first_example(d).update(line=1.0),
    lambda d: first_example(d).update(cwd=1),
    lambda d: first_example(d).pop("cmd"),  # a field without a default must be there
    lambda d: first_example(d).update(extra=None),
    lambda d: d["rules"][0]["tests"].append(["ls", "allow"]),  # a record is an object
    lambda d: d["limits"].update(cpu=True),
    lambda d: d["limits"].update(cpu="1"),
    lambda d: d["limits"].update(extra=1.0),
])
def test_a_wrong_typed_record_or_glob_list_does_not_decode(change):
    """The records built in field order and the tuples of globs checked in one pass refuse
    what a field-by-field decoding refuses."""
    data = json.loads(json.dumps(plain.encode(load_policy("builtin:default"))))
    change(data)
    with pytest.raises(ValueError):
        plain.decode_policy(data)


# -- planted and fuzzed entries: the policy is always the compiled one ---------------------

COMPILED = load_policy("builtin:default", load_knowledge_default())
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=20)


def entry_like(warm: tuple[Path, Path, bytes], value: object,
               mutate: dict[str, object]) -> dict[str, object]:
    """A real entry (its files all still hold) with a fuzzed policy and fuzzed other parts."""
    real = json.loads(REAL[warm[1]])
    return {**real, "policy": value, **mutate}


REAL: dict[Path, bytes] = {}  # the real entry's body, per warm cache


CONTEXT = (f"{select.FORMAT}\0{select.__version__}\0builtin:default\0"
           f"{resolve_reference('builtin:default')}\0")


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    """A cache dir holding the built-in policy's entry, the entry, and the sealing key."""
    cache = tmp_path_factory.mktemp("warm") / "state" / "cache"
    select.load_cached("builtin:default", cache)
    [entry] = cache.glob("p-*")
    secret = sealed.key(str(cache.parent))
    assert secret is not None
    REAL[entry] = entry.read_bytes().partition(b"\n")[2]
    return cache, entry, secret


def plant_and_load(warm: tuple[Path, Path, bytes], data: bytes, seal: bool) -> object:
    """Plant ``data`` as the entry and load: the cached policy, or FRESH if it compiled."""
    cache, entry, secret = warm
    entry.write_bytes(sealed.seal(secret, CONTEXT, data) if seal else data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(select, "_compile", lambda reference, programs: (FRESH, None))
        return select.load_cached("builtin:default", cache)


FRESH = COMPILED._replace(name="compiled afresh")
MUTATE = st.dictionaries(st.sampled_from(["inputs", "code", "format"]), JSON, max_size=1)


@CI
@given(data=st.binary(max_size=300))
def test_planted_bytes_are_never_used(warm, data):
    assert plant_and_load(warm, data, seal=False) is FRESH


@CI
@given(value=JSON, mutate=MUTATE)
def test_sealed_fuzzed_json_is_never_used(warm, value, mutate):
    """Even with the right MAC (as if the key leaked), junk is a miss, never a policy."""
    data = json.dumps(entry_like(warm, value, mutate)).encode()
    assert plant_and_load(warm, data, seal=True) is FRESH


@pytest.mark.slow
@SLOW
@given(value=JSON, mutate=MUTATE)
def test_sealed_fuzzed_json_is_never_used_long(warm, value, mutate):
    data = json.dumps(entry_like(warm, value, mutate)).encode()
    assert plant_and_load(warm, data, seal=True) is FRESH


def test_control_a_sealed_entry_whose_files_hold_is_used(warm):
    """The fuzz tests above can fail: a sealed entry that checks out *is* what is loaded."""
    cache, entry, _ = warm
    select.load_cached("builtin:default", cache)  # a real entry again
    data = json.loads(entry.read_bytes().partition(b"\n")[2])
    data["policy"]["default"] = "deny"
    changed = plant_and_load(warm, json.dumps(data).encode(), seal=True)
    assert isinstance(changed, select.Policy)
    assert changed.default == "deny" != COMPILED.default


DEEP = b"[" * 100_000 + b"]" * 100_000  # deeper than the JSON decoder's recursion


def test_a_sealed_entry_too_deep_for_json_is_a_miss(warm):
    """Junk that makes the decoder raise RecursionError, not ValueError, is junk too."""
    assert plant_and_load(warm, DEEP, seal=True) is FRESH


def test_a_planted_entry_too_deep_for_json_is_not_decoded_ahead(warm):
    cache = warm[0]
    planted = cache / "p-planted"
    planted.write_bytes(b"not a seal\n" + DEEP)
    try:
        select.preload(str(cache.parent))
    finally:
        planted.unlink()
    assert (str(cache.parent), "p-planted") not in select._PRELOADED


def test_a_process_that_loads_policies_again_and_again_keeps_only_the_newest(tmp_path):
    """Each load vouches for what it decoded; a process judging many commands in one place
    kept every policy it ever loaded. An evicted policy is no longer vouched for, so a
    decision made with it is not stored (``commands.run``): never reused unchecked."""
    cache = tmp_path / "state" / "cache"
    loaded = [select.load_cached("builtin:default", cache)
              for _ in range(select.VOUCHED_LIMIT + 6)]

    assert len(select._VOUCHED) <= select.VOUCHED_LIMIT
    assert select.vouched(loaded[-1]) is not None
    assert select.vouched(loaded[0]) is None
