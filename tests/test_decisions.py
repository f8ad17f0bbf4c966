"""The decision store (gatekeep.runtime.decision_cache) on fuzzed files: never an allow, never
a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatekeep.policy import select
from gatekeep.runtime import decision_cache as decisions
from gatekeep.runtime import sealed

CI = settings(max_examples=50, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=5_000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SOURCES = [("builtin:default", "operator")]
PATH = "/usr/bin:/bin"


class Store:
    def __init__(self, root: Path) -> None:
        self.state = str(root / "state")
        self.config = str(root / "config")
        policy = select.load_cached("builtin:default", root / "state" / "cache")
        vouch = select.vouched(policy)
        assert vouch is not None
        self.vouch = vouch
        self.required = decisions.required_files(SOURCES, self.config)

    def key(self, command: str) -> str:
        return decisions.key(command=command, argv=None, cwd="/w", home="/h", path=PATH,
                             tmpdir="", dirs=(self.config, self.state), sources=SOURCES)

    def lookup(self, command: str) -> str | None:
        return decisions.lookup(self.state, self.key(command), PATH, self.required)

    def plant(self, command: str, data: bytes) -> None:
        path = Path(self.state, "cache", decisions._name(self.key(command)))
        path.write_bytes(data)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    found = Store(tmp_path_factory.mktemp("decisions"))
    decisions.store(found.state, found.key("ls"), found.vouch.inputs, found.vouch.code, [],
                    '{"command": "ls"')
    return found


def test_control_a_stored_decision_is_found(store):
    assert store.lookup("ls") == '{"command": "ls"'
    assert store.lookup("rm -rf ~") is None


def test_a_decision_is_only_valid_for_the_files_it_names(store, tmp_path):
    """A directly named policy that the entry does not cover is a miss, whatever the entry says."""
    required = [*store.required, str(tmp_path / "project.yaml")]
    assert decisions.lookup(store.state, store.key("ls"), PATH, required) is None


ENTRY_PARTS = st.text(st.characters(codec="utf-8"), max_size=20)
ENTRIES = st.builds(
    decisions.Entry, fields=ENTRY_PARTS, code=ENTRY_PARTS,
    files=st.dictionaries(ENTRY_PARTS, ENTRY_PARTS, max_size=3),
    answers=st.lists(st.tuples(st.sampled_from(["which", "realpath", "x"]), ENTRY_PARTS,
                               st.none() | ENTRY_PARTS), max_size=3))


def check_never_allowed(store: Store, data: bytes) -> None:
    store.plant("rm -rf ~", data)
    assert store.lookup("rm -rf ~") is None


@CI
@given(data=st.binary(max_size=400))
def test_fuzzed_bytes_never_allow(store, data):
    check_never_allowed(store, data)


@CI
@given(entry=ENTRIES, key=st.binary(min_size=32, max_size=32))
def test_fuzzed_entries_under_another_key_never_allow(store, entry, key):
    body = decisions.encode(entry)
    if body is not None:
        check_never_allowed(store, sealed.seal(key, store.key("rm -rf ~"), body))


@CI
@given(entry=ENTRIES)
def test_fuzzed_entries_sealed_right_but_naming_wrong_digests_never_allow(store, entry):
    """Even under the real key: the files and code it names must hold, and they do not."""
    body = decisions.encode(entry)
    if body is not None:
        secret = sealed.key(store.state)
        assert secret is not None
        check_never_allowed(store, sealed.seal(secret, store.key("rm -rf ~"), body))


@CI
@given(body=st.binary(max_size=400))
def test_decode_never_raises(body):
    entry = decisions.decode(body)
    assert entry is None or isinstance(entry, decisions.Entry)


@pytest.mark.slow
@SLOW
@given(data=st.binary(max_size=2_000), entry=ENTRIES)
def test_fuzzed_entries_never_allow_long(store, data, entry):
    check_never_allowed(store, data)
    body = decisions.encode(entry)
    if body is not None:
        check_never_allowed(store, sealed.seal(os.urandom(32), store.key("rm -rf ~"), body))
        assert decisions.decode(body) is not None


@CI
@given(entry=ENTRIES)
def test_entries_read_back_as_written(entry):
    body = decisions.encode(entry)
    if body is not None:
        back = decisions.decode(body)
        assert back is not None
        assert (back.fields, back.code, back.files, back.answers) == \
            (entry.fields, entry.code, entry.files, entry.answers)
