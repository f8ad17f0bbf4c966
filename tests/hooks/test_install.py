"""``gatekeep install`` / ``uninstall``: exactly gatekeep's hook entry, on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

GATEKEEP = None  # set per test from the scratch's bin directory

# What each agent's settings file holds before: other settings and another hook, in the
# two-space JSON the agents write themselves.
BEFORE = {
    "claude-code": {"model": "opus", "hooks": {"PreToolUse": [
        {"matcher": "Edit", "hooks": [{"type": "command", "command": "lint-edit"}]}]},
        "permissions": {"allow": ["Bash(ls:*)"]}},
    "codex": {"hooks": {"PreToolUse": [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "other-check"}]}]}},
    "gemini-cli": {"security": {"auth": {"selectedType": "gemini-api-key"}}, "ui": {"théme": "x"}},
    "cursor": {"version": 1, "hooks": {"afterFileEdit": [{"command": "fmt"}]}},
}
FILES = {"claude-code": ".claude/settings.json", "codex": ".codex/hooks.json",
         "gemini-cli": ".gemini/settings.json", "cursor": ".cursor/hooks.json"}


def ours(scratch, agent):
    command = f"{scratch.BIN / 'gatekeep'} hook {agent}"
    if agent == "cursor":
        return "beforeShellExecution", {"command": command}
    event, matcher = {"claude-code": ("PreToolUse", "Bash"), "codex": ("PreToolUse", "Bash"),
                      "gemini-cli": ("BeforeTool", "run_shell_command")}[agent]
    return event, {"matcher": matcher, "hooks": [{"type": "command", "command": command}]}


def dumped(value):
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("agent", list(FILES))
def test_round_trip_keeps_everything_else_byte_for_byte(scratch, agent):
    path = scratch.home / FILES[agent]
    path.parent.mkdir(parents=True)
    original = dumped(BEFORE[agent])
    path.write_text(original, encoding="utf-8")
    os.chmod(path, 0o640)

    first = scratch.run("gatekeep", "install", agent)
    assert first.returncode == 0, first
    event, entry = ours(scratch, agent)
    after = json.loads(path.read_text(encoding="utf-8"))
    expected = json.loads(original)
    expected.setdefault("hooks", {}).setdefault(event, []).append(entry)
    assert after == expected
    assert list(after) == list(expected)  # key order kept
    assert (path.parent / (path.name + ".gatekeep-backup")).read_text() == original
    assert os.stat(path).st_mode & 0o777 == 0o640

    installed = path.read_bytes()
    again = scratch.run("gatekeep", "install", agent)
    assert again.returncode == 0 and b"already installed" in again.stdout
    assert path.read_bytes() == installed

    removed = scratch.run("gatekeep", "uninstall", agent)
    assert removed.returncode == 0, removed
    assert path.read_text(encoding="utf-8") == original
    assert (path.parent / (path.name + ".gatekeep-backup")).read_bytes() == installed
    gone = scratch.run("gatekeep", "uninstall", agent)
    assert gone.returncode == 0 and b"not installed" in gone.stdout
    assert path.read_text(encoding="utf-8") == original


@pytest.mark.parametrize("agent", list(FILES))
def test_a_new_file_gets_only_the_hook(scratch, agent):
    result = scratch.run("gatekeep", "install", agent)
    assert result.returncode == 0, result
    event, entry = ours(scratch, agent)
    expected = {"hooks": {event: [entry]}}
    if agent == "cursor":
        expected = {"hooks": {event: [entry]}, "version": 1}
    assert json.loads((scratch.home / FILES[agent]).read_text()) == expected
    assert not (scratch.home / (FILES[agent] + ".gatekeep-backup")).exists()


@pytest.mark.parametrize("text", ['{\n  // a comment\n  "model": "opus"\n}\n',
                                  '{"hooks": {"PreToolUse": [}}', "[1, 2]\n",
                                  '{"hooks": []}\n', '{"hooks": {"PreToolUse": {}}}\n'])
def test_a_file_it_cannot_parse_is_left_alone(scratch, text):
    path = scratch.home / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    for action in ("install", "uninstall"):
        result = scratch.run("gatekeep", action, "claude-code")
        assert result.returncode == 1, result
        stderr = result.stderr.decode()
        assert stderr.startswith(f"gatekeep: will not edit {path}: ")
        assert "the file is unchanged; add or remove the hook by hand:" in stderr
        assert path.read_text(encoding="utf-8") == text
    assert not (path.parent / "settings.json.gatekeep-backup").exists()


def test_an_entry_from_another_install_location_is_replaced_and_others_kept(scratch):
    path = scratch.home / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(dumped({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "/old/venv/bin/gatekeep hook claude-code"},
        {"type": "command", "command": "my-audit"}]}]}}))
    assert scratch.run("gatekeep", "install", "claude-code").returncode == 0
    _, entry = ours(scratch, "claude-code")
    assert json.loads(path.read_text())["hooks"]["PreToolUse"] == [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-audit"}]}, entry]


def test_project_settings_are_in_the_current_directory(scratch):
    result = scratch.run("gatekeep", "install", "gemini-cli", "--project")
    assert result.returncode == 0, result
    assert (scratch.work / ".gemini" / "settings.json").exists()
    assert not (scratch.home / ".gemini").exists()


def test_codex_uses_codex_home_and_says_how_to_trust_the_hook(scratch):
    codex_home = scratch.root / "codex-home"
    result = scratch.run("gatekeep", "install", "codex", env={"CODEX_HOME": str(codex_home)})
    assert result.returncode == 0, result
    assert (codex_home / "hooks.json").exists()
    assert b"Codex has no setting that marks a hook trusted in advance" in result.stdout
    refused = scratch.run("gatekeep", "install", "codex", "--project")
    assert refused.returncode == 2
    assert refused.stderr == (b"gatekeep: codex reads hooks only from the user's settings; "
                              b"leave out --project\n")


def test_an_unknown_agent_is_a_usage_error(scratch):
    result = scratch.run("gatekeep", "install", "aider")
    assert (result.returncode, result.stderr) == (
        2, b"gatekeep: unknown agent 'aider'; choose one of claude-code, codex, gemini-cli, "
           b"cursor\n")


def test_a_gatekeep_the_agent_could_not_start_is_not_installed(scratch, unstartable_gatekeep):
    """A hook that cannot be started lets every command through (the agents tested take
    its failure as no objection): install refuses, and writes nothing."""
    script = unstartable_gatekeep
    with pytest.raises(OSError):
        subprocess.run([str(script), "version"], check=False)  # as an agent would start it
    result = subprocess.run([sys.executable, str(script), "install", "claude-code"],
                            capture_output=True, env=scratch.env, cwd=scratch.work, check=False)
    assert result.returncode == 1
    assert result.stderr.decode().startswith(f"gatekeep: not installed: {script} cannot be "
                                             "started (")
    assert f"its first line is '#!{script.parent / 'python3'}'" in result.stderr.decode()
    assert not (scratch.home / ".claude" / "settings.json").exists()
