"""`source FILE` and `. FILE` are judged as the interpreters they are: a script of the working
tree named by its path is the tree's code, as `bash FILE` is; a virtual environment's activate
script puts its `bin` first on PATH for the parts after it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A project with a virtual environment (`.venv`, its `pytest` and its `python` linked
    to this interpreter), a script `env.sh`, a secret `.env` and a hook."""
    work = tmp_path / "work"
    bin_dir = work / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (work / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (bin_dir / "activate").write_text("export VIRTUAL_ENV=x\n")
    (bin_dir / "pytest").write_text("#!/bin/sh\n")
    (bin_dir / "pytest").chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)
    (work / "plain" / "bin").mkdir(parents=True)  # an activate script with no pyvenv.cfg
    (work / "plain" / "bin" / "activate").write_text("PATH=x\n")
    (work / "plain" / "bin" / "ls").write_text("#!/bin/sh\n")
    (work / "env.sh").write_text("export CI=1\n")
    (work / ".env").write_text("TOKEN=x\n")
    (work / ".git" / "hooks").mkdir(parents=True)
    (work / ".git" / "hooks" / "pre-commit").write_text("#!/bin/sh\n")
    (work / "src").mkdir()
    return work


@pytest.mark.parametrize("command", [
    "source .venv/bin/activate && pytest -q",
    ". .venv/bin/activate; python -m pytest -x",
    ". ./env.sh && make -n",
    "source ./env.sh arg1 arg2",
    "source .venv/bin/activate && echo $VIRTUAL_ENV",
])
def test_a_script_of_the_tree_sourced_by_its_path_is_tree_code(
        policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", decision
    assert "runs-tree-code" in decision.segments[0].described[1]  # type: ignore[index]


@pytest.mark.parametrize(("command", "rule"), [
    ("source env.sh", "hazard:script-file"),  # bash looks for env.sh on PATH first
    ("source ~/.bashrc", "path:runs-code"),
    ("source .env", "protect.read"),  # sourcing reads it: `source .env && echo $TOKEN`
    (". .git/hooks/pre-commit", "hazard:script-file"),
    ("source <(cat env.sh)", "hazard:stdin-code"),
    ("source $F", "hazard:script-file"),
    ("source", "hazard:stdin-code"),
    (". ./none.sh", "hazard:script-file"),  # nothing now: what another puts there runs
    ("echo 'rm -rf src' > env.sh; . ./env.sh", "path:written-code"),
])
def test_any_other_sourced_script_is_asked(policy: Policy, work: Path, command: str,
                                           rule: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision != "allow", decision
    assert rule in {v.rule for s in decision.segments for v in s.verdicts}, decision


def test_after_an_activation_a_name_in_the_venv_is_that_file(policy: Policy,
                                                             work: Path) -> None:
    (work / ".venv" / "bin" / "ls").write_text("#!/bin/sh\n")
    assert judged_in(policy, work, "ls src").decision == "allow"
    decision = judged_in(policy, work, "source .venv/bin/activate && ls src")
    assert [s.decision for s in decision.segments] == ["ask", "ask"]
    # the activation: its bin holds a system program's name, which tar or git may run
    assert any("holds ls" in v.reason for v in decision.segments[0].verdicts)
    assert f"{work}/.venv/bin/ls" in decision.segments[1].verdicts[0].reason
    # in a subshell, or before it in a loop: judged as the venv's file all the same
    for command in ("(. .venv/bin/activate); ls src",
                    "for i in 1 2; do ls src; . .venv/bin/activate; done"):
        decision = judged_in(policy, work, command)
        ls = next(s for s in decision.segments if s.text == "ls src")
        assert ls.decision == "ask", command


def test_a_venv_already_on_path_shadows_nothing_more(policy: Policy, work: Path) -> None:
    """In a shell with the venv active, its own programs are what PATH finds already."""
    (work / ".venv" / "bin" / "httpx").write_text("#!/bin/sh\n")
    (work / ".venv" / "bin" / "httpx").chmod(0o755)
    command = "source .venv/bin/activate && pytest -q"
    active = judged_in(policy, work, command, f"{work}/.venv/bin:/usr/bin:/bin")
    assert active.decision == "allow", active
    (work / ".venv" / "bin" / "gzip").write_text("#!/bin/sh\n")
    (work / ".venv" / "bin" / "gzip").chmod(0o755)
    assert judged_in(policy, work, command).decision == "ask"  # gzip: the system's, shadowed


def test_a_venvs_own_programs_shadow_nothing(policy: Policy, work: Path,
                                            tmp_path: Path) -> None:
    """Its activate scripts, versioned interpreter and pip: the system has them too (conda's
    `activate`), and they are what a venv holds (knowledge venv_tool, venv_interpreter)."""
    system = tmp_path / "system"
    system.mkdir()
    names = ("activate", "activate.fish", "python3.11", "pip3.11", "pip", "gzip")
    for name in names:
        for directory in (system, work / ".venv" / "bin"):
            if not (directory / name).exists():
                (directory / name).write_text("#!/bin/sh\n")
                (directory / name).chmod(0o755)
    command = "source .venv/bin/activate && pytest -q"
    decision = judged_in(policy, work, command, f"{system}:/usr/bin:/bin")
    assert decision.decision == "ask"
    assert any(v.reason.endswith("holds gzip: a program any later part runs may run that "
                                 "file for the system's") for v in decision.segments[0].verdicts)
    (work / ".venv" / "bin" / "gzip").unlink()
    assert judged_in(policy, work, command, f"{system}:/usr/bin:/bin").decision == "allow"


def test_a_write_into_an_activated_venv_is_asked(policy: Policy, work: Path) -> None:
    # `ls` is no file in the venv now: the written one would run for it
    for command in (". .venv/bin/activate && printf x > .venv/bin/ls && chmod +x "
                    ".venv/bin/ls && ls", ". .venv/bin/activate && cp env.sh .venv/bin/ls"):
        decision = judged_in(policy, work, command)
        assert "path:written-code" in {v.rule for s in decision.segments for v in s.verdicts}


def test_a_bin_activate_without_pyvenv_cfg_activates_nothing(policy: Policy,
                                                             work: Path) -> None:
    decision = judged_in(policy, work, ". plain/bin/activate && ls src")
    assert decision.decision == "allow"  # `ls` is the system's: no venv was found


def test_a_name_bash_runs_as_its_builtin_is_never_taken_from_the_venv(
        policy: Policy, work: Path) -> None:
    (work / ".venv" / "bin" / "test").write_text("#!/bin/sh\n")
    decision = judged_in(policy, work, "source .venv/bin/activate && test -d src")
    # the part runs bash's builtin; the activation is asked (env or xargs may run the file)
    assert [s.decision for s in decision.segments] == ["ask", "allow"]
