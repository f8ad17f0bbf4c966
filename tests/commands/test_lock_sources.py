"""What a frozen install obeys in its lock: packages from elsewhere than the default
registry are asked about, and a package of the tree's (a workspace member, a linked
path) or the project's own environment makes the install run the tree's code, so its box
has neither the network nor the secrets. Judged by `gatekeep check`, lock files written by
hand as each package manager writes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import

PYPROJECT = '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["idna"]\n'
UV_IDNA = '''[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/f1/idna-3.10.tar.gz", hash = "sha256:1" }
'''
UV_APP = '''[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "idna" }]
'''
UV_MEMBER = '''[[package]]
name = "lib"
version = "0.1.0"
source = { editable = "packages/lib" }
'''
UV_ELSEWHERE = UV_IDNA.replace("https://pypi.org/simple", "http://127.0.0.1:9/simple")
NPM_PACKAGE = {"name": "app", "version": "1.0.0", "dependencies": {"is-odd": "3.0.1"}}


def _boundary(sandbox: Sandbox, command: str) -> tuple[str, bool, str]:
    document = json.loads(sandbox.gatekeep("check", "--json", "-c", command).stdout)
    reasons = " ".join(s["reason"] or "" for s in document["segments"])
    return document["decision"], bool(document["boundary"].get("network")), reasons


def _uv(sandbox: Sandbox, lock: str, pyproject: str = PYPROJECT) -> None:
    (sandbox.work / "pyproject.toml").write_text(pyproject)
    (sandbox.work / "uv.lock").write_text(f"version = 1\nrequires-python = \">=3.11\"\n\n"
                                          f"{lock}")


def test_uv_from_the_registry_keeps_its_network(apart: Sandbox) -> None:
    _uv(apart, UV_APP + UV_IDNA)
    assert _boundary(apart, "uv sync --frozen")[:2] == ("allow", True)


def test_uv_with_the_projects_environment_runs_it_offline(apart: Sandbox) -> None:
    """uv runs `.venv/bin/python`, whose `site` runs each `.pth` the agent left there."""
    _uv(apart, UV_APP + UV_IDNA)
    (apart.work / ".venv").mkdir()
    (apart.work / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert _boundary(apart, "uv sync --frozen")[:2] == ("allow", False)


def test_uv_building_a_member_of_the_tree_runs_it_offline(apart: Sandbox) -> None:
    _uv(apart, UV_APP + UV_MEMBER + UV_IDNA)
    assert _boundary(apart, "uv sync --frozen")[:2] == ("allow", False)


@pytest.mark.parametrize("table", [
    '[[tool.uv.index]]\nname = "internal"\nurl = "http://127.0.0.1:9/simple"\n',
    '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
    '[tool.uv.sources]\nlib = { path = "packages/lib" }\n',
])
def test_uv_obeying_the_trees_settings_runs_it_offline(apart: Sandbox, table: str) -> None:
    _uv(apart, UV_APP + UV_IDNA, PYPROJECT + table)
    assert _boundary(apart, "uv sync --frozen")[:2] == ("allow", False)


def test_uv_from_another_index_is_asked(apart: Sandbox) -> None:
    _uv(apart, UV_APP + UV_ELSEWHERE)
    decision, _, reason = _boundary(apart, "uv sync --frozen")
    assert decision == "ask" and "http://127.0.0.1:9/simple" in reason, reason


def _npm(sandbox: Sandbox, packages: dict[str, object]) -> None:
    (sandbox.work / "package.json").write_text(json.dumps(NPM_PACKAGE))
    lock = {"name": "app", "lockfileVersion": 3, "requires": True,
            "packages": {"": NPM_PACKAGE, **packages}}
    (sandbox.work / "package-lock.json").write_text(json.dumps(lock))


REGISTRY_ODD = {"node_modules/is-odd": {
    "version": "3.0.1", "resolved": "https://registry.npmjs.org/is-odd/-/is-odd-3.0.1.tgz"}}


def test_npm_from_the_registry_keeps_its_network(apart: Sandbox) -> None:
    _npm(apart, REGISTRY_ODD)
    assert _boundary(apart, "npm ci")[:2] == ("allow", True)


def test_npm_linking_a_package_of_the_tree_runs_it_offline(apart: Sandbox) -> None:
    """An `overrides` entry naming `file:./evil`: the lock links it, npm runs its scripts."""
    _npm(apart, {**REGISTRY_ODD, "node_modules/is-number": {"resolved": "evil", "link": True},
                   "evil": {"name": "is-number", "version": "6.0.0",
                            "hasInstallScript": True}})
    assert _boundary(apart, "npm ci")[:2] == ("allow", False)


PNPM_HEAD = "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n"


@pytest.mark.parametrize(("resolution", "expected"), [
    ("{integrity: sha512-abc}", ("allow", True)),
    ("{tarball: http://127.0.0.1:9/evilpkg.tgz}", ("ask", True)),
    ("{directory: evil, type: directory}", ("allow", False)),
])
def test_pnpm_judges_what_its_lock_resolves(apart: Sandbox, resolution: str,
                                            expected: tuple[str, bool]) -> None:
    (apart.work / "package.json").write_text(json.dumps(NPM_PACKAGE))
    (apart.work / "pnpm-lock.yaml").write_text(
        f"{PNPM_HEAD}      is-odd:\n        specifier: 3.0.1\n        version: 3.0.1\n\n"
        f"packages:\n\n  is-odd@3.0.1:\n    resolution: {resolution}\n")
    assert _boundary(apart, "pnpm install --frozen-lockfile")[:2] == expected


@pytest.mark.parametrize(("resolved", "expected"), [
    ("https://registry.yarnpkg.com/is-odd/-/is-odd-3.0.1.tgz#abc", ("allow", True)),
    ("http://127.0.0.1:9/evilpkg.tgz", ("ask", True)),
    ("https://registry.yarnpkg.com@127.0.0.1/x.tgz", ("ask", True)),
])
def test_yarn_judges_what_its_lock_resolves(apart: Sandbox, resolved: str,
                                            expected: tuple[str, bool]) -> None:
    (apart.work / "package.json").write_text(json.dumps(NPM_PACKAGE))
    (apart.work / "yarn.lock").write_text(
        f'is-odd@3.0.1:\n  version "3.0.1"\n  resolved "{resolved}"\n')
    assert _boundary(apart, "yarn install --frozen-lockfile")[:2] == expected


def test_a_lock_that_cannot_be_read_is_asked(apart: Sandbox) -> None:
    (apart.work / "package.json").write_text(json.dumps(NPM_PACKAGE))
    (apart.work / "yarn.lock").write_bytes(b"\xff\xfe binary")
    assert _boundary(apart, "yarn install --frozen-lockfile")[0] == "ask"


BUN_LOCK = ('{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {\n      "name": "app",\n'
            '      "dependencies": {\n        "is-odd": "3.0.1",\n      },\n    },\n  },\n'
            '  "packages": {\n    "is-odd": ["is-odd@{SPEC}", "", {}, "sha512-abc"],\n  }\n}\n')


@pytest.mark.parametrize(("spec", "expected"), [
    ("3.0.1", ("allow", True)),
    ("http://127.0.0.1:9/evilpkg.tgz", ("ask", True)),
    ("github:evil/pkg#abc", ("ask", True)),
    ("file:./evil", ("allow", False)),
])
def test_bun_judges_what_its_lock_resolves(apart: Sandbox, spec: str,
                                           expected: tuple[str, bool]) -> None:
    (apart.work / "package.json").write_text(json.dumps(NPM_PACKAGE))
    (apart.work / "bun.lock").write_text(BUN_LOCK.replace("{SPEC}", spec))
    assert _boundary(apart, "bun install --frozen-lockfile")[:2] == expected


def test_bun_s_binary_lock_is_asked(apart: Sandbox) -> None:
    (apart.work / "package.json").write_text(json.dumps(NPM_PACKAGE))
    (apart.work / "bun.lockb").write_bytes(b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\xff\x01")
    assert _boundary(apart, "bun install --frozen-lockfile")[0] == "ask"
