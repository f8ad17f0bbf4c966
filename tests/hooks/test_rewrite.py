"""An allowed command rewritten to run through ``gatekeep run`` (Claude Code, Gemini CLI):
judged again, run inside the boundary, and the agent's shell ends where the command did."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.hooks.test_hook_replies import payload

POLICY = """gatekeep: 1
extends: [builtin:default]
rules:
  - id: files
    allow: [touch, make]
"""
SHELLS = [shell for shell in ("bash", "sh", "zsh") if shutil.which(shell)]


def rewritten(scratch, agent, command):
    result = scratch.hook(agent, payload(agent, command, str(scratch.work)))
    assert result.returncode == 0, result
    specific = json.loads(result.stdout)["hookSpecificOutput"]
    given = specific["updatedInput" if agent == "claude-code" else "tool_input"]
    return given["command"]


def in_shell(scratch, shell, text, **env):
    return subprocess.run([shell, "-c", text], cwd=scratch.work, env={**scratch.env, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("shell", SHELLS)
def test_the_rewrite_runs_the_command_through_gatekeep_and_keeps_its_directory(scratch, shell):
    scratch.operator_policy(POLICY)
    (scratch.work / "sub dir").mkdir()
    text = rewritten(scratch, "claude-code", "cd 'sub dir' && touch made")

    result = in_shell(scratch, shell, text + " && pwd -P")

    assert result.returncode == 0, result
    assert result.stdout == f"{(scratch.work / 'sub dir').resolve()}\n"
    assert (scratch.work / "sub dir" / "made").exists()
    assert [e["mode"] for e in scratch.audit()] == ["hook:claude-code", "run"]
    assert not list(scratch.work.parent.glob("**/gatekeep-cwd.*"))  # nothing left behind


@pytest.mark.parametrize("shell", SHELLS)
def test_the_rewrite_keeps_the_commands_exit_status(scratch, shell):
    scratch.operator_policy(POLICY)
    text = rewritten(scratch, "gemini-cli", "make no-such-target")
    result = in_shell(scratch, shell, text + "; echo status=$?; pwd -P")
    assert result.stdout == f"status=2\n{scratch.work.resolve()}\n", result


def test_the_rewrite_is_judged_again_when_it_runs(scratch):
    scratch.operator_policy(POLICY)
    text = rewritten(scratch, "claude-code", "touch made")
    scratch.operator_policy(POLICY + "  - id: no-touch\n    deny: [touch]\n")

    result = in_shell(scratch, "bash", text)

    assert result.returncode == 126, result
    assert "gatekeep: denied: no-touch" in result.stderr
    assert not (scratch.work / "made").exists()


def test_what_the_reading_missed_is_stopped_by_the_boundary(scratch):
    """``make`` is allowed; the recipe it runs writes a protected file. Run as the agent
    would without the rewrite, the write lands; through the rewrite, the box stops it."""
    scratch.operator_policy(POLICY)
    bashrc = scratch.home / ".bashrc"
    bashrc.write_text("# the operator's\n")
    (scratch.work / "Makefile").write_text(f"all:\n\techo planted >> {bashrc}\n")

    text = rewritten(scratch, "claude-code", "make")
    boxed = in_shell(scratch, "bash", text)
    assert boxed.returncode != 0 and bashrc.read_text() == "# the operator's\n", boxed

    assert in_shell(scratch, "bash", "make").returncode == 0  # the command as the agent sent it
    assert bashrc.read_text().endswith("planted\n")


def test_what_the_command_writes_to_the_report_can_only_move_to_a_directory(scratch):
    scratch.operator_policy(POLICY)
    text = rewritten(scratch, "claude-code", "touch made >&9; touch /dev/null")
    result = in_shell(scratch, "bash", text + "; pwd -P")
    assert result.stdout.splitlines()[-1] == str(scratch.work.resolve()), result


def test_no_rewrite_where_gatekeep_cannot_be_named_by_its_path(scratch):
    scratch.operator_policy(POLICY)
    body = json.dumps(payload("claude-code", "touch made", str(scratch.work))).encode()
    result = subprocess.run([str(scratch.BIN / "python"), "-m", "gatekeep", "hook",
                             "claude-code"], input=body, capture_output=True, cwd=scratch.work,
                            env=scratch.env)
    assert result.returncode == 0, result
    assert "updatedInput" not in json.loads(result.stdout)["hookSpecificOutput"]


@pytest.mark.parametrize("shell", SHELLS)
def test_the_report_has_no_name_while_the_command_runs(scratch, shell):
    """Nothing for the command to replace, and nothing left behind if the shell is killed."""
    scratch.operator_policy(POLICY)
    temp = scratch.root / "temp"
    temp.mkdir()
    (scratch.work / "Makefile").write_text(f"all:\n\tls -a {temp} > seen\n")
    text = rewritten(scratch, "claude-code", "make")

    result = in_shell(scratch, shell, text, TMPDIR=str(temp))

    assert result.returncode == 0, result
    assert (scratch.work / "seen").read_text().split() == [".", ".."]
    assert not list(temp.iterdir())


def test_what_the_command_puts_under_the_reports_name_is_not_read(scratch):
    """A recipe links the report's name to a file that names another directory: the shell
    reads the report it opened, not what the name leads to afterwards."""
    scratch.operator_policy(POLICY)
    elsewhere = scratch.work / "elsewhere"
    elsewhere.mkdir()
    (scratch.work / "planted").write_text(f"{elsewhere}\n")
    (scratch.work / "Makefile").write_text(
        "all:\n\tf=$$(readlink /proc/self/fd/9); ln -sf $(CURDIR)/planted \"$${f% (deleted)}\"\n")
    text = rewritten(scratch, "claude-code", "make")

    result = in_shell(scratch, "bash", text + "; pwd -P", TMPDIR=str(scratch.root))

    assert result.returncode == 0, result
    assert result.stdout.splitlines()[-1] == str(scratch.work.resolve())


@pytest.mark.parametrize("shell", SHELLS)
def test_a_directory_whose_name_has_a_newline_does_not_move_the_shell_elsewhere(scratch, shell):
    """Its last line alone (``/etc`` here) is not where the command ended."""
    scratch.operator_policy(POLICY)
    (scratch.work / "x\n" / "etc").mkdir(parents=True)
    text = rewritten(scratch, "gemini-cli", "cd 'x\n/etc'")

    result = in_shell(scratch, shell, text + "; pwd -P")

    assert result.returncode == 0, result
    assert result.stdout == f"{scratch.work.resolve()}\n"


def test_the_report_request_is_not_passed_on_to_the_command(scratch):
    """A gatekeep run by the command (a recipe's shell) would report its own directory and
    leave a report of two lines, which moves nothing."""
    scratch.operator_policy(POLICY)
    (scratch.work / "sub").mkdir()
    (scratch.work / "sub" / "Makefile").write_text("all:\n\tenv > seen\n")
    text = rewritten(scratch, "claude-code", "cd sub && make")

    result = in_shell(scratch, "bash", text + "; pwd -P")

    assert result.stdout.splitlines()[-1] == str((scratch.work / "sub").resolve()), result
    assert "GATEKEEP_CWD_FD" not in (scratch.work / "sub" / "seen").read_text()


def test_a_rewritten_run_is_counted_once_against_a_rate_limit(scratch):
    scratch.operator_policy("gatekeep: 1\nrules:\n  - id: files\n    allow: [touch]\n"
                            "    rate: 2/hour\n")
    for name in ("one", "two"):
        text = rewritten(scratch, "claude-code", f"touch {name}")
        assert in_shell(scratch, "bash", text).returncode == 0
    assert (scratch.work / "one").exists() and (scratch.work / "two").exists()

    third = scratch.hook("claude-code", payload("claude-code", "touch three", str(scratch.work)))
    assert third.returncode == 0
    assert json.loads(third.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert "rate" in json.loads(third.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
