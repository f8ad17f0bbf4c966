"""What gatekeep executes: the system's bash, and the very program that was judged."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from gatekeep.runtime import execute
from gatekeep.runtime.allowed import judged_program, run_allowed

Sandbox = Any  # the fixture's class lives in conftest.py


def planted(directory: Path, name: str, marker: Path) -> Path:
    """An executable ``name`` in ``directory`` that leaves ``marker`` behind if it ever runs."""
    directory.mkdir(parents=True, exist_ok=True)
    program = directory / name
    program.write_text(f"#!/bin/sh\ntouch {marker}\n")
    program.chmod(0o755)
    return program


def test_a_bash_the_agent_put_on_path_never_runs(sandbox: Sandbox) -> None:
    """The .venv/bin attack: two allowed commands plant a bash early on PATH."""
    pwned = sandbox.root / "pwned"
    venv_bin = sandbox.work / ".venv" / "bin"
    planted(venv_bin, "bash", pwned)
    path = f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    for _ in range(2):  # the second run may reuse the stored decision: same answer
        result = sandbox.gatekeep("run", "-c", "echo hi > out.txt", env={"PATH": path})
        assert result.returncode == 0, result.stderr
        assert (sandbox.work / "out.txt").read_text() == "hi\n"
    assert not pwned.exists()


def test_an_argv_request_runs_the_file_that_was_judged(tmp_path: Path) -> None:
    """Judging and running make one lookup: a later lookup would find the planted one."""
    pwned = tmp_path / "pwned"
    planted(tmp_path / "early", "true", pwned)
    status = run_allowed(None, ("true",), "/bin/true", {"PATH": str(tmp_path / "early")},
                         str(tmp_path / "audit.jsonl"), '{"mode": "run"', io.StringIO())
    assert status == 0
    assert not pwned.exists()


def test_the_judged_program_is_the_path_answer_the_decision_used() -> None:
    answers = {"ls": "/usr/bin/ls"}
    assert judged_program(("ls", "-l"), answers.get) == "/usr/bin/ls"
    assert judged_program(("./tool",), answers.get) == "./tool"
    assert judged_program(("missing",), answers.get) is None
    assert judged_program((), answers.get) is None


def test_a_program_that_was_not_found_is_reported_not_looked_up_again(tmp_path: Path) -> None:
    stderr = io.StringIO()
    status = run_allowed(None, ("nosuchprogram",), None, {}, str(tmp_path / "a.jsonl"),
                         '{"mode": "run"', stderr)
    assert status == 127
    assert stderr.getvalue() == "gatekeep: nosuchprogram: command not found\n"


def test_the_system_shell_must_be_changeable_by_root_only(tmp_path: Path) -> None:
    shell = tmp_path / "bash"
    shell.write_text("#!/bin/sh\n")
    shell.chmod(0o755)
    os.chown(tmp_path, 0, 0)
    tmp_path.chmod(0o755)
    assert execute.system_shell([str(shell)]) == str(shell)
    shell.chmod(0o775)  # writable by its group
    with pytest.raises(FileNotFoundError):
        execute.system_shell([str(shell)])
    shell.chmod(0o755)
    os.chown(shell, 65534, 65534)  # owned by someone else
    with pytest.raises(FileNotFoundError):
        execute.system_shell([str(shell)])
    os.chown(shell, 0, 0)
    tmp_path.chmod(0o777)  # in a directory anyone may change
    with pytest.raises(FileNotFoundError):
        execute.system_shell([str(shell)])
    tmp_path.chmod(0o755)


def test_no_trusted_shell_means_nothing_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    monkeypatch.setattr(execute, "SYSTEM_SHELLS", (str(tmp_path / "absent"),))
    stderr = io.StringIO()
    status = run_allowed(f"touch {tmp_path / 'ran'}", None, None, {"PATH": "/usr/bin:/bin"},
                         str(tmp_path / "a.jsonl"), '{"mode": "run"', stderr)
    assert status == 127
    assert "no bash owned by root" in stderr.getvalue()
    assert not (tmp_path / "ran").exists()


def test_a_program_planted_on_path_by_an_earlier_part_does_not_run(sandbox: Sandbox) -> None:
    """``ls`` was judged as the system's ls: that is the file that runs, whatever appears
    earlier on PATH while the command runs."""
    pwned = sandbox.root / "pwned"
    venv_bin = sandbox.work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    evil = planted(sandbox.work / "tools", "evil.sh", pwned)
    path = f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    command = f"cp {evil} .venv/bin/ls && chmod +x .venv/bin/ls && ls"
    for _ in range(2):  # judged afresh, then the stored decision reused
        result = sandbox.gatekeep("run", "-c", command, env={"PATH": path})
        assert result.returncode == 0, result.stderr
        assert (venv_bin / "ls").exists()  # the plant happened; it just never ran
        (venv_bin / "ls").unlink()
    assert not pwned.exists()
    assert len(list((sandbox.state_home / "gatekeep" / "cache").glob("d-*"))) == 1


def test_a_relative_path_entry_does_not_follow_a_cd(sandbox: Sandbox) -> None:
    pwned = sandbox.root / "pwned"
    (sandbox.work / "sub").mkdir()
    planted(sandbox.work / "sub" / "bin", "ls", pwned)
    path = f"bin:{os.environ.get('PATH', '/usr/bin:/bin')}"
    result = sandbox.gatekeep("run", "-c", "cd sub && ls", env={"PATH": path})
    assert result.returncode == 0, result.stderr
    assert "bin" in result.stdout.split()
    assert not pwned.exists()


def test_pinning_quotes_every_name_and_path() -> None:
    from gatekeep.runtime.allowed import pinned

    answers = [("which", "ls", "/usr/bin/ls"), ("which", "it's", "/opt/it's"),
               ("which", "gone", None), ("which", "./x", "./x"), ("realpath", "/a", "/b")]
    assert pinned("ls", answers) == ("hash -p '/usr/bin/ls' 'ls'; "
                                     "hash -p '/opt/it'\\''s' 'it'\\''s'\nls")
    assert pinned("ls", []) == "ls"
