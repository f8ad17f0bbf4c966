"""End to end with real agent CLIs (Codex, Claude Code, Gemini CLI), offline: a fake model
server asks for a shell command, the agent calls ``gatekeep hook``, and what gatekeep
answers decides whether it runs.

The CLIs come from the npm registry (``.ci/run`` installs them under ``.ci-cache/agents``;
``GATEKEEP_TEST_AGENTS`` may name another such folder). Without node or the packages,
these tests skip and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.agents

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(os.environ.get("GATEKEEP_TEST_AGENTS") or REPO / ".ci-cache" / "agents")
SERVERS = Path(__file__).parent / "servers"
POLICY = """gatekeep: 1
rules:
  - id: files
    allow: [touch]
  - id: no-rm
    deny: [rm]
    reason: deletes files
    suggest: move them to a trash directory
"""


def agent_cli(name):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the real agent CLIs need it (.ci/run installs it)")
    binary = AGENTS_DIR / "node_modules" / ".bin" / name
    if not binary.exists():
        pytest.skip(f"{binary} is missing: run .ci/run, or npm install the agent CLIs into "
                    f"a folder named by GATEKEEP_TEST_AGENTS")
    return binary


class FakeModel:
    """A fake model server (one of tests/hooks/servers/) that asks for one command."""

    def __init__(self, script, log, command):
        self.log = log
        self.process = subprocess.Popen([sys.executable, str(SERVERS / script), str(log),
                                         command], stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())

    def requests(self):
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def model(scratch):
    servers = []

    def start(script, command):
        server = FakeModel(script, scratch.root / f"requests-{len(servers)}.jsonl", command)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def crashing_hook(scratch, agent):
    """A hook command whose gatekeep raises inside the engine (through sitecustomize)."""
    inject = scratch.root / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(
        "from gatekeep.core import guard, inputs\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('injected')\n"
        "inputs.judge = broken\n"
        "guard.judge = broken\n")
    return f"env PYTHONPATH={inject} {scratch.BIN / 'gatekeep'} hook {agent}"


# -- Codex CLI ------------------------------------------------------------------------------

def codex(scratch, model, command, hook_command=None):
    """Run ``codex exec`` once with gatekeep's hook; the tool outputs the model received."""
    binary = agent_cli("codex")
    server = model("fake_openai.py", command)
    codex_home = scratch.root / "codex-home"
    codex_home.mkdir(exist_ok=True)
    (codex_home / "config.toml").write_text(
        'model = "fake-model"\nmodel_provider = "fake"\ncheck_for_update_on_startup = false\n'
        "[model_providers.fake]\n"
        f'name = "fake"\nbase_url = "http://127.0.0.1:{server.port}/v1"\n'
        'wire_api = "responses"\nenv_key = "FAKE_OPENAI_KEY"\nrequest_max_retries = 0\n'
        "stream_max_retries = 0\nsupports_websockets = false\n")
    env = {"CODEX_HOME": str(codex_home), "FAKE_OPENAI_KEY": "sk-test"}
    if hook_command is None:
        assert scratch.run("gatekeep", "install", "codex", env=env).returncode == 0
    else:
        (codex_home / "hooks.json").write_text(json.dumps({"hooks": {"PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": hook_command}]}]}}))
    result = scratch.run(str(binary), "exec", "--skip-git-repo-check", "--ephemeral",
                         "--dangerously-bypass-approvals-and-sandbox",
                         "--dangerously-bypass-hook-trust", "do it", env=env)
    assert result.returncode == 0, result
    return [item["output"] for request in server.requests()
            for item in request["body"].get("input", [])
            if isinstance(item, dict) and item.get("type") == "function_call_output"]


def test_codex_runs_what_gatekeep_allows(scratch, model):
    scratch.operator_policy(POLICY)
    outputs = codex(scratch, model, "touch made")
    assert (scratch.work / "made").exists()
    assert len(outputs) == 1 and "blocked" not in outputs[0]
    assert [(e["mode"], e["decision"]) for e in scratch.audit()] == [("hook:codex", "allow")]


def test_codex_does_not_run_what_gatekeep_denies_and_the_model_learns_why(scratch, model):
    scratch.operator_policy(POLICY)
    (scratch.work / "keep").write_text("precious")
    outputs = codex(scratch, model, "rm -f keep")
    assert (scratch.work / "keep").exists()
    assert outputs == ["Command blocked by PreToolUse hook: gatekeep: denied: no-rm: rm: "
                       "deletes files other than build output (deletes); "
                       "writes or deletes files in the working tree (writes-tree)\n"
                       "gatekeep:   in: rm -f keep\ngatekeep:   instead: move them to a "
                       "trash directory\ngatekeep: not run. Command: rm -f keep"]


def test_codex_blocks_when_gatekeep_crashes(scratch, model):
    scratch.operator_policy(POLICY)
    hook = crashing_hook(scratch, "codex")
    outputs = codex(scratch, model, "touch made", hook_command=hook)
    assert not (scratch.work / "made").exists()
    assert outputs == ["Command blocked by PreToolUse hook: gatekeep: internal error: "
                       "RuntimeError: injected\ngatekeep: not run (gatekeep blocks what it "
                       "cannot judge). Command: touch made"]


def test_codex_blocks_when_the_policy_does_not_load(scratch, model):
    scratch.operator_policy("gatekeep: 1\nrules: [\n")
    outputs = codex(scratch, model, "touch made")
    assert not (scratch.work / "made").exists()
    assert len(outputs) == 1 and outputs[0].startswith(
        "Command blocked by PreToolUse hook: gatekeep: policy error: ")


# -- Claude Code ----------------------------------------------------------------------------

def claude(scratch, model, command, hook_command=None):
    """Run ``claude -p`` once with gatekeep's hook; the tool results the model received."""
    binary = agent_cli("claude")
    server = model("fake_anthropic.py", command)
    if hook_command is None:
        assert scratch.run("gatekeep", "install", "claude-code").returncode == 0
    else:
        settings = scratch.home / ".claude" / "settings.json"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps({"hooks": {"PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": hook_command}]}]}}))
    env = {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.port}",
           "ANTHROPIC_API_KEY": "sk-test", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
           "DISABLE_TELEMETRY": "1"}
    result = scratch.run(str(binary), "-p", "do it", "--output-format", "json",
                         "--allowedTools", "Bash", env=env)
    assert result.returncode == 0, result
    return [part.get("content") for request in server.requests()
            for message in request["body"].get("messages", [])
            if isinstance(message.get("content"), list)
            for part in message["content"] if part.get("type") == "tool_result"]


def test_claude_code_runs_what_gatekeep_allows(scratch, model):
    scratch.operator_policy(POLICY)
    results = claude(scratch, model, "touch made")
    assert (scratch.work / "made").exists()
    assert len(results) == 1 and "gatekeep" not in json.dumps(results)
    # the hook allowed it, and the command it rewrote ran through gatekeep run, in the box
    assert [(e["mode"], e["decision"], e["why"]) for e in scratch.audit()] == [
        ("hook:claude-code", "allow", "make the file"), ("run", "allow", "make the file")]


def test_claude_code_runs_an_allowed_command_inside_the_boundary(scratch, model):
    """``make`` is allowed; what its recipe does was not read. The box stops its write to a
    protected file, and the model sees the program's own error."""
    scratch.operator_policy("gatekeep: 1\nextends: [builtin:default]\n")  # protects ~/.bashrc
    bashrc = scratch.home / ".bashrc"
    bashrc.write_text("# the operator's\n")
    (scratch.work / "Makefile").write_text(f"all:\n\techo planted >> {bashrc}\n")
    results = claude(scratch, model, "make")
    assert bashrc.read_text() == "# the operator's\n"
    assert "Read-only file system" in json.dumps(results)


def test_claude_code_does_not_run_what_gatekeep_denies_and_the_model_learns_why(scratch, model):
    scratch.operator_policy(POLICY)
    (scratch.work / "keep").write_text("precious")
    results = claude(scratch, model, "rm -f keep")
    assert (scratch.work / "keep").exists()
    assert results == ["gatekeep: denied: no-rm: "
                       "rm: deletes files other than build output (deletes); "
                       "writes or deletes files in the working "
                       "tree (writes-tree)\ngatekeep:   in: rm -f keep\n"
                       "gatekeep:   instead: move them to a trash directory\ngatekeep: not run\n"]


def test_claude_code_headless_does_not_run_what_needs_approval(scratch, model):
    scratch.operator_policy(POLICY + "  - id: moving\n    ask: [mv]\n    reason: moves files\n")
    (scratch.work / "keep").write_text("precious")
    results = claude(scratch, model, "mv keep gone")
    assert (scratch.work / "keep").exists() and not (scratch.work / "gone").exists()
    assert len(results) == 1 and ("gatekeep: needs approval: moving: mv: writes or deletes files "
                                  "in the working tree (writes-tree)") in results[0]


def test_claude_code_blocks_when_gatekeep_crashes(scratch, model):
    scratch.operator_policy(POLICY)
    hook = crashing_hook(scratch, "claude-code")
    results = claude(scratch, model, "touch made", hook_command=hook)
    assert not (scratch.work / "made").exists()
    assert results == ["gatekeep: internal error: RuntimeError: injected\ngatekeep: not run "
                       "(gatekeep blocks what it cannot judge)\n"]


# -- Gemini CLI -----------------------------------------------------------------------------

def gemini(scratch, model, command, hook_command=None):
    """Run ``gemini -p`` once with gatekeep's hook; the function responses the model received."""
    binary = agent_cli("gemini")
    server = model("fake_gemini.py", command)
    settings = scratch.home / ".gemini" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    base = {"security": {"auth": {"selectedType": "gemini-api-key"}}}
    if hook_command is None:
        settings.write_text(json.dumps(base))
        assert scratch.run("gatekeep", "install", "gemini-cli").returncode == 0
    else:
        settings.write_text(json.dumps({**base, "hooks": {"BeforeTool": [
            {"matcher": "run_shell_command",
             "hooks": [{"type": "command", "command": hook_command}]}]}}))
    env = {"GOOGLE_GEMINI_BASE_URL": f"http://127.0.0.1:{server.port}",
           "GEMINI_API_KEY": "sk-test"}
    result = scratch.run(str(binary), "-p", "do it", "--skip-trust", "--yolo", "--output-format",
                         "json", env=env)
    assert result.returncode == 0, result
    return [part["functionResponse"]["response"] for request in server.requests()
            for content in request["body"].get("contents", [])
            for part in content.get("parts", []) if "functionResponse" in part]


def test_gemini_cli_runs_what_gatekeep_allows(scratch, model):
    scratch.operator_policy(POLICY)
    responses = gemini(scratch, model, "touch made")
    assert (scratch.work / "made").exists()
    assert len(responses) == 1 and "error" not in responses[0]
    assert [(e["mode"], e["decision"], e["why"]) for e in scratch.audit()] == [
        ("hook:gemini-cli", "allow", "make the file"), ("run", "allow", "make the file")]


def test_gemini_cli_does_not_run_what_gatekeep_denies_and_the_model_learns_why(scratch, model):
    scratch.operator_policy(POLICY)
    (scratch.work / "keep").write_text("precious")
    responses = gemini(scratch, model, "rm -f keep")
    assert (scratch.work / "keep").exists()
    assert responses == [{"error": "Tool execution blocked: gatekeep: denied: no-rm: rm: "
                          "deletes files other than build output (deletes); "
                          "writes or deletes files in the working tree (writes-tree)\n"
                          "gatekeep:   in: rm -f keep\ngatekeep:   instead: move them to "
                          "a trash directory\ngatekeep: not run\n"}]


def test_gemini_cli_blocks_when_gatekeep_crashes(scratch, model):
    scratch.operator_policy(POLICY)
    responses = gemini(scratch, model, "touch made",
                       hook_command=crashing_hook(scratch, "gemini-cli"))
    assert not (scratch.work / "made").exists()
    assert responses == [{"error": "Tool execution blocked: gatekeep: internal error: "
                          "RuntimeError: injected\ngatekeep: not run (gatekeep blocks what it "
                          "cannot judge)\n"}]
