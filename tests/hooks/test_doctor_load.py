"""doctor loads the policies ``run`` judges with, through the compiled cache, without the
engine (which it never uses: it judges nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeep.commands.doctor import _load
from gatekeep.core.inputs import Request, run_policies
from gatekeep.errors import PolicyError
from gatekeep.runtime.locations import Locations

POLICY = "gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n"


def where(tmp_path: Path) -> tuple[Locations, Path, dict[str, str]]:
    config, state = tmp_path / "config", tmp_path / "state"
    env = {"XDG_CONFIG_HOME": str(config), "XDG_STATE_HOME": str(state),
           "HOME": str(tmp_path / "home"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    return Locations.from_env(env), work, env


@pytest.mark.parametrize("operator", [False, True], ids=["builtin", "operator's"])
@pytest.mark.parametrize("project", [False, True], ids=["alone", "with a project policy"])
@pytest.mark.parametrize("named", [False, True], ids=["", "and GATEKEEP_POLICY"])
def test_doctor_loads_what_run_judges_with(tmp_path: Path, operator: bool, project: bool,
                                          named: bool) -> None:
    locations, work, env = where(tmp_path)
    if operator:
        locations.config_dir.mkdir(parents=True)
        (locations.config_dir / "policy.yaml").write_text(POLICY)
    if project:
        (work.parent / ".gatekeep.yaml").write_text(POLICY)
    if named:
        (tmp_path / "named.yaml").write_text(POLICY)
        env["GATEKEEP_POLICY"] = str(tmp_path / "named.yaml")
    loaded = _load(env, work, locations)
    assert not isinstance(loaded, str), loaded
    judged = run_policies(locations, work, Request("true", None), env)
    assert [p.name for p in loaded] == [p.name for p in judged]
    assert [p.sha256 for p in loaded] == [p.sha256 for p in judged]
    assert len(loaded) == 1 + project + named


def test_a_policy_that_does_not_load_is_the_same_error_as_runs(tmp_path: Path) -> None:
    locations, work, env = where(tmp_path)
    env["GATEKEEP_POLICY"] = str(tmp_path / "missing.yaml")
    with pytest.raises(PolicyError) as caught:
        run_policies(locations, work, Request("true", None), env)
    assert _load(env, work, locations) == str(caught.value)


def test_doctor_does_not_load_the_engine(tmp_path: Path) -> None:
    _, work, env = where(tmp_path)
    subprocess.run([sys.executable, "-m", "gatekeep", "run", "--", "true"], env=env, cwd=work,
                   check=True)  # the compiled policy cached, as after any command
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", "doctor"],
                            capture_output=True, text=True, env=env, cwd=work, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    policy loads: builtin:default\n" in result.stdout
    found = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
             if line.startswith("import time:")}
    assert "gatekeep.policy.model" in found
    assert found & {"gatekeep.core.engine", "gatekeep.shell.analyze"} == set()
