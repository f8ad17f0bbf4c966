"""Red team 24: trees the kept-tree check still misses, the preview box showing a whole temp
dir, agents' settings that existed before the run, and an indirect expansion through an array
element (each test fails while its attack works)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from gitbox import filter_reaching
from gitbox import plant as _plant
from gitbox import repo as _repo

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

Sandbox = object
_PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"


# -- 1. the kept tree ----------------------------------------------------------------------

@pytest.mark.parametrize("below", [f"lib/{_PY}/site-packages", "etc/profile.d"])
def test_a_directory_below_a_path_prefix_in_the_home_is_kept(sandbox: Sandbox,
                                                            below: str) -> None:
    """`~/miniconda3` itself is asked (its `bin` is on PATH), but the test is
    `dirname(PATH dir) in spellings`: equality, so `cd ~/miniconda3/lib/python3.X/site-packages`
    (or `etc/profile.d`, sourced by every shell `conda init` set up) is the writable tree."""
    home: Path = sandbox.home  # type: ignore[attr-defined]
    prefix = home / "miniconda3"
    (prefix / "bin").mkdir(parents=True)
    place = prefix / below
    place.mkdir(parents=True)
    sandbox.gatekeep(  # type: ignore[attr-defined]
        "run", "-c", "echo 'import os' > zz.pth", cwd=place,
        env={"PATH": f"{prefix / 'bin'}:{os.environ['PATH']}"})
    assert not (place / "zz.pth").exists()


def test_a_path_prefix_outside_the_home_is_kept(sandbox: Sandbox) -> None:
    """The prefix rule applies only in the home: `/opt/conda` (its `bin` on PATH, the
    conda docker images' and many installers' layout) is the writable tree, and a `.pth` in
    its site-packages runs in every later Python of the operator's."""
    root: Path = sandbox.root  # type: ignore[attr-defined]
    prefix = root / "opt" / "conda"
    (prefix / "bin").mkdir(parents=True)
    site = prefix / "lib" / _PY / "site-packages"
    site.mkdir(parents=True)
    sandbox.gatekeep(  # type: ignore[attr-defined]
        "run", "-c", f"echo 'import os' > lib/{_PY}/site-packages/zz.pth", cwd=prefix,
        env={"PATH": f"{prefix / 'bin'}:{os.environ['PATH']}"})
    assert not (site / "zz.pth").exists()


def test_the_preview_box_hides_sockets_in_a_temp_dir_that_is_the_tree(sandbox: Sandbox
                                                                      ) -> None:
    """`bwrap.sealed` puts a tmpfs over each temp dir, then binds back every shown path
    within one, equality included (`_within`). A repository whose work tree is the temp dir
    itself (a boxed run can write `/tmp/.git`: the box's /tmp is the host's) gets the whole
    temp dir bound back: `/tmp/ssh-*/agent.*`, `/tmp/.X11-unix/X0` connect again from the
    filter a boxed run set. Simulated with TMPDIR as the tree."""
    from gatekeep.approval import preview

    root: Path = sandbox.root  # type: ignore[attr-defined]
    temp = root / "tmpd"
    temp.mkdir()
    _repo(temp)
    (temp / "ssh-abc").mkdir()
    agent = temp / "ssh-abc" / "agent.1"
    env = {**os.environ, **sandbox.env, "TMPDIR": str(temp)}  # type: ignore[attr-defined]
    assert not filter_reaching(temp, agent, lambda: preview._run_git(
        ["diff", "--stat", "HEAD"], "t", str(temp), env))


# -- 3. agents' settings that existed before the run ------------------------------------------

@pytest.mark.parametrize("name", [
    "sub/.gatekeep.yaml", "sub/opencode.json", "sub/.opencode/plugin/x.js",
    "sub/.devcontainer/devcontainer.json", "sub/.kiro/hooks/a.kiro.hook"])
def test_agent_settings_below_the_cwd_that_existed_are_not_rewritten(sandbox: Sandbox,
                                                                     name: str) -> None:
    """`_hold_new` holds only *new* entries with an `AGENT_NAMES` name (`path not in
    before`), and only `.claude`/`.mcp.json`-like names are bound read-only below the cwd.
    A monorepo's existing `packages/x/.gatekeep.yaml` (the nearest project policy) or
    `packages/x/.opencode/` is rewritten by a boxed `make` at the root, with no warning."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    path = work / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("gatekeep: 1\n" if name.endswith(".yaml") else "{}\n")
    _plant(sandbox, f"-echo evil >> {name}")
    sandbox.gatekeep("run", "-c", "make")  # type: ignore[attr-defined]
    assert "evil" not in path.read_text()


# -- 4. secret variables -----------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "x=(GITHUB_TOKEN); echo ${!x[0]}",
    "x[1]=GITHUB_TOKEN; echo \"${!x[1]}\"",
    "echo $((GITHUB_TOKEN))",
    "a=(1); echo ${a[GITHUB_TOKEN]}",
    "[[ GITHUB_TOKEN -eq 0 ]]",
])
def test_an_indirect_expansion_of_an_array_element_is_asked(sandbox: Sandbox,
                                                            command: str) -> None:
    """`_INDIRECT`'s look-ahead `(?![A-Za-z0-9_*@\\[])` drops every `${!x[...]}`, but only
    `${!x[@]}` and `${!x[*]}` list keys: `${!x[0]}` is the value of the variable x[0] names.
    A bare name in an arithmetic context (`$((NAME))`, a subscript, `[[ NAME -eq 0 ]]`) is
    evaluated, and bash's syntax error prints the value (a `.`, `/`, `:` in it)."""
    run = sandbox.gatekeep("run", "-c", command,  # type: ignore[attr-defined]
                           env={"GITHUB_TOKEN": "ghp.SEKRIT-24"})
    assert "SEKRIT-24" not in run.stdout + run.stderr


