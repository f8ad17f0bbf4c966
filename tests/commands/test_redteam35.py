"""Red team 35: the operator's settings files shown without (or with) their credentials
(``sandbox_paths.without_secrets``). Each test fails on 44e949e and asserts the safe outcome.

The sandboxes are outside the temp dirs (``apart``), where an operator's home is.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

TOKEN = "npm_redteam35_literal_token"


def test_another_part_of_a_networked_command_cannot_print_the_file_shown_in_full(
        apart: Sandbox) -> None:
    """A box with the network for pnpm is shown ~/.config/pnpm/rc itself; ``cat`` in the
    same command is allowed (the file is no protected path) and prints its token to the
    agent."""
    rc = apart.home / ".config" / "pnpm" / "rc"
    rc.parent.mkdir(parents=True)
    rc.write_text(f"store-dir=/x\n//registry.npmjs.org/:_authToken={TOKEN}\n")
    result = apart.gatekeep("run", "-c",
                            "pnpm install --frozen-lockfile; cat ~/.config/pnpm/rc")
    assert TOKEN not in result.stdout + result.stderr


def _proxy(captured: list[bytes]) -> tuple[socket.socket, threading.Thread]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(60)

    def serve() -> None:
        try:
            while True:
                connection, _ = server.accept()
                with connection:
                    connection.settimeout(5)
                    with contextlib.suppress(OSError):
                        captured.append(connection.recv(65536))
        except OSError:
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, thread


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
@pytest.mark.parametrize("unscanned", ["target", ".venv"])
def test_a_networked_install_obeys_no_registry_settings_the_agent_wrote(
        apart: Sandbox, unscanned: str) -> None:
    """`npm ci` (allowed, with the network) is shown the operator's ~/.npmrc itself; in a
    directory whose contents are not scanned (`target`, `.venv`) the project's .npmrc the
    agent wrote is not hidden, and its `registry=http://...` + `proxy=` send the operator's
    literal token in the clear to a proxy of the agent's choosing."""
    captured: list[bytes] = []
    server, _ = _proxy(captured)
    port = server.getsockname()[1]
    (apart.home / ".npmrc").write_text(
        f"registry=https://mirror.example/\n//mirror.example/:_authToken={TOKEN}\n")
    app = apart.work / unscanned / "app"
    app.mkdir(parents=True)
    (app / "package.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}))
    (app / "package-lock.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0",
                           "dependencies": {"left-pad": "1.3.0"}},
                      "node_modules/left-pad": {
                          "version": "1.3.0",
                          "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
                          "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQuXiXZ9KX"
                                       "JZ2bIBYa0XB+4OwA6tMc+Z3YOWRM9+IJ8g04ZPA=="}}}))
    (app / ".npmrc").write_text(  # the agent's, written by an allowed offline box
        f"registry=http://mirror.example/\nproxy=http://127.0.0.1:{port}/\nfetch-retries=0\n")
    try:
        apart.gatekeep("run", "-c", f"cd {unscanned}/app && npm ci", timeout=120)
    finally:
        server.close()
    assert not any(TOKEN.encode() in request for request in captured)


def test_gatekeep_writes_nothing_outside_its_cache_through_a_planted_link(
        apart: Sandbox) -> None:
    """XDG_CACHE_HOME in the working tree: the copies are kept where a box writes. The agent
    links box-settings/.config to the operator's ~/.config; the next plan (even `check`)
    writes the stripped copy through the link, over the operator's own pnpm rc: its token
    is gone."""
    cache = apart.work / ".cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    (apart.home / ".npmrc").write_text("fund=false\n")
    (apart.work / "plant.sh").write_text(
        f"ln -s {apart.home}/.config .cache/gatekeep/box-settings/.config\n")
    (apart.home / ".config").mkdir()
    apart.gatekeep("run", "-c", "bash plant.sh", env=env)
    rc = apart.home / ".config" / "pnpm" / "rc"
    rc.parent.mkdir(parents=True)
    text = f"store-dir=/x\n//registry.npmjs.org/:_authToken={TOKEN}\n"
    rc.write_text(text)  # e.g. `pnpm login`, after the link was planted
    apart.gatekeep("check", "-c", "ls", env=env)
    assert rc.read_text() == text
    assert not rc.is_symlink()


def test_gatekeep_does_not_replace_the_operators_npmrc_through_a_planted_link(
        apart: Sandbox) -> None:
    """The same, through box-settings itself before ~/.npmrc exists: `npm login` later
    writes the operator's token, and the next plan replaces ~/.npmrc with its stripped
    copy."""
    cache = apart.work / ".cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    (apart.work / "plant.sh").write_text(
        f"mkdir -p .cache/gatekeep && ln -s {apart.home} .cache/gatekeep/box-settings\n")
    apart.gatekeep("run", "-c", "bash plant.sh", env=env)
    npmrc: Path = apart.home / ".npmrc"
    text = f"registry=https://mirror.example/\n//mirror.example/:_authToken={TOKEN}\n"
    npmrc.write_text(text)
    apart.gatekeep("check", "-c", "ls", env=env)
    assert npmrc.read_text() == text
