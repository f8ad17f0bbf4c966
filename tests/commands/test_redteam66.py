"""Red team 66: options a program reads from the environment (TAR_OPTIONS), writes by tools
judged as readers (`yq -i`, `tree -o`), a file read by a yq expression, binutils' plugins,
the clock and the machine's name, and settings that other tools obey by path (Mercurial's
hgrc, Jujutsu's config, mise, direnv's sourced files)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from judging import judge

from gatekeep.policy.model import Policy

Sandbox = Any  # the fixture's class lives in conftest.py


@pytest.mark.parametrize(("command", "expected"), [
    # F6: tar, unzip, zip, xz and make read options from the environment before their words
    ("TAR_OPTIONS='-C ~' tar xf a.tar", "ask"),
    ("export TAR_OPTIONS=-C/home/me; tar xf a.tar", "ask"),
    ("TAR_OPTIONS=--to-command=sh tar xf a.tar", "ask"),
    ("UNZIP='-d ~' unzip a.zip", "ask"), ("UNZIPOPT=-o unzip a.zip", "ask"),
    ("XZ_OPT=--files=list xz", "ask"), ("MAKEFLAGS='-C /opt/x' make", "ask"),
    ("tar xf a.tar", "allow"), ("make -j4", "allow"),
    # F8: in place, the file operands are written
    ("yq -i '.a=1' ~/.bashrc", "deny"), ("yq --inplace '.a=1' .claude/settings.json", "deny"),
    ("yq -yi '.a=1' ~/.codex/hooks.json", "deny"), ("yq --in-p '.a=1' ~/.bashrc", "deny"),
    ("yq -i '.version=\"2\"' chart.yaml", "allow"), ("yq '.a' chart.yaml", "allow"),
    # the Go yq's load operators read the file they name
    ("yq -n 'load_str(\"/home/me/.ssh/id_rsa\")'", "ask"), ("yq -n 'load (\"x.yml\")'", "ask"),
    ("yq '.download' chart.yaml", "allow"),
    ("tree -o ~/.bashrc", "deny"), ("tree -o tree.txt -L 2", "allow"), ("tree -L 2 src", "allow"),
    ("nm --plugin /tmp/x.so a.o", "ask"), ("objdump --plugin=/tmp/x.so -d a.o", "ask"),
    ("objdump --plug /tmp/x.so -d a.o", "ask"), ("nm -C a.o", "allow"),
    # F9: the clock (and with it, guardrails' time windows and rate limits), the name
    ("date -s 2020-01-01", "ask"), ("date --se=2020-01-01", "ask"), ("date 0101000020", "ask"),
    ("date +%F", "allow"), ("date -d yesterday +%F", "allow"),
    ("hostname evil", "ask"), ("hostname --fi=/tmp/n", "ask"), ("hostname -I", "allow"),
    # F3, F5: settings other tools obey, by path
    ("printf '[hooks]\\npre-status = id\\n' >> .hg/hgrc", "deny"),
    ("echo x > .hg/sharedpath", "deny"), ("echo x > .jj/repo/config.toml", "deny"),
    ("echo '[tasks]' >> mise.toml", "deny"), ("echo x > .config/mise/config.toml", "deny"),
    ("echo 'source_env x' > .envrc.local", "deny"),
])
def test_red_team_66_decisions(policy: Policy, command: str, expected: str) -> None:
    assert judge(policy, command).decision == expected


def _run(sandbox: Sandbox, work: Path, script: str) -> subprocess.CompletedProcess[str]:
    (work / "Makefile").write_text(f"all:\n\t{script}\n")
    ran: subprocess.CompletedProcess[str] = sandbox.gatekeep("run", "-c", "make")
    return ran


def _project(sandbox: Sandbox) -> Path:
    work: Path = sandbox.work
    subprocess.run(["git", "init", "-q", str(work)], check=True, timeout=60)
    return work


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_mercurial_repositorys_settings_stay_as_they_were(sandbox: Sandbox) -> None:
    """F3: the repository's hgrc is kept read-only, and one the run makes is removed: the
    operator's next `hg status` would run its hooks, unboxed."""
    work = _project(sandbox)
    (work / ".hg").mkdir()
    (work / ".hg" / "requires").write_text("store\n")
    ran = _run(sandbox, work, "printf '[hooks]\\npre-status = id\\n' > .hg/hgrc || true")
    assert ran.returncode == 0, ran.stderr
    assert not (work / ".hg" / "hgrc").exists()
    (work / ".hg" / "hgrc").write_text("[ui]\n")
    ran = _run(sandbox, work, "printf '[hooks]\\n' >> .hg/hgrc")
    assert ran.returncode != 0
    assert (work / ".hg" / "hgrc").read_text() == "[ui]\n"


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_mise_settings_made_by_a_run_are_removed(sandbox: Sandbox) -> None:
    work = _project(sandbox)
    ran = _run(sandbox, work, "printf '[env]\\n_.source = \"x.sh\"\\n' > mise.toml")
    assert ran.returncode == 0, ran.stderr
    assert not (work / "mise.toml").exists()
    assert "mise.toml" in ran.stderr


def test_doctor_warns_of_a_path_entry_where_the_agent_writes(sandbox: Sandbox) -> None:
    """F4: an activated `.venv/bin` on PATH: a boxed run can put a `git` there, which the
    operator's shell runs next, outside any box."""
    work = _project(sandbox)
    bin_dir = work / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    result = sandbox.gatekeep("doctor", env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert f"WARN  PATH names {bin_dir}, where the agent writes" in result.stdout
    clean = sandbox.gatekeep("doctor", env={"PATH": "/usr/bin:/bin"})
    assert "PATH names" not in clean.stdout
