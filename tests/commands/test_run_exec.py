"""``gatekeep run`` as a real process: what the child gets, what the caller sees, what is logged."""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pexpect
import pytest

import gatekeep

SIGNALS = [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")]
QUICKLY = 5.0  # seconds to stop, where the children would otherwise run for 30


# -- the child's standard streams, directory and environment ------------------------

def test_stdin_is_the_childs_stdin(sandbox):
    result = sandbox.gatekeep("run", "--", "cat", input="line one\nline two\n")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "line one\nline two\n"
    assert result.stderr == ""


def test_bytes_pass_through_unchanged(sandbox):
    data = bytes(range(256)) * 256  # 64 KiB, not valid UTF-8, more than a pipe buffer

    result = sandbox.gatekeep_bytes("run", "-c", "cat", input=data)

    assert result.returncode == 0, result.stderr
    assert result.stdout == data
    assert result.stderr == b""


def test_stdout_and_stderr_are_the_childs(sandbox):
    result = sandbox.gatekeep("run", "-c", "echo out; echo err >&2; echo more")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "out\nmore\n"
    assert result.stderr == "err\n"


def test_child_runs_in_the_callers_directory(sandbox):
    sub = sandbox.work / "sub dir"
    sub.mkdir()

    result = sandbox.gatekeep("run", "--", "pwd", cwd=sub)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{sub}\n"


def test_environment_is_passed_through(sandbox):
    result = sandbox.gatekeep("run", "-c", 'echo "$GK_TEST_VALUE"',
                              env={"GK_TEST_VALUE": "passed through"})

    assert result.returncode == 0, result.stderr
    assert result.stdout == "passed through\n"


def test_bash_startup_files_from_the_environment_are_not_read(sandbox):
    hook = sandbox.write("hook.sh", f"touch {sandbox.marker}\n")

    result = sandbox.gatekeep("run", "-c", "true", env={"BASH_ENV": str(hook), "ENV": str(hook)})

    assert result.returncode == 0, result.stderr
    assert not sandbox.marker.exists()


def test_exported_bash_functions_are_not_imported(sandbox):
    function = f"() {{ touch {sandbox.marker}; }}"

    result = sandbox.gatekeep("run", "-c", "ls", env={"BASH_FUNC_ls%%": function})

    assert result.returncode == 0, result.stderr
    assert not sandbox.marker.exists()
    assert result.stdout == ""  # the real ls, in an empty directory


# -- the child's exit status ------------------------------------------------------------

@pytest.mark.parametrize("args", [("-c", "ls /nonexistent-dir"), ("--", "ls", "/nonexistent-dir")],
                         ids=["command", "argv"])
def test_exit_code_is_the_childs(sandbox, args):
    result = sandbox.gatekeep("run", *args)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == ("ls: cannot access '/nonexistent-dir': No such file or directory\n"
                             + sandbox.BOX_NOTE)


def test_exit_code_of_a_shell_command_is_its_last_status(sandbox):
    result = sandbox.gatekeep("run", "-c", "echo out; exit 3")

    assert result.returncode == 3, result.stderr
    assert result.stdout == "out\n"


def test_allowed_program_that_does_not_exist_exits_127(sandbox):
    sandbox.write_operator_policy(sandbox.policy_yaml(("missing", "allow", ["gk-no-such-program"])))

    result = sandbox.gatekeep("run", "--", "gk-no-such-program")

    assert result.returncode == 127, result.stderr


# -- signals -------------------------------------------------------------------------------

def _stop(process):
    """Kill a gatekeep still running after a failed test, and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)  # spawn() made it a process group leader
        process.wait(timeout=QUICKLY)


@pytest.mark.parametrize("number", SIGNALS)
def test_signal_sent_to_gatekeep_reaches_the_child(sandbox, number):
    """The child's trap runs: it saw the very signal gatekeep was sent."""
    name = signal.Signals(number).name
    sandbox.write_operator_policy(sandbox.policy_yaml(
        ("signal-test", "allow", ["trap", "echo", "sleep", ":", "exit"])))
    script = (f"trap 'echo {name} > marker; exit 9' {name[3:]}; echo ready > ready; "
              "while :; do sleep 0.1; done")
    process = sandbox.spawn("run", "-c", script)
    try:
        sandbox.wait_for(lambda: (sandbox.work / "ready").exists())
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=QUICKLY)
    finally:
        _stop(process)

    assert process.returncode == 9, stderr
    assert sandbox.marker.read_text() == f"{name}\n"
    assert (stdout, stderr) == ("", sandbox.BOX_NOTE)


def _running_sleep(sandbox) -> int:
    """The pid the child wrote to ./ready, once that process has become ``sleep 30``."""
    ready = sandbox.work / "ready"
    sandbox.wait_for(lambda: ready.exists() and ready.read_text().endswith("\n"))
    pid = int(ready.read_text())
    cmdline = Path(f"/proc/{pid}/cmdline")
    sandbox.wait_for(lambda: cmdline.read_bytes() == b"sleep\x0030\x00")
    return pid


UNBOXED = "gatekeep: 1\nextends: [builtin:default]\nsandbox: off\n"


@pytest.mark.parametrize("number", SIGNALS)
def test_gatekeep_dies_of_the_signal_that_killed_the_child(sandbox, number):
    sandbox.write_operator_policy(UNBOXED)  # the child's pid is this system's, not a box's
    process = sandbox.spawn("run", "-c", "echo $$ > ready; exec sleep 30")
    try:
        child = _running_sleep(sandbox)
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=QUICKLY)
    finally:
        _stop(process)

    assert process.returncode == -number, stderr
    assert (stdout, stderr) == ("", "")
    assert not Path(f"/proc/{child}").exists()  # killed and reaped, not left behind
    [entry] = sandbox.audit()
    assert entry["signal"] == number  # it ran, and its end record names the signal
    assert "exit_code" not in entry


def _boxed_sleep(sandbox, seconds: str) -> int:
    """The pid (in this system) of the one ``sleep SECONDS`` running, once it runs."""
    wanted = f"sleep\0{seconds}\0".encode()

    def found() -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "cmdline").read_bytes() == wanted:
                    pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    sandbox.wait_for(lambda: len(found()) == 1)
    return found()[0]


@pytest.mark.parametrize("number", SIGNALS)
def test_boxed_command_killed_by_a_forwarded_signal_kills_gatekeep_too(sandbox, number):
    """bwrap reports a signal death as 128+N; gatekeep, which forwarded N, dies of N."""
    process = sandbox.spawn("run", "-c", "exec sleep 30.5151")
    try:
        child = _boxed_sleep(sandbox, "30.5151")
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=QUICKLY)
    finally:
        _stop(process)

    assert process.returncode == -number, stderr
    assert (stdout, stderr) == ("", "")
    assert not Path(f"/proc/{child}").exists()


def test_ctrl_c_on_the_terminal_stops_the_boxed_child(sandbox):
    """The box has no controlling terminal: gatekeep passes the terminal's Ctrl-C on."""
    terminal = sandbox.pty_spawn("run", "-c", "exec sleep 30.5252")
    try:
        child = _boxed_sleep(sandbox, "30.5252")
        terminal.sendintr()
        terminal.expect(pexpect.EOF, timeout=QUICKLY)
        terminal.close()
    finally:
        terminal.close(force=True)

    assert terminal.signalstatus == signal.SIGINT, terminal.exitstatus
    assert not Path(f"/proc/{child}").exists()


def test_ctrl_c_on_the_terminal_stops_the_child(sandbox):
    """The terminal signals the whole foreground group; gatekeep exits as the child did."""
    sandbox.write_operator_policy(UNBOXED)
    terminal = sandbox.pty_spawn("run", "-c", "echo $$ > ready; exec sleep 30")
    try:
        child = _running_sleep(sandbox)
        terminal.sendintr()
        terminal.expect(pexpect.EOF, timeout=QUICKLY)
        terminal.close()
    finally:
        terminal.close(force=True)

    assert terminal.signalstatus == signal.SIGINT, terminal.exitstatus
    assert not Path(f"/proc/{child}").exists()


# -- refusals --------------------------------------------------------------------------------

def test_denied_command_never_runs(sandbox):
    keep = sandbox.home / "keep.txt"
    keep.write_text("precious\n")

    result = sandbox.gatekeep("run", "-c", "touch marker; rm -rf ~")

    assert result.returncode == 126, result.stderr
    assert result.stderr == (
        f"gatekeep: denied: protect.write: writes or deletes {sandbox.home}, which holds "
        "'~/.ssh/**'\n"
        "gatekeep:   in: rm -rf ~\n"
        "gatekeep:   does: rm: deletes files other than build output (deletes); "
        "writes or deletes files outside the working tree "
        "(writes-elsewhere)\n"
        "gatekeep:   instead: name the exact files inside it you mean\n"
        + sandbox.NOT_RUN
    )
    assert result.stdout == ""
    assert not sandbox.marker.exists()
    assert keep.read_text() == "precious\n"


def test_denied_argv_never_runs(sandbox):
    keep = sandbox.home / "keep.txt"
    keep.write_text("precious\n")

    result = sandbox.gatekeep("run", "--", "rm", "-rf", str(sandbox.home))

    assert result.returncode == 126, result.stderr
    assert result.stderr == (
        f"gatekeep: denied: protect.write: writes or deletes {sandbox.home}, which holds "
        "'~/.ssh/**'\n"
        f"gatekeep:   in: rm -rf {sandbox.home}\n"
        "gatekeep:   does: rm: deletes files other than build output (deletes); "
        "writes or deletes files outside the working tree "
        "(writes-elsewhere)\n"
        "gatekeep:   instead: name the exact files inside it you mean\n"
        + sandbox.NOT_RUN
    )
    assert keep.exists()


def test_command_needing_approval_never_runs(sandbox):
    build = sandbox.work / "build"
    build.mkdir()

    result = sandbox.gatekeep("run", "-c", "touch marker; rm -rf build")

    assert result.returncode == 126, result.stderr
    assert result.stderr == (
        "gatekeep: needs approval: recursive-delete, delete-files: rm: "
        "deletes files other than build output (deletes); "
        "writes or deletes files "
        "in the working tree (writes-tree)\n"
        "gatekeep:   in: rm -rf build\n"
        "gatekeep:   instead: delete the exact files you mean, or move them to a trash "
        "directory\n"
        + sandbox.NEEDS_APPROVAL
    )
    assert result.stdout == ""
    assert not sandbox.marker.exists()
    assert build.is_dir()


def test_refusal_names_every_part_that_decided(sandbox):
    result = sandbox.gatekeep("run", "-c",
                              "touch marker; rm -rf build; curl https://example.com")

    assert result.returncode == 126, result.stderr
    assert result.stderr == (
        "gatekeep: needs approval: recursive-delete, delete-files: rm: "
        "deletes files other than build output (deletes); "
        "writes or deletes files "
        "in the working tree (writes-tree)\n"
        "gatekeep:   in: rm -rf build\n"
        "gatekeep:   instead: delete the exact files you mean, or move them to a trash "
        "directory\n"
        "gatekeep: needs approval: network: curl: connects to another machine or a network "
        "service (network)\n"
        "gatekeep:   in: curl https://example.com\n"
        "gatekeep:   instead: download to a file in the working tree and inspect it first\n"
        + sandbox.NEEDS_APPROVAL
    )
    assert not sandbox.marker.exists()


# -- the audit log ---------------------------------------------------------------------------

def test_audit_line_for_a_command_that_ran(sandbox):
    before = datetime.now(timezone.utc)
    result = sandbox.gatekeep("run", "-c", "ls /nonexistent-dir")
    assert result.returncode == 2, result.stderr

    [entry] = sandbox.audit()
    assert set(entry) == {"time", "cwd", "mode", "command", "decision", "segments", "rules",
                          "policies", "version", "exit_code", "boundary", "kind", "id",
                          "session", "prev", "duration", "ended"}
    assert entry["kind"] == "decision"
    assert 0 <= entry["duration"] < 600
    assert entry["exit_code"] == 2
    assert entry["mode"] == "run"
    assert entry["command"] == "ls /nonexistent-dir"
    assert entry["decision"] == "allow"
    assert entry["cwd"] == str(sandbox.work)
    assert entry["rules"] == ["read-only-files"]
    assert entry["segments"] == [{
        "text": "ls /nonexistent-dir", "decision": "allow", "rules": ["read-only-files"],
        "reason": "ls: reads files (reads)", "suggest": None, "via": [],
    }]
    [policy] = entry["policies"]
    assert policy["name"] == "builtin:default"
    assert len(policy["sha256"]) == 64
    assert entry["version"] == gatekeep.__version__
    logged = datetime.fromisoformat(entry["time"])
    assert before - timedelta(seconds=1) <= logged <= datetime.now(timezone.utc)


def test_audit_line_for_a_refused_command_has_no_exit_code(sandbox):
    result = sandbox.gatekeep("run", "-c", "touch marker; rm -rf ~")
    assert result.returncode == 126, result.stderr

    [entry] = sandbox.audit()
    assert "exit_code" not in entry
    assert entry["decision"] == "deny"
    assert entry["command"] == "touch marker; rm -rf ~"
    assert entry["rules"] == ["protect.write"]
    assert [s["decision"] for s in entry["segments"]] == ["allow", "deny"]


def test_audit_log_gets_one_line_per_run(sandbox):
    runs = [
        (("-c", "echo one"), 0),
        (("-c", "rm -rf build"), 126),
        (("--", "ls", "/nonexistent-dir"), 2),
    ]
    for args, code in runs:
        result = sandbox.gatekeep("run", *args)
        assert result.returncode == code, result.stderr

    entries = sandbox.audit()
    assert [(e["command"], e["decision"], e.get("exit_code")) for e in entries] == [
        ("echo one", "allow", 0),
        ("rm -rf build", "ask", None),
        ("ls /nonexistent-dir", "allow", 2),
    ]
    assert "argv" not in entries[0]
    assert entries[2]["argv"] == ["ls", "/nonexistent-dir"]
    assert sandbox.audit_log.stat().st_mode & 0o777 == 0o600


def test_unwritable_audit_log_runs_nothing(sandbox):
    state = sandbox.write("state-is-a-file", "")

    result = sandbox.gatekeep("run", "-c", "echo hi > marker; echo done",
                              env={"XDG_STATE_HOME": str(state)})

    assert result.returncode == 126, result.stderr
    assert result.stdout == ""
    assert result.stderr == ("gatekeep: cannot write the audit log: [Errno 20] Not a "
                             f"directory: '{state}/gatekeep'\n"
                             "gatekeep: not run (nothing runs without its audit record)\n")
    assert not sandbox.marker.exists()
