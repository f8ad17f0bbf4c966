"""The approvals store: locked read-modify-write, strict types, plain data only."""

from __future__ import annotations

import functools
import json
import multiprocessing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.approval import store as approvals
from gatekeep.approval.store import Shape
from gatekeep.policy.model import Policy

SHAPE = Shape(("rm", "-r", "build"), "/usr/bin/rm")


def _add_many(config: str, count: int) -> None:
    for _ in range(count):
        approvals.add(config, approvals.new(SHAPE, ["recursive-delete"], "/w", "rm -r build", 0))


def test_concurrent_adds_lose_nothing(tmp_path: Path) -> None:
    """Without the lock, writers that read the same file overwrite each other's additions."""
    config = str(tmp_path / "gatekeep")
    workers = [multiprocessing.Process(target=_add_many, args=(config, 15)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * 6
    assert len(approvals.load(config)) == 90


def test_the_file_is_private(tmp_path: Path) -> None:
    config = tmp_path / "gatekeep"
    _add_many(str(config), 1)
    assert (config / approvals.FILE_NAME).stat().st_mode & 0o777 == 0o600


def test_a_saved_approval_round_trips(tmp_path: Path) -> None:
    config = str(tmp_path)
    approval = approvals.new(SHAPE._replace(assignments=("X=1",), redirects=("> out",)),
                             ["default", "hazard:script-file"], "/w", "X=1 rm -r build > out", 5)
    approvals.add(config, approval)
    assert approvals.load(config) == [approval]


@pytest.mark.parametrize("change", [
    {"program": 1}, {"argv": "rm -r build"}, {"argv": ["rm", None]}, {"lifts": "default"},
    {"wrapper": []}, {"expires": "tomorrow"}, {"expires": True}, {"scope": "/w\0x"},
    {"expires": float("nan")}, {"expires": float("inf")}, {"created": float("-inf")},
    {"scope": ""}, {"scope": "/"}, {"scope": "relative/dir"}, {"scope": "/w/../x"},
    {"files": "s.py"},
])
def test_a_record_of_the_wrong_type_is_an_error_never_an_approval(tmp_path: Path,
                                                                 change: dict[str, object]
                                                                 ) -> None:
    record = approvals._document([approvals.new(SHAPE, ["default"], "/w", "c", 0)])
    record["approvals"][0].update(change)  # type: ignore[index]
    (tmp_path / approvals.FILE_NAME).write_text(json.dumps(record))
    with pytest.raises(ValueError):
        approvals.load(str(tmp_path))


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                    max_leaves=30))
def test_fuzzed_files_load_as_an_error_or_as_well_typed_approvals(
        tmp_path_factory: pytest.TempPathFactory, document: object) -> None:
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / approvals.FILE_NAME).write_text(json.dumps(document))
    try:
        loaded = approvals.load(str(directory))
    except (ValueError, KeyError, TypeError):
        return
    for approval in loaded:
        assert isinstance(approval.scope, str) and isinstance(approval.expires, float)
        assert approval.shape is None or isinstance(approval.shape.program, str)


def test_the_scope_is_never_the_home_directory_or_the_root(tmp_path: Path) -> None:
    """A dotfiles repository at ~ would make one approval cover every project."""
    from gatekeep.approval.view import working_tree

    home = tmp_path / "home"
    project = home / "project"
    project.mkdir(parents=True)
    (home / ".git").mkdir()
    assert working_tree(str(project), str(home)) == str(project)
    (project / ".git").mkdir()
    assert working_tree(str(project / "src"), str(home)) == str(project)


# -- fuzzed approvals never allow more than the one approved invocation -----------------------

def _judge(work: Path, saved: list[approvals.Approval], command: str = "rm -r build") -> str:
    import os

    from gatekeep.core.engine import decide
    from gatekeep.core.paths import Context, SystemResolver
    from gatekeep.shell.parse import parse

    context = Context(cwd=str(work), home=str(work.parent), approvals=tuple(saved),
                      resolver=SystemResolver(os.environ.get("PATH", "/usr/bin:/bin")))
    return decide(_default(), parse(command), context).decision


@functools.cache
def _default() -> Policy:
    from gatekeep.policy.load import load_policy

    return load_policy("builtin:default")

_FIELDS = ("argv", "program", "assignments", "redirects", "wrapper", "files", "lifts", "scope")


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(_FIELDS),
       text=st.text(alphabet="abr-/ .=x", min_size=0, max_size=12))
def test_an_approval_changed_in_any_field_never_allows(tmp_path_factory: pytest.TempPathFactory,
                                                        field: str, text: str) -> None:
    work = tmp_path_factory.mktemp("fuzz") / "work"
    (work / "build").mkdir(parents=True)
    assert _judge(work, []) == "ask"
    import os
    import shutil

    exact = approvals.new(Shape(("rm", "-r", "build"),
                                os.path.realpath(shutil.which("rm") or "/bin/rm"),
                                files=(f"{work}/build=dir",)),  # the directory it names
                          ["delete-files", "recursive-delete"], str(work), "rm -r build",
                          0, days=1e6)
    assert _judge(work, [exact]) == "allow"  # the control: the exact approval allows
    record = approvals._document([exact])["approvals"][0]  # type: ignore[index]
    changed = {
        "argv": ["rm", "-r", "build", text] if text else ["rm", "build"],
        "program": "/usr/bin/" + (text or "x"),
        "assignments": [f"X={text}"],
        "redirects": [f"> {text or 'f'}"],
        "wrapper": text or "nice",
        "files": [f"{work}/build={text}"],
        "lifts": ["delete-files"] if not text else [text],
        "scope": str(work / "sub") if not text else str(work.parent / (text.strip("/. ") or "o")),
    }[field]
    record[field] = changed
    (work / "cfg").mkdir()
    (work / "cfg" / approvals.FILE_NAME).write_text(
        json.dumps({"version": 2, "approvals": [record]}))
    try:
        loaded = approvals.load(str(work / "cfg"))
    except (ValueError, KeyError, TypeError):
        return  # refused on load: never an approval
    assert _judge(work, loaded) == "ask", (field, changed)
