"""Red team 36: what an offline box (the agent's code) leaves may not steer a later box with
the network and the registry's token. Each test fails on 7274e59 and asserts the safe
outcome.

node-gyp runs the ``<!(command)``s of every ``.gypi`` it loads, ``common.gypi`` of the node
headers included: headers the agent chose are code run in the install's box.

The sandboxes are outside the temp dirs (``apart``), where an operator's home is.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import os
import shutil
import tarfile
import threading
from collections.abc import Iterator
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

TOKEN = "npm_redteam36_literal_token"
needs_npm = pytest.mark.skipif(shutil.which("npm") is None or shutil.which("node") is None,
                               reason="needs npm and node")


def _native_package() -> bytes:
    """A registry package that node-gyp builds (a binding.gyp, npm's default install)."""
    files = {"package/package.json": json.dumps({"name": "nat", "version": "1.0.0"}),
             "package/binding.gyp": "{'targets': [{'target_name': 'nat', 'sources': ['nat.c']}]}",
             "package/nat.c": "int nat;\n"}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture
def registry() -> Iterator[tuple[int, str]]:
    """The operator's registry mirror on loopback, serving ``nat``: (port, integrity)."""
    tarball = _native_package()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    port_box: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.endswith(".tgz"):
                body = tarball
            else:
                url = f"http://127.0.0.1:{port_box[0]}/nat/-/nat-1.0.0.tgz"
                body = json.dumps({"name": "nat", "dist-tags": {"latest": "1.0.0"},
                                   "versions": {"1.0.0": {
                                       "name": "nat", "version": "1.0.0", "gypfile": True,
                                       "scripts": {"install": "node-gyp rebuild"},
                                       "dist": {"tarball": url, "integrity": integrity}}}}
                                  ).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_box.append(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield port_box[0], integrity
    finally:
        server.shutdown()
        server.server_close()


def _project(apart: Sandbox, port: int, integrity: str) -> None:
    """A project depending on ``nat`` from the default registry, which the operator's
    ~/.npmrc mirrors (with its token); ~/.npm exists, as after any install."""
    (apart.home / ".npmrc").write_text(
        f"registry=http://127.0.0.1:{port}/\n//127.0.0.1:{port}/:_authToken={TOKEN}\n")
    (apart.home / ".npm").mkdir(exist_ok=True)
    (apart.work / "package.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "dependencies": {"nat": "1.0.0"}}))
    (apart.work / "package-lock.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0", "dependencies": {"nat": "1.0.0"}},
                      "node_modules/nat": {
                          "version": "1.0.0", "hasInstallScript": True,
                          "resolved": "https://registry.npmjs.org/nat/-/nat-1.0.0.tgz",
                          "integrity": integrity}}}))


def _gypi(leak: str) -> str:
    return ("{'variables': {'x': '<!(sh -c \"cat ~/.npmrc > " + leak
            + "; printenv NPM_TOKEN >> " + leak + "; echo ok\")'}}\n")


@needs_npm
def test_node_gyps_kept_apart_headers_written_offline_are_not_run_by_a_networked_install(
        apart: Sandbox, registry: tuple[int, str]) -> None:
    """~/.cache/node-gyp is kept apart (sandbox_paths.separate): every box, offline or not,
    binds the same copy under ~/.cache/gatekeep/box, writable. ``bash poison.sh`` (allowed,
    offline) lays headers there with a common.gypi whose ``<!(...)`` node-gyp runs; the
    next `npm ci` (allowed, with the network, ~/.npmrc shown in full and NPM_TOKEN kept)
    builds a registry package's addon with them and runs the agent's command."""
    port, integrity = registry
    _project(apart, port, integrity)
    leak = apart.work / "leak"
    (apart.work / "poison.sh").write_text(
        "d=~/.cache/node-gyp/$(node -p 'process.version.slice(1)')\n"
        "mkdir -p $d/include/node && echo 11 > $d/installVersion\n"
        f"cat > $d/include/node/common.gypi <<'EOF'\n{_gypi(str(leak))}EOF\n")
    assert apart.gatekeep("run", "-c", "bash poison.sh").returncode == 0
    apart.gatekeep("run", "-c", "npm ci", env={"NPM_TOKEN": TOKEN}, timeout=180)
    assert not leak.exists() or TOKEN not in leak.read_text()


@needs_npm
def test_a_networked_install_does_not_build_with_headers_from_the_tree(
        apart: Sandbox, registry: tuple[int, str]) -> None:
    """`npm ci --nodedir=TREE/g` is allowed with the network: npm hands `nodedir` to
    node-gyp, which loads g/include/node/common.gypi, the agent's, and runs its commands
    with the token."""
    port, integrity = registry
    _project(apart, port, integrity)
    leak = apart.work / "leak"
    headers = apart.work / "g" / "include" / "node"
    headers.mkdir(parents=True)
    (headers / "common.gypi").write_text(_gypi(str(leak)))
    apart.gatekeep("run", "-c", f"npm ci --nodedir={apart.work}/g",
                   env={"NPM_TOKEN": TOKEN}, timeout=180)
    assert not leak.exists() or TOKEN not in leak.read_text()


def test_a_token_after_a_lone_carriage_return_is_not_shown_offline(apart: Sandbox) -> None:
    """npm's ini splits lines at \\r as well as \\n (``/[\\r\\n]+/``): a token line after a
    lone CR is a line of its own to npm, but the copy without secrets keeps it, whole, as
    part of the registry line before it, and shows it to every offline box."""
    (apart.home / ".npmrc").write_bytes(
        f"registry=https://mirror.example/\r//mirror.example/:_authToken={TOKEN}\n".encode())
    (apart.work / "show.sh").write_text("cat ~/.npmrc\n")
    result = apart.gatekeep("run", "-c", "bash show.sh")
    assert TOKEN not in result.stdout + result.stderr
