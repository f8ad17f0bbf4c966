"""Whatever ``gatekeep hook`` cannot judge gets the agent's blocking reply and exit 2: every
agent runs the tool when a hook crashes, exits otherwise, or prints what it does not read."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import time

import pytest

from gatekeep.commands.hook import hook
from gatekeep.core import guard as session
from gatekeep.hooks.agents import AGENTS, block_object

CANNOT = "gatekeep: cannot judge this call: "
NOT_RUN = "gatekeep: not run (gatekeep blocks what it cannot judge)\n"


@pytest.fixture(autouse=True)
def _no_collector_callbacks():
    """No garbage collection while a hook runs in this process: a collector callback another
    test's library installed here (hypothesis has one) can meet the in-process deadline's
    repeating alarm, and pytest's own hook for what it cannot raise then fails the test. A
    deadline lost where Python only reports it is tested on its own, below."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def good(agent, cwd, command="ls"):
    if agent in ("json", "cursor"):
        body = {"command": command, "cwd": cwd}
        if agent == "cursor":
            body["hook_event_name"] = "beforeShellExecution"
        return body
    gemini = agent == "gemini-cli"
    return {"hook_event_name": "BeforeTool" if gemini else "PreToolUse",
            "tool_name": "run_shell_command" if gemini else "Bash",
            "tool_input": {"command": command}, "cwd": cwd, "permission_mode": "default"}


def command_path(agent):
    return AGENTS[agent].command_at


def put(body, path, value):
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def hostile(agent, cwd):
    """(id, payload bytes, the reason's first line) for payloads that must block."""
    where = ".".join(command_path(agent))
    cases = [
        ("not-json", b"{not json", "the hook payload is not JSON: Expecting property name "
         "enclosed in double quotes: line 1 column 2 (char 1)"),
        ("not-utf8", b'{"command": "\xff"}', "the hook payload is not JSON: 'utf-8' codec "
         "can't decode byte 0xff in position 13: invalid start byte"),
        ("array", b"[]", "the hook payload is not a JSON object"),
        ("empty", b"", "the hook payload is not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("huge", json.dumps(put(good(agent, cwd), command_path(agent), "ls " + "a" * (1 << 20))
                            ).encode(), "the hook payload is larger than 1048576 bytes"),
        ("nan", json.dumps(good(agent, cwd)).replace('"ls"', '"ls", "x": NaN').encode(),
         "the hook payload is not JSON: NaN is not JSON"),
        ("duplicate-key", json.dumps(good(agent, cwd)).replace(
            '"ls"', '"ls", "command": "ls"', 1).replace(
            '{"command": "ls", "command"', '{"command": "ls", "command"').encode(),
         "the hook payload is not JSON: a key appears twice in one object"),
        ("command-number", json.dumps(put(good(agent, cwd), command_path(agent), 7)).encode(),
         f"{where} in the hook payload is not a string"),
        ("command-missing", json.dumps({k: v for k, v in good(agent, cwd).items()
                                        if k not in ("command", "tool_input")}).encode(),
         f"the hook payload has no {where}"),
        ("command-blank", json.dumps(put(good(agent, cwd), command_path(agent), "  ")).encode(),
         "the hook payload has an empty command"),
        ("control-char", json.dumps(put(good(agent, cwd), command_path(agent), "ls\x1b[2K")
                                    ).encode(),
         f"control character U+001B in {where} of the hook payload"),
        ("nul", json.dumps(put(good(agent, cwd), command_path(agent), "ls\x00")).encode(),
         f"control character U+0000 in {where} of the hook payload"),
        ("cwd-missing-dir", json.dumps({**good(agent, cwd), "cwd": cwd + "/nope"}).encode(),
         f"the hook payload's cwd is not a directory: '{cwd}/nope'"),
        ("cwd-relative", json.dumps({**good(agent, cwd), "cwd": "work"}).encode(),
         "the hook payload's cwd is not an absolute path: 'work'"),
        ("cwd-list", json.dumps({**good(agent, cwd), "cwd": [cwd]}).encode(),
         "cwd in the hook payload is not a string"),
    ]
    if agent in ("claude-code", "codex", "gemini-cli"):
        cases += [
            ("tool-input-string", json.dumps({**good(agent, cwd), "tool_input": "ls"}).encode(),
             "the hook payload has no tool_input.command"),
            ("tool-name-number", json.dumps({**good(agent, cwd), "tool_name": 1}).encode(),
             "tool_name in the hook payload is not a string"),
            ("description-object", json.dumps(put(good(agent, cwd), ("tool_input",
                                                                      "description"), {})
                                              ).encode(),
             "tool_input.description in the hook payload is not a string"),
        ]
    if AGENTS[agent].events:
        expected = " and ".join(AGENTS[agent].events)
        cases.append(("other-event", json.dumps({**good(agent, cwd), "hook_event_name":
                                                 "PostToolUse"}).encode(),
                      f"unexpected hook event 'PostToolUse'; gatekeep answers {expected} for "
                      f"{agent}"))
    return cases


@pytest.mark.parametrize("agent", list(AGENTS))
def test_hostile_payloads_block(scratch, agent):
    cwd = str(scratch.work)
    for name, data, first in hostile(agent, cwd):
        result = scratch.hook(agent, data)
        reason = f"{CANNOT}{first}\n{NOT_RUN}"
        assert (result.returncode, result.stderr.decode()) == (2, reason), name
        assert json.loads(result.stdout) == block_object(AGENTS[agent], reason, []), name


def test_the_well_formed_payload_of_those_tests_is_judged(scratch):
    for agent in AGENTS:
        result = scratch.hook(agent, good(agent, str(scratch.work)))
        assert result.returncode == 0, (agent, result)


def run_in_process(agent, body, budget=30.0, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    stdin = stdin or io.BytesIO(json.dumps(body).encode())
    code = hook(agent, stdin, out, err, env_of(body), budget)
    return code, out.getvalue(), err.getvalue()


def env_of(body):
    root = os.path.dirname(body["cwd"])
    return {"PATH": os.environ["PATH"], "HOME": f"{root}/home",
            "XDG_CONFIG_HOME": f"{root}/config", "XDG_STATE_HOME": f"{root}/state"}


@pytest.mark.parametrize("agent", list(AGENTS))
def test_an_internal_error_blocks(scratch, monkeypatch, agent):
    def broken(*args, **kwargs):
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(session, "judge", broken)
    code, out, err = run_in_process(agent, good(agent, str(scratch.work)))
    reason = ("gatekeep: internal error: RuntimeError: the engine broke\n" + NOT_RUN)
    assert (code, err) == (2, reason)
    assert json.loads(out) == block_object(AGENTS[agent], reason, [])


def test_running_out_of_time_blocks(scratch, monkeypatch):
    def slow(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(session, "judge", slow)
    code, _, err = run_in_process("claude-code", good("claude-code", str(scratch.work)),
                                    budget=0.5)
    assert (code, err) == (2, "gatekeep: gatekeep took longer than its 0.5 s budget\n" + NOT_RUN)


@pytest.mark.parametrize("after", ["swallowed", "turned into another error"])
def test_a_deadline_lost_once_still_blocks_as_the_deadline(scratch, monkeypatch, after):
    """A deadline raised where Python only reports it (a finalizer, a GC callback) is lost,
    or code in between turns it into another error: the hook still blocks, and says why."""
    from gatekeep.commands.hook import DeadlineExceeded

    def slow(*args, **kwargs):
        try:
            time.sleep(30)
        except DeadlineExceeded:
            if after != "swallowed":
                raise AttributeError("lost") from None
        time.sleep(30)

    monkeypatch.setattr(session, "judge", slow)
    code, _, err = run_in_process("claude-code", good("claude-code", str(scratch.work)),
                                  budget=0.5)
    assert (code, err) == (2, "gatekeep: gatekeep took longer than its 0.5 s budget\n" + NOT_RUN)


def test_a_payload_that_never_ends_blocks(scratch):
    class Stalled(io.RawIOBase):
        def read(self, size=-1):
            time.sleep(30)
            return b""

    code, _, err = run_in_process("codex", {"cwd": str(scratch.work)}, budget=0.5,
                                  stdin=Stalled())
    assert (code, err) == (2, "gatekeep: gatekeep took longer than its 0.5 s budget\n" + NOT_RUN)


@pytest.mark.parametrize(("command", "code"), [("ls", 0), ("ls; rm -rf /", 2)])
def test_the_hook_path_loads_neither_typer_nor_rich(scratch, command, code):
    """The hook runs before every tool call: it imports only what it uses."""
    script = ("import sys, io, json\n"
              "from gatekeep.__main__ import main\n"
              "sys.argv = ['gatekeep', 'hook', 'claude-code']\n"
              "code = main()\n"
              "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
              "('typer', 'rich', 'click', 'pydantic'))\n"
              "print(json.dumps([code, loaded]), file=sys.stderr)\n")
    body = json.dumps(good("claude-code", str(scratch.work), command)).encode()
    result = subprocess.run([sys.executable, "-c", script], input=body, capture_output=True,
                            env={**scratch.env}, cwd=scratch.work, timeout=60, check=False)
    assert json.loads(result.stderr.decode().splitlines()[-1]) == [code, []], result


def test_when_even_the_blocking_reply_fails_the_last_resort_blocks(scratch, monkeypatch):
    from gatekeep.commands import hook as hook_module

    def broken(*args, **kwargs):
        raise RuntimeError("the engine broke")

    def unprintable(error):
        raise UnicodeError("cannot describe it")

    monkeypatch.setattr(session, "judge", broken)
    monkeypatch.setattr(hook_module, "_failure", unprintable)
    code, out, err = run_in_process("codex", good("codex", str(scratch.work)))
    assert (code, out, err) == (2, hook_module.LAST_RESORT.stdout, hook_module.LAST_RESORT.stderr)
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_a_hook_whose_code_does_not_load_blocks(scratch):
    inject = scratch.root / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(
        "import sys\nsys.modules['gatekeep.commands.hook'] = None\n")
    result = scratch.hook("claude-code", good("claude-code", str(scratch.work)),
                          env={"PYTHONPATH": str(inject)})
    reason = "gatekeep: internal error: the hook's code does not load"
    assert (result.returncode, result.stderr.decode()) == (2, f"{reason} (ModuleNotFoundError)\n")
    assert json.loads(result.stdout) == block_object(AGENTS["claude-code"], reason, [])


def test_no_stdin_at_all_blocks(scratch):
    result = subprocess.run([str(scratch.BIN / "gatekeep"), "hook", "codex"], capture_output=True,
                            env=scratch.env, cwd=scratch.work, timeout=60, check=False,
                            preexec_fn=lambda: os.close(0))
    assert result.returncode == 2
    assert result.stderr.decode() == (f"{CANNOT}the hook payload is not JSON: Expecting value: "
                                      f"line 1 column 1 (char 0)\n{NOT_RUN}")


def test_the_reply_is_utf8_whatever_the_locale(scratch):
    (scratch.config_home / "gatekeep").mkdir(parents=True)
    (scratch.config_home / "gatekeep" / "policy.yaml").write_text(
        "gatekeep: 1\nrules:\n  - id: no-touch\n    deny: [touch]\n    suggest: pas de fichiers "
        "nouveaux ici, café\n", encoding="utf-8")
    result = scratch.hook("gemini-cli", good("gemini-cli", str(scratch.work), "touch x"),
                          env={"LC_ALL": "C", "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 2
    assert "café" in json.loads(result.stdout.decode("utf-8"))["reason"]
    assert "café" in result.stderr.decode("utf-8")


@pytest.mark.parametrize("closed", [1, 2])
@pytest.mark.parametrize("body", [b'{"x": 1}', b"not json"])
def test_a_closed_stdout_or_stderr_still_blocks(scratch, closed, body):
    """Every agent tested runs the tool when its hook exits 1: a descriptor closed by the
    caller must still end in exit 2."""
    script = f"import os, sys; os.close({closed}); os.execv(sys.argv[1], sys.argv[1:])"
    result = subprocess.run(
        [sys.executable, "-c", script, str(scratch.BIN / "gatekeep"), "hook", "claude-code"],
        input=body, capture_output=closed == 2, stdout=None if closed == 2 else
        subprocess.DEVNULL, env=scratch.env, cwd=scratch.work, timeout=30, check=False)
    assert result.returncode == 2, result
