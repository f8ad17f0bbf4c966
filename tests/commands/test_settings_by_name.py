"""Settings that mise and direnv read by a name chosen when they run (`mise.dev.toml`,
`.envrc.prod`, `mise/config.toml`, mise's older `.rtx.toml`): a run that makes one where
none was, or a commit that adds one on a branch, is held like an agent's settings (red
team 72 F7: they were compared only when they existed as the box was planned)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from gatekeep.sandbox.boundary import agent_named

Sandbox = Any  # the fixture's class lives in conftest.py
needs_bwrap = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"),
                                 reason="needs bubblewrap")
NAMED = ["mise.dev.toml", ".mise.ci.toml", ".envrc.prod", "mise/config.toml",
         ".config/mise.ci.toml", ".rtx.toml", "pkg/mise.dev.toml", "pkg/mise/config.toml",
         # mise's own settings, read with no trust asked: they can name any file its
         # config (red team 77)
         ".miserc.toml", ".config/miserc.toml", "pkg/.miserc.toml"]
# named like them, but nothing mise or direnv reads
UNNAMED = ["premise.toml", "mise-notes.md", "src/envrc.prod", "docs/mise.txt.md"]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *args], cwd=cwd, check=True, capture_output=True, text=True,
                          timeout=60).stdout


@pytest.mark.parametrize("name", ["mise.toml", "mise", ".envrc.local", "mise.production.toml",
                                  ".mise.dev.toml", ".rtx.local.toml", ".envrc.x", ".claude"])
def test_names_mise_and_direnv_read_are_settings(name: str) -> None:
    assert agent_named(name)


@pytest.mark.parametrize("name", ["premise.toml", "mise-notes.md", "mise.rs", ".envrc",
                                  "envrc.prod", "rtx.toml", "src"])
def test_names_like_them_are_not(name: str) -> None:
    assert not agent_named(name)


@pytest.fixture
def repo(sandbox: Sandbox) -> Path:
    work: Path = sandbox.work
    _git("init", "-q", "-b", "main", ".", cwd=work)
    (work / "a.txt").write_text("mine\n")
    (work / ".gitignore").write_text("Makefile\nforge.sh\n")
    _git("add", "a.txt", ".gitignore", cwd=work)
    _git("commit", "-qm", "first", cwd=work)
    return work


def _run(sandbox: Sandbox, repo: Path, line: str) -> str:
    (repo / "Makefile").write_text(f"all:\n\t{line}\n")
    time.sleep(1.2)  # a second apart from the planning, as mtimes are compared
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    return str(ran.stderr)


@needs_bwrap
@pytest.mark.parametrize("path", NAMED)
def test_one_a_run_makes_is_not_left(sandbox: Sandbox, repo: Path, path: str) -> None:
    stderr = _run(sandbox, repo, f"mkdir -p $$(dirname {path}) && echo '[env]' > {path}")
    assert not (repo / path).exists()
    shown = path.removesuffix("/config.toml")  # a directory mise reads is what is held
    assert f"created {shown}," in stderr, stderr


@needs_bwrap
def test_files_named_like_them_are_left_quietly(sandbox: Sandbox, repo: Path) -> None:
    made = " && ".join(f"mkdir -p $$(dirname {p}) && echo x > {p}" for p in UNNAMED)
    stderr = _run(sandbox, repo, made)
    assert "warning" not in stderr, stderr
    assert all((repo / path).read_text() == "x\n" for path in UNNAMED)


def _forge(path: str) -> str:
    """A commit on HEAD adding ``path``, made with plumbing, put on branch `feature`."""
    return ("set -e\nexport GIT_INDEX_FILE=$(mktemp)\ngit read-tree HEAD\n"
            "b=$(echo '[env]' | git hash-object -w --stdin)\n"
            f"git update-index --add --cacheinfo \"100644,$b,{path}\"\n"
            "t=$(git write-tree)\nrm -f $GIT_INDEX_FILE\nunset GIT_INDEX_FILE\n"
            "git update-ref refs/heads/feature $(GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x "
            "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x git commit-tree $t -p HEAD -m x)\n")


@needs_bwrap
@pytest.mark.parametrize("path", NAMED)
def test_a_branch_adding_one_is_put_back(sandbox: Sandbox, repo: Path, path: str) -> None:
    (repo / "forge.sh").write_text(_forge(path))
    stderr = _run(sandbox, repo, "sh forge.sh")
    assert path in stderr, stderr
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=repo, check=False, timeout=60,
                   capture_output=True)
    assert not (repo / path).exists()


@needs_bwrap
def test_a_branch_adding_a_file_named_like_them_is_kept(sandbox: Sandbox, repo: Path) -> None:
    (repo / "forge.sh").write_text(_forge("docs/mise.txt.md"))
    stderr = _run(sandbox, repo, "sh forge.sh")
    assert "warning" not in stderr, stderr
    _git("checkout", "-q", "feature", cwd=repo)
    assert (repo / "docs" / "mise.txt.md").read_text() == "[env]\n"


@needs_bwrap
@pytest.mark.parametrize("path", ["mise.dev.toml", "pkg/mise.dev.toml",
                                  "pkg/.claude/settings.json"])
def test_an_index_staging_one_the_run_made_is_held(sandbox: Sandbox, repo: Path,
                                                   path: str) -> None:
    """Red team 77 F2: the file was moved aside, but the index staged it: the operator's
    `git checkout -- .` wrote it back."""
    stderr = _run(sandbox, repo, f"mkdir -p $$(dirname {path}) && echo '[env]' > {path} && "
                  f"git add -f {path}")
    assert "stages" in stderr and "index.gatekeep-held" in stderr, stderr
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=False, timeout=60,
                   capture_output=True)
    assert not (repo / path).exists()


@needs_bwrap
def test_an_index_staging_other_work_is_kept(sandbox: Sandbox, repo: Path) -> None:
    stderr = _run(sandbox, repo, "echo [env] > mise.dev.toml && echo b > b.txt && "
                  "git add b.txt")
    assert "mise.dev.toml" in stderr and "stages" not in stderr, stderr
    assert "b.txt" in _git("diff", "--cached", "--name-only", cwd=repo)
