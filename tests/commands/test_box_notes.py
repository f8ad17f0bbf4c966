"""What a program goes without in the box is said to the agent (``in_the_box:``).

An allowed `docker ps` cannot reach the engine from the box, and an allowed `ps aux` lists only
the box's own processes, with exit 0: the agent would take the empty list for the machine's.
Program knowledge names what each goes without; a run of it in the box says so after a
failure (``failed``) or after every run (``always``), fresh decision or stored one. The
operator's knowledge alone: the note speaks in gatekeep's name.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_knowledge_default
from gatekeep.sandbox.spec import Spec

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

PROCESSES = "gatekeep: note: ps: the box has its own processes"


def operator_knowledge(sandbox: Sandbox, text: str) -> None:
    path = sandbox.config_home / "gatekeep" / "programs.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("gatekeep-programs: 1\n" + text, encoding="utf-8")


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("gatekeep: note: ")
            and not line.startswith("gatekeep: note: this ran inside")]


@pytest.mark.skipif(shutil.which("ps") is None, reason="needs procps")
def test_ps_in_the_box_says_it_sees_only_the_box(sandbox: Sandbox) -> None:
    for _ in range(2):  # fresh, then from the stored decision
        result = sandbox.gatekeep("run", "-c", "ps -e -o pid= | head -n 1")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["1"]  # the box's pid 1: the machine's are not there
        assert [n.split(",")[0] for n in notes(result.stderr)] == [PROCESSES], result.stderr
    assert len(sandbox.audit()) == 2


def test_a_failed_run_says_what_its_program_went_without(sandbox: Sandbox) -> None:
    operator_knowledge(sandbox, "in_the_box:\n  failed:\n    'false': it went without X\n"
                                "  always:\n    'true': it saw only Y\n")
    for _ in range(2):  # the notes travel with the stored decision
        failed = sandbox.gatekeep("run", "--", "false")
        assert failed.returncode == 1
        assert notes(failed.stderr) == ["gatekeep: note: false: it went without X"]
        assert failed.stderr.startswith(sandbox.BOX_NOTE)
    passed = sandbox.gatekeep("run", "-c", "true && true")
    assert (passed.returncode, passed.stderr) == (0, "gatekeep: note: true: it saw only Y\n")


def test_a_successful_run_says_nothing_of_what_it_would_miss_on_failure(
        sandbox: Sandbox) -> None:
    operator_knowledge(sandbox, "in_the_box:\n  failed:\n    'true': it went without X\n")
    result = sandbox.gatekeep("run", "--", "true")
    assert (result.returncode, result.stderr) == (0, "")


def test_an_unboxed_run_says_nothing(sandbox: Sandbox) -> None:
    operator_knowledge(sandbox, "in_the_box:\n  always:\n    'true': it saw only Y\n")
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nsandbox: off\n")
    result = sandbox.gatekeep("run", "--", "true")
    assert result.returncode == 0
    assert "it saw only Y" not in result.stderr


def test_a_note_is_shown_with_its_control_characters_visible(sandbox: Sandbox) -> None:
    operator_knowledge(sandbox, 'in_the_box:\n  always:\n    "true": "red \\e[31m here"\n')
    result = sandbox.gatekeep("run", "--", "true")
    assert result.returncode == 0
    assert "\x1b" not in result.stderr
    assert notes(result.stderr) == ["gatekeep: note: true: red \\e[31m here"]


def test_check_says_what_the_box_will_say(sandbox: Sandbox) -> None:
    operator_knowledge(sandbox, "in_the_box:\n  failed:\n    'false': it went without X\n"
                                "  always:\n    'true': it saw only Y\n")
    text = sandbox.gatekeep("check", "-c", "true; false").stdout
    assert "  said if it fails: false: it went without X\n" in text
    assert "  said after it: true: it saw only Y\n" in text
    document = json.loads(sandbox.gatekeep("check", "--json", "-c", "true; false").stdout)
    assert document["boundary"]["in_the_box"] == {
        "failed": ["false: it went without X"], "always": ["true: it saw only Y"]}


def test_a_project_policy_cannot_add_notes(sandbox: Sandbox) -> None:
    (sandbox.work / ".gatekeep").mkdir()
    (sandbox.work / ".gatekeep" / "programs.yaml").write_text(
        "gatekeep-programs: 1\nin_the_box:\n  always:\n    'true': planted words\n")
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n")
    (sandbox.work / ".gatekeep.yaml").write_text("gatekeep: 1\nextends: [builtin:default]\n")
    result = sandbox.gatekeep("run", "--", "true")
    assert "planted words" not in result.stderr


def test_the_shipped_knowledge_names_what_the_box_keeps_from_everyday_programs() -> None:
    notes = load_knowledge_default(None).box_notes
    assert {p for p, n in notes.items() if not n.always} >= {
        "docker", "kubectl", "helm", "gh", "tmux", "systemctl"}
    assert {p for p, n in notes.items() if n.always} >= {
        "ps", "pgrep", "top", "lsof", "who", "journalctl"}


@pytest.mark.parametrize(("text", "message"), [
    ("in_the_box:\n  failed:\n    x: one\n  always:\n    x: two\n", "x has a note already"),
    ("in_the_box:\n  sometimes:\n    x: one\n", "sometimes"),
    ("in_the_box:\n  failed:\n    x: ''\n", "non-empty string"),
    ('in_the_box:\n  failed:\n    x: "one\\ntwo"\n', "expected one line"),
])
def test_a_malformed_note_is_a_load_error_with_its_place(tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = tmp_path / "programs.yaml"
    path.write_text("gatekeep-programs: 1\n" + text)
    with pytest.raises(PolicyError, match=message) as raised:
        load_knowledge_default(path)
    assert "programs.yaml:" in str(raised.value)


def test_a_stored_boundary_without_the_notes_is_not_reused() -> None:
    stored = Spec().to_json()
    del stored["notes_always"]
    with pytest.raises(ValueError, match="not a boundary"):
        Spec.from_json(stored)
    with pytest.raises(ValueError, match="non-empty"):
        Spec.from_json({**Spec().to_json(), "notes_failed": [""]})
