"""One error boundary for every subcommand: an unexpected exception is one line and exit 70,
Ctrl-C is 130, a traceback never shows, and nothing runs.

The faults are injected into a real ``gatekeep`` process by a small driver that replaces one
function and then calls ``gatekeep.__main__.main`` as the console script does; the same
faults go through typer's ``CliRunner``, which calls the application without ``main()``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from gatekeep.cli import app

Sandbox = Any  # the fixture's class lives in conftest.py

DRIVER = """
import importlib, sys
module, name, kind = sys.argv[1:4]
def broken(*args, **kwargs):
    raise KeyboardInterrupt if kind == "interrupt" else RuntimeError("boom \\x1b[31mred")
setattr(importlib.import_module(module), name, broken)
sys.argv = ["gatekeep", *sys.argv[4:]]
from gatekeep.__main__ import main
sys.exit(main())
"""
BOOM = "gatekeep: internal error: RuntimeError: boom \\e[31mred\n"

# (module, function, arguments): the function each subcommand calls to do its work.
SUBCOMMANDS = [
    pytest.param("gatekeep.commands.log", "log", ["log"], id="log"),
    pytest.param("gatekeep.commands.approvals", "list_approvals", ["approvals", "list"],
                 id="approvals-list"),
    pytest.param("gatekeep.commands.approvals", "revoke", ["approvals", "revoke", "x"],
                 id="approvals-revoke"),
    pytest.param("gatekeep.commands.replay", "replay_log",
                 ["replay", "audit.jsonl", "-p", "builtin:default"], id="replay"),
    pytest.param("gatekeep.commands.check", "check", ["check", "-c", "ls"], id="check"),
    pytest.param("gatekeep.commands.lint", "lint", ["lint", "builtin:default"], id="lint"),
    pytest.param("gatekeep.commands.test", "run_tests", ["test"], id="test"),
    pytest.param("gatekeep.commands.schema", "schema", ["schema"], id="schema"),
    pytest.param("gatekeep.commands.completions", "completions", ["completions", "bash"],
                 id="completions"),
]
# ``run`` through typer (an option the fast path does not take) and through the fast path.
RUNS = [
    pytest.param("gatekeep.commands.run", "run",
                 ["run", "-c", "touch marker", "--policy", "builtin:default"], id="run-typer"),
    pytest.param("gatekeep.runtime.fastpath", "run", ["run", "-c", "touch marker"],
                 id="run-fast-path"),
    pytest.param("gatekeep.core.inputs", "Request", ["run", "--", "touch", "marker"],
                 id="run-full-path"),
]


def drive(sandbox: Sandbox, module: str, name: str, kind: str,
          args: list[str]) -> subprocess.CompletedProcess[str]:
    """``gatekeep ARGS`` in a real process, with ``module.name`` raising."""
    return subprocess.run(
        [sys.executable, "-c", DRIVER, module, name, kind, *args], capture_output=True,
        text=True, env=sandbox.env, cwd=sandbox.work, timeout=sandbox.TIMEOUT, check=False,
        start_new_session=True,
    )


@pytest.mark.parametrize(("module", "name", "args"), SUBCOMMANDS + RUNS)
def test_an_unexpected_exception_is_one_line_and_exit_70(sandbox, module, name, args):
    result = drive(sandbox, module, name, "error", args)

    assert (result.returncode, result.stdout) == (70, ""), result.stderr
    assert result.stderr.startswith(BOOM)
    assert result.stderr in (BOOM, BOOM + "gatekeep: nothing was run\n")  # run says so too
    assert "Traceback" not in result.stderr
    assert not sandbox.marker.exists()


@pytest.mark.parametrize(("module", "name", "args"), SUBCOMMANDS + RUNS)
def test_ctrl_c_is_exit_130(sandbox, module, name, args):
    result = drive(sandbox, module, name, "interrupt", args)

    assert result.returncode == 130, result.stderr
    assert result.stderr in ("", "gatekeep: interrupted; nothing was run\n")
    assert not sandbox.marker.exists()


def test_the_driver_runs_gatekeep_as_the_console_script_does(sandbox):
    """The control: with a function that is not on the way, the command runs as usual."""
    result = drive(sandbox, "gatekeep.commands.schema", "schema", "error",
                   ["run", "-c", "touch marker"])

    assert (result.returncode, result.stderr) == (0, "")
    assert sandbox.marker.exists()


def test_a_real_failure_is_one_line_too(sandbox):
    """Nothing injected: standard output is closed, so writing the schema fails."""
    result = subprocess.run(["bash", "-c", '"$0" schema >&-', str(sandbox.GATEKEEP)],
                            capture_output=True, text=True, env=sandbox.env, cwd=sandbox.work,
                            timeout=sandbox.TIMEOUT, check=False)

    assert (result.returncode, result.stderr) == (70, (
        "gatekeep: internal error: AttributeError: 'NoneType' object has no attribute "
        "'write'\n"))


def test_a_malformed_approvals_file_is_an_error_line_not_a_traceback(sandbox):
    saved = sandbox.config_home / "gatekeep" / "approvals.json"
    saved.parent.mkdir(parents=True)
    for text in ("[" * 100_000, json.dumps({"version": 1, "approvals": [{
            "id": "x", "argv": ["ls"], "scope": "/", "command": "ls", "created": 10 ** 400,
            "expires": 1}]})):
        saved.write_text(text, encoding="utf-8")
        for args, verb in ((["approvals", "list"], "read"),
                           (["approvals", "revoke", "x"], "update")):
            result = sandbox.gatekeep(*args)

            assert result.returncode == 5, result.stderr
            assert result.stderr.startswith(f"gatekeep: cannot {verb} {saved}: ")
            assert result.stderr.count("\n") == 1
            assert "Traceback" not in result.stderr


def test_a_usage_error_is_still_exit_2(sandbox):
    result = sandbox.gatekeep("log", "--limit", "many")

    assert result.returncode == 2
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


# -- the same boundary when the typer application is called directly -----------------------

@pytest.fixture
def runner(sandbox, monkeypatch) -> CliRunner:
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(sandbox.work)
    return CliRunner()


@pytest.mark.parametrize(("module", "name", "args"), SUBCOMMANDS + RUNS[:1])
def test_cli_runner_sees_one_line_and_exit_70(runner, monkeypatch, module, name, args):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom \x1b[31mred")

    monkeypatch.setattr(importlib.import_module(module), name, broken)

    result = runner.invoke(app, args)

    assert result.exit_code == 70, result.output
    assert result.stderr in (BOOM, BOOM + "gatekeep: nothing was run\n")
    assert result.stdout == ""
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("module", "name", "args"), SUBCOMMANDS[:3])
def test_cli_runner_sees_ctrl_c_as_exit_130(runner, monkeypatch, module, name, args):
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)

    result = runner.invoke(app, args)

    assert (result.exit_code, result.output) == (130, "")


def test_cli_runner_usage_error_is_exit_2(runner):
    result = runner.invoke(app, ["approvals", "nosuch"])

    assert result.exit_code == 2
    assert "No such command 'nosuch'" in result.stderr
    assert "internal error" not in result.output
