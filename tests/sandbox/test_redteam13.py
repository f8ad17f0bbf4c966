"""Forms of core.hooksPath that git uses and a box could change, the cost of the config scan,
and doctor starting a program it has not identified (a red team's findings, each of which
failed before its fix)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeep.sandbox.gitdirs import protected

HOME = "/h"


def git_reads(config: Path) -> bytes | None:
    """``core.hooksPath`` as git reads it from ``config`` (bytes, as git has them)."""
    result = subprocess.run(["git", "config", "--file", str(config), "--null", "--get",
                             "core.hooksPath"], capture_output=True, check=False)
    return result.stdout.removesuffix(b"\0") if result.returncode == 0 else None


def kept(tree: Path, value: bytes) -> bool:
    path = os.path.normpath(os.path.join(os.fsencode(tree), value))
    guarded, absent, *_ = protected(str(tree), HOME)
    return path in {os.fsencode(p) for p in guarded + absent}


@pytest.mark.parametrize(("config", "value"), [
    # git skips a UTF-8 BOM at the start of a config; the scan's regex does not
    (b"\xef\xbb\xbf[core] hooksPath = .githooks\n", b".githooks"),
    # git keeps the bytes; the scan decodes with errors="replace" and protects U+FFFD instead
    (b"[core]\n\thooksPath = .githooks\xff\n", b".githooks\xff"),
    # git's value ends at a NUL; the scan keeps ".githooks\0x", which names nothing
    (b"[core]\n\thooksPath = .githooks\0x\n", b".githooks"),
    # git reads the whole file; the scan reads its first 1 MiB only
    (b"#" + b"x" * (1 << 20) + b"\n[core]\n\thooksPath = .githooks\n", b".githooks"),
], ids=["bom", "invalid-utf8", "nul", "past-1MiB"])
def test_a_hooks_path_git_reads_from_the_config_is_kept_read_only(
        tmp_path: Path, config: bytes, value: bytes) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_bytes(config)
    assert git_reads(tmp_path / ".git" / "config") == value
    assert kept(tmp_path, value)


def test_a_hooks_path_set_in_config_worktree_is_kept_read_only(tmp_path: Path) -> None:
    """With extensions.worktreeConfig, git reads core.hooksPath from .git/config.worktree;
    the scan reads .git/config only."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "config", "extensions.worktreeConfig", "true"], check=True)
    subprocess.run([*git, "config", "--worktree", "core.hooksPath", ".githooks"], check=True)
    used = subprocess.run([*git, "rev-parse", "--git-path", "hooks"], capture_output=True,
                          check=True).stdout.strip()
    assert used == b".githooks"  # relative to the work tree
    assert kept(tmp_path, used)


def test_a_submodules_hooks_path_is_kept_read_only(tmp_path: Path) -> None:
    """A submodule's git dir under .git/modules has its config bound read-only, but the
    hooksPath it sets (relative to the submodule's work tree, inside this tree) is not: a
    box at the superproject writes sub/.githooks/pre-commit; ``git -C sub commit`` runs it."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sub = tmp_path / "sub"
    (tmp_path / ".git" / "modules").mkdir()
    subprocess.run(["git", "init", "-q", "--separate-git-dir",
                    str(tmp_path / ".git" / "modules" / "sub"), str(sub)], check=True)
    subprocess.run(["git", "-C", str(sub), "config", "core.hooksPath", ".githooks"],
                   check=True)
    used = subprocess.run(["git", "-C", str(sub), "rev-parse", "--git-path", "hooks"],
                          capture_output=True, check=True).stdout.strip()
    assert used == b".githooks"
    assert kept(tmp_path, b"sub/" + used)


def test_a_config_without_the_key_is_not_read_line_by_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """1 MiB of ``path=`` lines took about 600 ms in ``protected()``, on every boxed run,
    each line read for a key it cannot hold: a config without ``hooksPath``, an include
    section or ``worktree`` is now passed over whole (a count, not a timing)."""
    from gatekeep.sandbox import gitdirs

    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("path=\n" * ((1 << 20) // 6))
    lines_read: list[str] = []
    real = gitdirs._after_key
    monkeypatch.setattr(gitdirs, "_after_key",
                        lambda line, key: lines_read.append(line) or real(line, key))
    protected(str(tmp_path), HOME)
    assert lines_read == []


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_hooks_path_directory_that_does_not_exist_yet_cannot_be_made_in_the_box(
        tmp_path: Path) -> None:
    """core.hooksPath names a directory that is not there: nothing binds it (a bind needs
    the path) and it is not among the paths removed if the run makes them, so one boxed
    command makes it and writes a hook that the operator's next ``git commit`` runs."""
    tree, home = tmp_path / "tree", tmp_path / "home"
    home.mkdir()
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    subprocess.run(["git", "-C", str(tree), "config", "core.hooksPath", ".githooks"],
                   check=True)
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_STATE_HOME": str(home / "s"),
           "XDG_CONFIG_HOME": str(home / "c"), "XDG_CACHE_HOME": str(home / "cache")}
    subprocess.run([sys.executable, "-m", "gatekeep", "run", "-c",
                    "mkdir -p .githooks && cp /usr/bin/true .githooks/pre-commit"],
                   cwd=tree, env=env, capture_output=True, timeout=120, check=False)
    assert not (tree / ".githooks" / "pre-commit").exists()


def test_doctor_does_not_start_a_gatekeep_from_the_project_when_its_own_is_a_bare_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """executable_path() is the bare name ``gatekeep`` when no script lies beside the
    interpreter. doctor then compares realpath(program) with realpath("gatekeep"), both
    resolved against the working directory, and starts ``gatekeep version`` through PATH: a
    project whose .claude/settings.json names ``gatekeep hook claude-code`` and which holds
    an executable ``gatekeep`` passes the identity check, and with an empty PATH entry (a
    trailing ``:``) or ``.`` doctor runs the project's file."""
    from gatekeep.commands import doctor

    project = tmp_path / "project"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "settings.json").write_text(
        '{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", '
        '"command": "gatekeep hook claude-code"}]}]}}')
    marker = tmp_path / "ran"
    (project / "gatekeep").write_text(f"#!/bin/sh\ntouch '{marker}'\n")
    (project / "gatekeep").chmod(0o755)
    monkeypatch.setattr(doctor, "executable_path", lambda: "gatekeep")
    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", "/usr/bin:/bin:")  # a trailing colon: the working directory
    doctor._hooks({"HOME": str(tmp_path / "home")}, project)
    assert not marker.exists()
