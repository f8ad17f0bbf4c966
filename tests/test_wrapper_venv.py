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
])
def test_the_projects_own_program_is_tree_code(policy: Policy, work: Path,
                                               command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "said"), [
    ("uv run --no-project pkg-cli x", "pkg-cli"),      # an option may move it: by name
    ("uv run not-installed x", "not-installed"),
    ("cd other && uv run pkg-cli x", "pkg-cli"),       # no pyvenv.cfg: not a venv
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
