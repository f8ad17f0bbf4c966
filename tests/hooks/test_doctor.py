"""``gatekeep doctor``: one line per check, a fix for each failure, exit 1 on a failure."""

from __future__ import annotations

import json
import subprocess
import sys


def test_a_clean_set_up(scratch):
    scratch.operator_policy("gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n")
    assert scratch.run("gatekeep", "install", "claude-code").returncode == 0
    result = scratch.run("gatekeep", "doctor")
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 0, result
    assert lines[0] == f"ok    policy loads: {scratch.config_home}/gatekeep/policy.yaml"
    assert lines[1] == f"ok    audit log: {scratch.audit_log}"
    assert f"ok    claude-code: gatekeep's hook is in {scratch.home}/.claude/settings.json" \
        in lines
    assert ("ok    claude-code: allowed commands are rewritten to run through gatekeep run, "
            "inside the boundary; commands the operator approves run as the agent sends them"
            ) in lines


def test_a_broken_policy_fails_with_a_fix(scratch):
    path = scratch.operator_policy("gatekeep: 1\nrules: [\n")
    result = scratch.run("gatekeep", "doctor")
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 1
    assert lines[0].startswith(f"FAIL  policy: {path}:")
    assert lines[1] == ("      fix: correct the file (gatekeep lint FILE shows every error); "
                        "until then gatekeep runs nothing")


def test_a_hook_whose_gatekeep_is_gone_fails_and_codex_trust_is_mentioned(scratch):
    codex = scratch.home / ".codex" / "hooks.json"
    codex.parent.mkdir(parents=True)
    codex.write_text(json.dumps({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "/gone/bin/gatekeep hook codex"}]}]}}))
    result = scratch.run("gatekeep", "doctor")
    text = result.stdout.decode()
    assert result.returncode == 1
    assert (f"FAIL  codex: the hook in {codex} runs /gone/bin/gatekeep, which is not an "
            "executable: the agent fails open\n      fix: gatekeep install codex\n") in text
    assert scratch.run("gatekeep", "install", "codex").returncode == 0
    fixed = scratch.run("gatekeep", "doctor")
    assert fixed.returncode == 0
    assert "note  codex: Codex skips a hook it has not been told to trust" in fixed.stdout.decode()


def test_a_project_that_switches_every_hook_off_fails(scratch):
    assert scratch.run("gatekeep", "install", "claude-code").returncode == 0
    layer = scratch.work / ".claude" / "settings.json"
    layer.parent.mkdir()
    layer.write_text(json.dumps({"disableAllHooks": True}))
    result = scratch.run("gatekeep", "doctor")
    assert result.returncode == 1
    assert (f"FAIL  claude-code: {layer} sets disableAllHooks: every hook, gatekeep's "
            f"included, is off\n      fix: remove disableAllHooks from {layer}\n"
            ) in result.stdout.decode()


def test_a_hook_of_another_gatekeep_or_under_another_matcher_does_not_count(scratch, tmp_path):
    fake = tmp_path / "elsewhere" / "gatekeep"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    settings = scratch.home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": f"{fake} hook claude-code"}]}]}}))
    text = scratch.run("gatekeep", "doctor").stdout.decode()
    assert f"FAIL  claude-code: the hook in {settings} runs {fake}, not this gatekeep" in text
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [{"matcher": "Nope", "hooks": [
        {"type": "command", "command": f"{scratch.BIN}/gatekeep hook claude-code"}]}]}}))
    text = scratch.run("gatekeep", "doctor").stdout.decode()
    assert f"note  claude-code: no gatekeep hook for Bash in {settings}" in text


def test_the_boundary_is_proven_by_starting_a_box(scratch):
    scratch.operator_policy("gatekeep: 1\nrules:\n  - id: a\n    allow: [ls]\n")
    text = scratch.run("gatekeep", "doctor").stdout.decode()
    assert "ok    boundary: bubblewrap (/usr/bin/bwrap), sandbox: preferred;" in text


def test_doctor_says_what_the_box_does_with_caches(scratch):
    scratch.operator_policy("gatekeep: 1\nsandbox_paths:\n  writable: [~/.npm, ~/.x]\n"
                            "  owners: {npm: [~/.npm], pnpm: [~/.npm]}\n"
                            "  separate: [~/.cache/go-build]\n")
    text = scratch.run("gatekeep", "doctor").stdout.decode()
    assert ("note  boundary: download caches, read-only in the box and written only by a "
            "download of their owners: ~/.npm (npm, pnpm), ~/.x (any download)\n") in text
    assert ("note  boundary: build caches kept apart (~/.cache/go-build): the box writes its "
            f"own copies under {scratch.home}/.cache/gatekeep/box\n") in text


def test_a_machine_that_cannot_box_is_reported(scratch, tmp_path):
    broken = tmp_path / "bin" / "bwrap"  # root-owned, so trusted, but it cannot start a box
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'bwrap: no namespaces here' >&2\nexit 1\n")
    broken.chmod(0o755)
    policy = ("gatekeep: 1\nsandbox: {mode}\nsandbox_paths: {{bwrap: [{bwrap}]}}\n"
              "rules:\n  - id: a\n    allow: [ls]\n")
    scratch.operator_policy(policy.format(mode="preferred", bwrap=broken))
    result = scratch.run("gatekeep", "doctor")
    assert result.returncode == 1
    assert (f"FAIL  boundary: {broken} cannot start a box here: bwrap: no namespaces here; "
            "every allowed command is asked instead") in result.stdout.decode()
    scratch.operator_policy(policy.format(mode="required", bwrap="/nonexistent/bwrap"))
    result = scratch.run("gatekeep", "doctor")
    assert result.returncode == 1
    assert "FAIL  boundary: no bubblewrap owned by root" in result.stdout.decode()
    scratch.operator_policy(policy.format(mode="off", bwrap=broken))
    assert "note  boundary: off (sandbox: off in the policy)" in \
        scratch.run("gatekeep", "doctor").stdout.decode()


def test_a_hook_the_agent_cannot_start_fails(scratch, unstartable_gatekeep):
    """This gatekeep's own command, installed where the kernel cannot start it (a blank in
    its interpreter's path): the hook in place would let every command through."""
    script = unstartable_gatekeep
    settings = scratch.home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": f"'{script}' hook claude-code"}]}]}}))
    result = subprocess.run([sys.executable, str(script), "doctor"], capture_output=True,
                            env=scratch.env, cwd=scratch.work, check=False)
    text = result.stdout.decode()
    assert result.returncode == 1
    assert (f"FAIL  claude-code: the hook in {settings} runs {script}, which the agent "
            f"cannot start: it fails open. {script} cannot be started (") in text
    assert "reinstall gatekeep where it can be started, then gatekeep install claude-code" \
        in text
