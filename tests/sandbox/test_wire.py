"""The spec's JSON without the json module, and the fast path staying free of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatekeep.sandbox import wire
from gatekeep.sandbox.plan import spec_from_fields, with_spec
from gatekeep.sandbox.spec import Limits, Spec

VALUES = st.recursive(
    st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@given(VALUES)
def test_what_it_writes_is_json_and_reads_back(value: object) -> None:
    text = wire.dumps(value)
    assert json.loads(text) == value
    assert wire.loads(text) == value
    assert wire.loads(json.dumps(value)) == value


@pytest.mark.parametrize("text", ["{", "[1,", '"open', "null", "[1] 2", '{"a" 1}', '"\\x"',
                                  "{1: 2}", ""])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        wire.loads(text)


def test_the_spec_is_the_last_audit_field_even_when_the_command_names_it() -> None:
    spec = Spec(writable=("~/.npm",), limits=Limits(timeout=5))
    fields = json.dumps({"command": 'echo ", "boundary": {}'})[:-1]
    stored = with_spec(fields, spec)
    assert spec_from_fields(stored) == spec
    assert json.loads(stored + "}")["boundary"]["limits"]["timeout"] == 5
    with pytest.raises(ValueError):
        spec_from_fields(fields)


def test_a_reused_decision_runs_without_importing_json_or_typing(tmp_path: Path) -> None:
    work = tmp_path / "work"  # a project's directory, not the home itself
    work.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    gatekeep = str(Path(sys.executable).parent / "gatekeep")
    subprocess.run([gatekeep, "run", "--", "true"], env=env, cwd=work, check=True)
    probe = ("import sys\nfrom gatekeep.runtime import fastpath\n"
             "status = fastpath.run(None, ('true',), None)\n"
             "print(status, sorted(m for m in ('json', 'typing') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", probe], env=env, cwd=work,
                            capture_output=True, text=True, check=True)
    assert result.stdout == "0 []\n", result.stderr
