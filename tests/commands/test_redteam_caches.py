"""Ways around the caches' boundary: code gatekeep runs unattended must not write a place
that the operator's next unboxed build reads and runs (a jar in ``~/.m2/repository``).

Each trick is a command ``gatekeep check`` allows, run by ``gatekeep run`` in a scratch home;
where it matters, the same command run by plain bash shows the harm it would do.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
REAL = "the real jar\n"


def shared_jar(home: Path) -> Path:
    """A jar in the shared maven cache, as the operator's builds left it."""
    jar = home / ".m2" / "repository" / "org" / "lib" / "1.0" / "lib-1.0.jar"
    jar.parent.mkdir(parents=True)
    jar.write_text(REAL)
    return jar


def boundary(sandbox: Sandbox, command: str, cwd: Path | None = None) -> dict[str, Any]:
    checked = sandbox.gatekeep("check", "--json", "-c", command, cwd=cwd)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    document: dict[str, Any] = json.loads(checked.stdout)["boundary"]
    return document


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_npm_ci_does_not_run_a_workspaces_install_script_with_the_caches_writable(
        sandbox: Sandbox) -> None:
    """The root package.json names no install script, but a workspace in the tree does:
    npm ci runs it, so it is the tree's code and gets no network or shared caches."""
    jar = shared_jar(sandbox.home)
    (sandbox.work / "package.json").write_text(
        '{"name": "app", "version": "1.0.0", "workspaces": ["pkg"]}\n')
    (sandbox.work / "pkg").mkdir()
    (sandbox.work / "pkg" / "package.json").write_text(json.dumps(
        {"name": "pkg", "version": "1.0.0",
         "scripts": {"postinstall": f"echo planted > {jar}"}}))
    (sandbox.work / "package-lock.json").write_text(json.dumps(
        {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "app", "version": "1.0.0", "workspaces": ["pkg"]},
                      "node_modules/pkg": {"resolved": "pkg", "link": True},
                      "pkg": {"version": "1.0.0", "hasInstallScript": True}}}))
    assert boundary(sandbox, "npm ci")["network"] is False

    sandbox.gatekeep("run", "-c", "npm ci")
    assert jar.read_text() == REAL


@pytest.mark.parametrize(("manifest", "command"), [
    ('{"dependencies": {"pkg": "file:./pkg"}}', "npm ci"),
    ('{"devDependencies": {"pkg": "../pkg"}}', "npm ci"),
    ('{"dependencies": {"pkg": "workspace:*"}}', "yarn install --frozen-lockfile"),
    ('{"dependencies": []}', "npm ci"),
    ('{"name": "app"}', "pnpm install --frozen-lockfile"),  # beside pnpm-workspace.yaml
])
def test_an_install_of_a_package_from_the_tree_runs_offline(
        sandbox: Sandbox, manifest: str, command: str) -> None:
    (sandbox.work / "package.json").write_text(manifest + "\n")
    (sandbox.work / "pnpm-workspace.yaml").write_text("packages: [pkg]\n")
    assert boundary(sandbox, command)["network"] is False


def test_an_install_of_registry_packages_still_downloads(sandbox: Sandbox) -> None:
    (sandbox.work / "package.json").write_text('{"dependencies": {"left-pad": "^1.3.0"}}\n')
    assert boundary(sandbox, "npm ci")["network"] is True
    (sandbox.work / "package.json").write_text('{"workspaces": ["pkg"]}\n')
    assert boundary(sandbox, "npm ci --ignore-scripts")["network"] is True


def test_a_tree_write_beside_a_download_cannot_follow_a_link_into_a_shared_cache(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """``tar`` beside ``git fetch`` writes the tree. The first archive makes a link out of
    the tree, the second writes through it: what tar writes is known only when it runs.
    Such a command runs offline, so the shared caches stay read-only."""
    jar = shared_jar(sandbox.home)
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "lib").symlink_to(jar.parent)
    with tarfile.open(sandbox.work / "a.tar", "w") as archive:
        archive.add(staging / "lib", arcname="lib")
    (staging / "lib").unlink()
    (staging / "lib").mkdir()
    (staging / "lib" / "lib-1.0.jar").write_text("planted\n")
    with tarfile.open(sandbox.work / "b.tar", "w") as archive:
        archive.add(staging / "lib" / "lib-1.0.jar", arcname="lib/lib-1.0.jar")
    command = "tar xf a.tar; tar xf b.tar; git fetch"
    document = boundary(sandbox, command)
    assert document["network"] is False  # a part beside it writes the tree (red team 42)
    assert str(jar.parents[3]) not in document["writable"]

    sandbox.gatekeep("run", "-c", command)
    assert (sandbox.work / "lib").is_symlink()
    assert jar.read_text() == REAL

    subprocess.run(["bash", "-c", "rm lib; tar xf a.tar; tar xf b.tar"], cwd=sandbox.work,
                   check=True)
    assert jar.read_text() == "planted\n"  # what the box stopped


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A directory served over HTTP on loopback (a dev server that serves the project)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_a_loopback_download_cannot_write_through_a_link_into_a_shared_cache(
        sandbox: Sandbox, served: tuple[Path, int]) -> None:
    """An earlier offline run left a link in the tree named like the file a later
    ``curl -O`` from a local server saves: curl writes through it, where it leads."""
    jar = shared_jar(sandbox.home)
    root, port = served
    (root / "lib-1.0.jar").write_text("planted\n")
    (sandbox.work / "lib-1.0.jar").symlink_to(jar)
    command = f"curl -s -O http://127.0.0.1:{port}/lib-1.0.jar"
    document = boundary(sandbox, command)
    assert document["network"] is True
    assert str(jar.parents[3]) not in document["writable"]

    sandbox.gatekeep("run", "-c", command)
    assert jar.read_text() == REAL
    assert plain_run(sandbox, command).returncode == 0
    assert jar.read_text() == "planted\n"  # what the box stopped


def plain_run(sandbox: Sandbox, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=sandbox.work, env=sandbox.env,
                          capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize(("command", "network", "writes"), [
    ("curl -s http://127.0.0.1:8080/health", True, False),  # loopback: no package download
    ("cd web && npm ci", True, True),
    ("git status; cd web && npm ci", True, True),
    ("git stash && git fetch", True, False),  # git's own writes beside networked git
    ("npm ci 2>&1 | tail -5", True, True),  # tail reads its input: it writes nothing
    ("cd web && echo x; npm ci", True, False),  # echo claims nothing, writes only its output
    ("date; sleep 1 && git fetch", True, False),  # so do the knowledge's other `says_only`
    ("[ -d web ] && npm ci", True, False),  # a test expression is `test`
    ("echo x > web/notes.txt && npm ci", False, False),  # its redirect writes the tree
    # a part that writes the tree beside a networked one: offline (red team 42)
    ("unzip -o x.zip; git fetch", False, False),
    ("cp -r web copy && git fetch", False, False),
])
def test_only_a_download_beside_nothing_that_writes_writes_the_shared_caches(
        settled: Sandbox, command: str, network: bool, writes: bool) -> None:
    sandbox = settled  # a project outside the temp dirs: git there has the network
    (sandbox.home / ".npm").mkdir()
    (sandbox.work / "web").mkdir()
    subprocess.run(["git", "init", "-q"], cwd=sandbox.work, check=True)
    document = boundary(sandbox, command)
    assert document["network"] is network
    assert (str(sandbox.home / ".npm") in document["writable"]) is writes


def test_a_box_whose_tree_is_the_home_keeps_the_shared_caches_read_only(
        sandbox: Sandbox) -> None:
    """Working in the home itself (no repository of its own): the whole home is the tree,
    so the home is not hidden, but its caches are still not the tree's to write."""
    jar = shared_jar(sandbox.home)
    (sandbox.home / "Makefile").write_text(f"all:\n\techo planted > {jar}\n")
    document = boundary(sandbox, "make", cwd=sandbox.home)
    assert document["status"] == "ask"  # not unattended at all (test_redteam_box2.py)
    assert str(jar.parents[3]) in document["read_only"]  # nor in the box an approval gives

    refused = sandbox.gatekeep("run", "-c", "make", cwd=sandbox.home)
    assert refused.returncode != 0, refused.stderr
    assert jar.read_text() == REAL
