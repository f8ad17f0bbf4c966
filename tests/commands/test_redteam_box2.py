"""Ways around the box's newer parts: a program run by its name, the caches kept apart, the
protected-path scan. Each trick is a command ``gatekeep check`` allows, run by ``gatekeep
run`` in a scratch home; where it matters, plain bash shows the harm it would do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gatekeep.sandbox.boundary import boundary
from gatekeep.sandbox.bwrap import argv
from tests.sandbox.test_boundary import SPEC, where

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
SECRET = "API_KEY=planted\n"
GATEKEEP = Path(sys.executable).parent / "gatekeep"


def plant(sandbox: Sandbox, *recipe: str) -> None:
    """A Makefile whose one target runs ``recipe`` in bash."""
    lines = ["SHELL := /bin/bash", "all:", *(f"\t{line}" for line in recipe)]
    (sandbox.work / "Makefile").write_text("\n".join(lines) + "\n")


def as_operator(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    """``gatekeep ARGS`` as an operator who is not root: without the capabilities that let
    root list any directory (the box drops them all anyway)."""
    prefix = [] if os.geteuid() else [
        "setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run([*prefix, str(GATEKEEP), *args], capture_output=True, text=True,
                          env=sandbox.env, cwd=sandbox.work, timeout=30, check=False)


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None,
                    reason="root lists any directory; needs setpriv to drop that")
@pytest.mark.parametrize("mode", [0o111, 0o000])
def test_a_directory_the_scan_cannot_list_keeps_its_secrets_hidden(
        sandbox: Sandbox, mode: int) -> None:
    """One run makes a directory unlistable (its owner may); the next run's scan finds no
    ``.env`` in it, yet the box opens it by name, or makes the directory readable again."""
    config = sandbox.work / "config"
    config.mkdir()
    (config / ".env").write_text(SECRET)
    plant(sandbox, f"chmod {mode:o} config")
    assert as_operator(sandbox, "check", "-c", "make").returncode == 0
    assert as_operator(sandbox, "run", "-c", "make").returncode == 0
    assert config.stat().st_mode & 0o777 == mode
    plant(sandbox, "chmod 755 config; cat config/.env")
    try:
        boxed = as_operator(sandbox, "run", "-c", "make")
    finally:
        config.chmod(0o755)
    assert SECRET not in boxed.stdout
    assert boxed.returncode != 0


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None,
                    reason="root lists any directory; needs setpriv to drop that")
def test_a_working_tree_the_scan_cannot_list_is_not_run_unattended(sandbox: Sandbox) -> None:
    (sandbox.work / ".env").write_text(SECRET)
    plant(sandbox, "cat .env")
    sandbox.work.chmod(0o311)
    try:
        boxed = as_operator(sandbox, "run", "-c", "make")
    finally:
        sandbox.work.chmod(0o755)
    assert SECRET not in boxed.stdout
    assert "cannot be listed" in boxed.stderr


@pytest.mark.parametrize("spelling", ["link", "//", "/./", "/../"])
def test_a_path_entry_that_leads_into_a_writable_place_is_not_searched_by_name(
        tmp_path: Path, spelling: str) -> None:
    """A PATH entry that names a temp dir through a link or an odd spelling: a box running
    beside this one writes a program there between the check and bwrap's own PATH search,
    which then runs it instead of the judged one."""
    for directory in ("tree/.git/hooks", "opt/bin", "tmp/bin"):
        (tmp_path / directory).mkdir(parents=True)
    program = tmp_path / "opt/bin/tool"
    program.write_text("#!/bin/sh\necho judged\n")
    program.chmod(0o755)
    (tmp_path / "opt/link").symlink_to(tmp_path / "tmp/bin")
    box = boundary(SPEC, where(tmp_path))
    assert str(tmp_path / "tmp") in box.writable
    entry = {"link": f"{tmp_path}/opt/link", "//": f"/{tmp_path}/tmp/bin",
             "/./": f"{tmp_path}/./tmp/bin", "/../": f"{tmp_path}/opt/../tmp/bin"}[spelling]
    search = f"{entry}:{tmp_path}/opt/bin"
    read, write = os.pipe()
    line = argv(box._replace(home=""), "/usr/bin/bwrap", str(program), ["tool"], box.tree,
                write, "/bin/bash", search)
    planted = tmp_path / "tmp/bin/tool"  # what the box beside writes, after the check
    planted.write_text("#!/bin/sh\necho planted\n")
    planted.chmod(0o755)
    done = subprocess.run(line, env={"PATH": search}, capture_output=True, text=True,
                          pass_fds=(write,), check=False)
    os.close(write)
    os.close(read)
    assert done.stdout == "judged\n", done.stderr


def test_a_box_whose_tree_is_the_home_cannot_change_what_the_operators_shell_runs(
        sandbox: Sandbox) -> None:
    """No repository and the home as the working directory: the tree is the home. Debian's
    ~/.bashrc sources ~/.bash_aliases and ~/.profile puts ~/bin on PATH: no run there is
    unattended."""
    (sandbox.home / "Makefile").write_text(
        "all:\n\techo 'echo pwned' >> .bash_aliases; mkdir -p bin; printf x > bin/git\n")
    checked = sandbox.gatekeep("check", "-c", "make", cwd=sandbox.home)
    assert "boundary: ask (the working tree is the home directory (or holds it)" \
        in checked.stdout
    refused = sandbox.gatekeep("run", "-c", "make", cwd=sandbox.home)
    assert "the working tree is the home directory" in refused.stderr
    assert not (sandbox.home / ".bash_aliases").exists()
    assert not (sandbox.home / "bin").exists()
    assert subprocess.run(["make"], cwd=sandbox.home, env=sandbox.env, capture_output=True,
                          check=False).returncode == 0
    assert (sandbox.home / ".bash_aliases").exists()


def test_a_download_box_cannot_write_a_directory_on_the_operators_path(
        sandbox: Sandbox) -> None:
    """``npm ci`` runs registry packages' install scripts in a box with the shared caches
    writable; one of them is where ``pnpm setup`` puts the programs the operator's shell
    finds first."""
    import json

    pnpm_home = sandbox.home / ".local/share/pnpm"
    pnpm_home.mkdir(parents=True)
    (sandbox.work / "package.json").write_text('{"dependencies": {"left-pad": "^1.3.0"}}\n')
    env = {"PATH": f"{pnpm_home}:{sandbox.env['PATH']}"}
    checked = sandbox.gatekeep("check", "--json", "-c", "npm ci", env=env)
    document = json.loads(checked.stdout)["boundary"]
    assert document["network"] is True
    in_home = [p for p in document["writable"] if p.startswith(str(sandbox.home) + "/")]
    assert in_home == [str(sandbox.home / ".npm")] or not in_home
    assert not any(str(pnpm_home).startswith(place.rstrip("/") + "/")
                   or str(pnpm_home) == place for place in in_home)
