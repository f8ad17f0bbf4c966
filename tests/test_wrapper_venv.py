"""`uv run NAME` and `poetry run NAME` run NAME from the project's virtual environment
first (knowledge `wrapper: {venv: .venv}`): a file in `<project>/.venv/bin`, next to the
nearest pyproject.toml, is judged as that file, the project's own code. Given an option or
a variable that may move the environment, NAME is judged by its name, as before; a write to
that file in the same command is asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    (tree / "src" / "pkg").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("[project]\nname = \"pkg\"\n")
    (tree / ".venv" / "bin").mkdir(parents=True)
    (tree / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for name in ("pkg-cli", "pytest"):
        (tree / ".venv" / "bin" / name).write_text("#!/bin/sh\n")
        (tree / ".venv" / "bin" / name).chmod(0o755)
    # a directory that looks like a venv's bin but is none (no pyvenv.cfg)
    (tree / "other" / ".venv" / "bin").mkdir(parents=True)
    (tree / "other" / "pyproject.toml").write_text("[project]\nname = \"o\"\n")
    (tree / "other" / ".venv" / "bin" / "pkg-cli").write_text("#!/bin/sh\n")
    return tree


@pytest.mark.parametrize("command", [
    "uv run pkg-cli validate tests/fixtures/a.toml",
    "poetry run pkg-cli validate",
    "cd src/pkg && uv run pkg-cli x",          # the nearest pyproject.toml is the top's
    "uv run pytest -q",
    "uv run pytest -q && uv run pkg-cli check",  # (what another uv run syncs: not judged)
])
def test_the_projects_own_program_is_tree_code(policy: Policy, work: Path,
                                               command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "said"), [
    ("uv run not-installed x", "not-installed"),
    ("UV_PROJECT_ENVIRONMENT=/tmp/v uv run pytest", "UV_PROJECT_ENVIRONMENT"),
    ("export UV_PROJECT_ENVIRONMENT=/tmp/v; uv run pytest", "UV_PROJECT_ENVIRONMENT"),
    ("export VIRTUAL_ENV=/tmp/v; poetry run pytest", "VIRTUAL_ENV"),
    ("UV_PYTHON=/tmp/py uv run pytest", "UV_PYTHON"),
    ("echo 'id' > .venv/bin/pkg-cli && uv run pkg-cli", "written"),
    ("cp /tmp/x .venv/bin/pytest; uv run pytest", "written"),
])
def test_anything_else_is_asked(policy: Policy, work: Path, command: str, said: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision != "allow", command
    text = " ".join(f"{s.rules} {s.reason}" for s in decision.segments)
    assert said in text, text


def _venv(root: Path, *names: str) -> None:
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for name in names:
        (root / ".venv" / "bin" / name).write_text("#!/bin/sh\n")
        (root / ".venv" / "bin" / name).chmod(0o755)


@pytest.mark.parametrize("command", [
    "uv run tar czf /tmp/x.tgz src",      # tar finds gzip on PATH: the venv's (red team 94)
    "uv run -q cat src/x",                # an option changes nothing of it
    "poetry run pkg-cli x",
    "cd src && uv run pkg-cli x",
])
def test_a_venv_holding_a_system_programs_name_is_asked(policy: Policy, tmp_path: Path,
                                                        command: str) -> None:
    tree = tmp_path / "w2"
    (tree / "src").mkdir(parents=True)
    _venv(tree, "pkg-cli", "gzip", "cat")
    decision = judged_in(policy, tree, command)
    assert decision.decision == "ask", command
    assert "gzip" in " ".join(v.reason for s in decision.segments for v in s.verdicts)


def test_a_venv_above_the_tree_is_judged_as_what_it_is(policy: Policy, tmp_path: Path) -> None:
    """uv finds a .venv in the working directory or above it: one outside the tree is code
    gatekeep never saw."""
    _venv(tmp_path, "outside-tool")
    tree = tmp_path / "w3"
    tree.mkdir()
    decision = judged_in(policy, tree, "uv run outside-tool")
    assert decision.decision == "ask"


def test_a_venv_that_links_elsewhere_is_not_the_trees(policy: Policy, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    _venv(outside, "pkg-cli")
    (outside / ".venv" / "bin" / "python").symlink_to("/usr/bin/python3")
    tree = tmp_path / "w4"
    tree.mkdir()
    (tree / ".venv").symlink_to(outside / ".venv")
    assert judged_in(policy, tree, ".venv/bin/python -c 'print(1)'").decision == "ask"
    assert judged_in(policy, tree, "uv run pkg-cli").decision == "ask"


@pytest.mark.parametrize("command", [
    "UV_PROJECT=../outproj uv run pytest",
    "UV_WORKING_DIRECTORY=/tmp/x uv run pytest",
    "UV_ENV_FILE=../evil.env uv run python -c 'print(1)'",
    "UV_CONFIG_FILE=/tmp/uv.toml uv run pytest",
    "export UV_PROJECT=/tmp/x; uv run pytest",
])
def test_uvs_own_variables_are_asked(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "ask"
    assert any("hazard:environment" in s.rules for s in decision.segments)


@pytest.mark.parametrize(("setting", "text", "command", "expected"), [
    (".python-version", "3.12\n", "uv run pkg-cli", "allow"),
    (".python-version", "/tmp/evil\n", "uv run pkg-cli", "ask"),   # a program uv runs
    ("uv.toml", "find-links = ['/tmp/w']\n", "uv run pkg-cli", "ask"),
    ("poetry.toml", "[virtualenvs]\npath = '/tmp/v'\n", "poetry run pkg-cli", "ask"),
    ("poetry.toml", "[virtualenvs]\npath = '/tmp/v'\n", "uv run pkg-cli", "allow"),
])
def test_settings_that_may_move_the_environment_are_asked(
        policy: Policy, work: Path, setting: str, text: str, command: str,
        expected: str) -> None:
    """Red team 95: `.python-version` naming a program, `uv.toml`, `poetry.toml`."""
    (work / setting).write_text(text)
    decision = judged_in(policy, work, command)
    assert decision.decision == expected, [(s.text, s.rules, s.reason)
                                           for s in decision.segments]


@pytest.mark.parametrize("command", [
    "uv run --config-file ../x/uv.toml pkg-cli",
    "echo /tmp/evil > .python-version && uv run pkg-cli",
    "echo '[virtualenvs]' > poetry.toml; poetry run pkg-cli",
    "cp /tmp/x .venv/bin/gzip && uv run pkg-cli",
])
def test_settings_or_programs_written_beside_are_asked(policy: Policy, work: Path,
                                                       command: str) -> None:
    assert judged_in(policy, work, command).decision == "ask", command


@pytest.mark.parametrize("command", [
    # red team 96: another project's environment, a file of variables, what a part beside
    # brings in without naming it, a version file naming a directory
    "uv run --project sub pkg-cli",
    "uv --directory sub run pkg-cli",
    "poetry -C sub run pkg-cli",
    "uv run --project \"$D\" pkg-cli",
    "uv run --env-file vars pkg-cli",
    "tar -xf /tmp/x.tar && uv run pkg-cli",
    "ln -s d/uv.toml && uv run pkg-cli",
    "mv d/env .venv && uv run pkg-cli",
])
def test_what_may_choose_another_environment_is_asked(policy: Policy, work: Path,
                                                      command: str) -> None:
    (work / "sub").mkdir()
    (work / "sub" / ".python-version").write_text("/opt/python3\n")  # looked for from sub
    (work / "sub" / "poetry.toml").write_text("[virtualenvs]\n")
    assert judged_in(policy, work, command).decision == "ask", command
    if "sub" in command:  # the same, without those settings
        (work / "sub" / ".python-version").unlink()
        (work / "sub" / "poetry.toml").unlink()
        assert judged_in(policy, work, command).decision == "allow", command


@pytest.mark.parametrize(("text", "expected"), [
    ("3.12\n", "allow"), ("cpython@3.12.1\n", "allow"), ("pypy3.10\n", "allow"),
    ("..\n", "ask"), ("/opt/python/bin/python3\n", "ask"), ("3.12\n../x\n", "ask"),
])
def test_a_python_version_file_names_versions_only(policy: Policy, work: Path, text: str,
                                                   expected: str) -> None:
    (work / ".python-version").write_text(text)
    assert judged_in(policy, work, "uv run pkg-cli").decision == expected, text
