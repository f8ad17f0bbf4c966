"""Shared helpers for the command tests: the installed ``gatekeep`` run as a real process.

Processes started here have no controlling terminal (a session of their own), so a
command that needs approval is refused at once instead of prompting whoever runs the
tests; the prompt tests use a pseudo-terminal on purpose.

Every test gets a ``sandbox``: its own HOME, XDG_CONFIG_HOME and XDG_STATE_HOME under
``tmp_path`` and a working directory, with nothing inherited from the environment
but PATH. A marker file in the working directory proves whether a command ran.
Test modules are imported with ``--import-mode=importlib`` and cannot import this
file, so everything they share is reached through the fixture.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gatekeep.runtime import audit

GATEKEEP = Path(sys.executable).parent / "gatekeep"
TIMEOUT = 30.0  # seconds for any one gatekeep process; each normally takes well under one


def default_signals() -> None:
    """In the child before exec: the signal dispositions a terminal would give it.

    A test runner started in the background may ignore SIGINT, and an ignored
    signal stays ignored across exec, which would hide whether it was forwarded.
    """
    for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


@dataclass
class Sandbox:
    root: Path

    GATEKEEP = GATEKEEP
    TIMEOUT = TIMEOUT
    # The fixed lines of refusals (gatekeep/commands/run.py).
    NOT_RUN = "gatekeep: not run\n"
    NEEDS_APPROVAL = ("gatekeep: not run: it needs the operator's approval and there is no "
                      "terminal to ask on\n")
    REWRITE = "gatekeep:   instead: rewrite the command with plain words, or split it into parts\n"
    BOX_NOTE = ("gatekeep: note: this ran inside gatekeep's boundary (read-only outside the "
                "working tree, temp dirs and build caches; protected files hidden; no Unix "
                "sockets; no network); if it needs more, ask the operator to approve it\n")

    def __post_init__(self) -> None:
        for directory in (self.home, self.config_home, self.state_home, self.work):
            directory.mkdir(parents=True, exist_ok=True)

    # -- places ----------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def config_home(self) -> Path:
        return self.root / "config"

    @property
    def state_home(self) -> Path:
        return self.root / "state"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def state_dir(self) -> Path:
        return self.state_home / "gatekeep"

    @property
    def marker(self) -> Path:
        return self.work / "marker"

    @property
    def operator_policy(self) -> Path:
        return self.config_home / "gatekeep" / "policy.yaml"

    @property
    def audit_log(self) -> Path:
        return self.state_home / "gatekeep" / "audit.jsonl"

    @property
    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.config_home),
            "XDG_STATE_HOME": str(self.state_home),
        }

    # -- set-up ----------------------------------------------------------------
    @staticmethod
    def policy_yaml(*rules: tuple[str, str, list[str]], default: str | None = None) -> str:
        """A policy: ``(id, allow|ask|deny, [patterns])`` rules, reason ``"<id> says so"``."""
        lines = ["gatekeep: 1"]
        if default is not None:
            lines.append(f"default: {default}")
        lines.append("rules:")
        for rule_id, decision, patterns in rules:
            lines.append(f"  - id: {rule_id}")
            lines.append(f"    {decision}: {json.dumps(patterns)}")  # JSON is valid YAML
            lines.append(f"    reason: {rule_id} says so")
        return "\n".join(lines) + "\n"

    def write_operator_policy(self, text: str) -> Path:
        self.operator_policy.parent.mkdir(parents=True, exist_ok=True)
        self.operator_policy.write_text(text, encoding="utf-8")
        return self.operator_policy

    def write(self, name: str, text: str) -> Path:
        """A file at ``name`` under the sandbox root (outside the working tree)."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    # -- running gatekeep ------------------------------------------------------
    def _env(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        env = self.env
        env.update(extra or {})
        return env

    def gatekeep(self, *args: str, input: str = "", env: Mapping[str, str] | None = None,
                 cwd: Path | None = None,
                 timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run ``gatekeep ARGS`` to completion and capture its text output."""
        return subprocess.run(
            [str(GATEKEEP), *args], input=input, capture_output=True, text=True,
            encoding="utf-8", env=self._env(env), cwd=cwd or self.work, timeout=timeout,
            check=False, preexec_fn=default_signals, start_new_session=True,
        )

    def gatekeep_bytes(self, *args: str, input: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(GATEKEEP), *args], input=input, capture_output=True, env=self.env,
            cwd=self.work, timeout=TIMEOUT, check=False, preexec_fn=default_signals,
            start_new_session=True,
        )

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start ``gatekeep ARGS`` in the background, leading a process group of its own."""
        return subprocess.Popen(
            [str(GATEKEEP), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", env=self.env,
            cwd=self.work, preexec_fn=default_signals, start_new_session=True,
        )

    def start_resident(self, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        """``gatekeep resident --foreground`` for this sandbox, once it accepts calls."""
        process = subprocess.Popen([str(GATEKEEP), "resident", "--foreground"],
                                   env=self._env(env), cwd=self.work, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, text=True)
        self.wait_for(self.resident_listening)
        return process

    def resident_listening(self) -> bool:
        """Whether a resident judge accepts connections on this sandbox's socket (a socket
        file alone may be a stopped server's)."""
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(self.state_dir / "resident.sock"))
            except OSError:
                return False
        return True

    def pty_spawn(self, *args: str, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None) -> Any:
        """Start ``gatekeep ARGS`` on a pseudo-terminal (a pexpect child)."""
        import pexpect

        return pexpect.spawn(str(GATEKEEP), list(args), env=self._env(env),
                             cwd=str(cwd or self.work), timeout=TIMEOUT,
                             preexec_fn=default_signals)

    def answer_always(self, command: str, env: Mapping[str, str] | None = None,
                      cwd: Path | None = None) -> str:
        """Answer "always", then yes, to ``gatekeep run -c COMMAND`` on a real prompt; what
        the terminal showed. The run must succeed."""
        import pexpect

        terminal = self.pty_spawn("run", "-c", command, env=env, cwd=cwd)
        terminal.expect_exact("Run it? ")
        terminal.sendline("a")
        terminal.expect_exact("Save it and run? [y/N] ")
        terminal.sendline("y")
        terminal.expect(pexpect.EOF)
        terminal.close()
        shown: str = terminal.before.decode()
        assert terminal.exitstatus == 0, shown
        return shown

    # -- results -----------------------------------------------------------------
    @staticmethod
    def decision_text(stdout: str) -> str:
        """``check``'s text output up to its boundary lines (they name this machine's paths)."""
        return stdout.split("boundary: ", 1)[0]

    def audit(self) -> list[dict[str, Any]]:
        if not self.audit_log.exists():
            return []
        # decision records with their end records' outcome merged in, as readers see them
        return audit.read(str(self.audit_log), print)

    @staticmethod
    def wait_for(predicate: Callable[[], object], timeout: float = 10.0) -> None:
        """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {predicate}")
            time.sleep(0.01)


@pytest.fixture
def server(sandbox: Sandbox) -> Iterator[subprocess.Popen[str]]:
    """A real resident judge for the sandbox's state directory, stopped afterwards."""
    sandbox.gatekeep("check", "-c", "true")  # the compiled policy, as after a first call
    process = sandbox.start_resident()
    yield process
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The compiled built-in policy as gatekeep caches it after its first run, and the key
    it is sealed with (first in the list)."""
    first = Sandbox(tmp_path_factory.mktemp("warm-cache"))
    result = first.gatekeep("run", "-c", "true")
    assert result.returncode == 0, result.stderr
    state = first.state_home / "gatekeep"
    return [state / "cache.key", *sorted((state / "cache").glob("p-*"))]


@pytest.fixture
def sandbox(tmp_path: Path, warm_cache: list[Path]) -> Sandbox:
    """A fresh sandbox whose policy cache is warm, as on any run after an operator's first.

    Only the built-in policy is cached; policies a test writes are compiled afresh.
    """
    return _warmed(Sandbox(tmp_path), warm_cache)


@pytest.fixture
def settled(warm_cache: list[Path]) -> Iterator[Sandbox]:
    """A sandbox outside the temp dirs, where an operator's project is: every box writes
    the temp dirs, so git's networked parts in a repository there run offline."""
    yield from _tree_in(Path(__file__).resolve().parents[2] / ".test-trees", warm_cache)


# What a package manager obeys in a directory above its project (core.manifests._above):
# a `settled` sandbox lies in this repository, below its own pyproject.toml.
_ABOVE = ("pyproject.toml", "setup.py", "package.json", "node_modules", "uv.toml", ".yarnrc",
          ".yarnrc.yml", ".npmrc", "pnpm-workspace.yaml", "package-lock.json")


@pytest.fixture
def apart(warm_cache: list[Path]) -> Iterator[Sandbox]:
    """A sandbox outside the temp dirs and beside this repository, not in it, where no
    directory above holds what a package manager obeys from there (skipped where one
    does: a checkout inside another project)."""
    base = Path(__file__).resolve().parents[3] / ".gatekeep-test-trees"
    for parent in (base, *base.parents):
        if any((parent / name).exists() for name in _ABOVE):
            pytest.skip(f"{parent} holds a package manager's file")
    yield from _tree_in(base, warm_cache)


def _tree_in(base: Path, warm_cache: list[Path]) -> Iterator[Sandbox]:
    """A warmed sandbox in a new directory under ``base``, removed after the test."""
    base.mkdir(exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=base))
    try:
        yield _warmed(Sandbox(root), warm_cache)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _warmed(sandbox: Sandbox, warm_cache: list[Path]) -> Sandbox:
    cache = sandbox.state_home / "gatekeep" / "cache"
    cache.mkdir(parents=True)
    key, *entries = warm_cache
    shutil.copy2(key, cache.parent / key.name)
    for entry in entries:
        shutil.copy2(entry, cache / entry.name)
    return sandbox


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on loopback: (port, what each connection sent)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    got: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    got.append(connection.recv(4096))
                except OSError:
                    got.append(b"")

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1], got
    finally:
        server.close()
