"""What a networked part obeys beyond its own directory (gatekeep/core/manifests.py): npm's
project up the tree, a repository in a temp dir that any box could have written. Such a part
runs the tree's code: its box has neither the network nor the secret variables."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any
PACKAGE = '{"name": "x", "version": "1.0.0"}\n'


def _network(sandbox: Sandbox, command: str, cwd: Path) -> bool:
    checked = sandbox.gatekeep("check", "--json", "-c", command, cwd=cwd)
    document = json.loads(checked.stdout)
    assert document["decision"] == "allow", checked.stdout
    network: bool = document["boundary"]["network"]
    return network


@pytest.mark.parametrize("above", ["package.json", "node_modules", ".npmrc", ".yarnrc"])
def test_npm_below_what_it_obeys_above_runs_offline(settled: Sandbox, above: str) -> None:
    (settled.work / "app").mkdir()
    (settled.work / "app" / "package.json").write_text(PACKAGE)
    (settled.work / "app" / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    assert _network(settled, "npm ci", settled.work / "app")

    place = settled.work / above
    place.mkdir() if above == "node_modules" else place.write_text(PACKAGE)

    assert not _network(settled, "npm ci", settled.work / "app")


def test_the_operators_own_npmrc_in_the_home_is_no_project(settled: Sandbox) -> None:
    (settled.home / ".npmrc").write_text("fund=false\n")
    (settled.home / "package.json").write_text(PACKAGE)
    work = settled.home / "work"
    work.mkdir()
    (work / "package.json").write_text(PACKAGE)
    (work / "package-lock.json").write_text('{"lockfileVersion": 3}\n')

    assert _network(settled, "npm ci", work)


def test_git_in_a_repository_in_a_temp_dir_runs_offline(sandbox: Sandbox,
                                                        settled: Sandbox) -> None:
    for place in (sandbox.work, settled.work):
        subprocess.run(["git", "init", "-q", str(place)], check=True, timeout=30)
        (place / "sub").mkdir()

    assert _network(settled, "git fetch", settled.work / "sub")
    assert not _network(sandbox, "git fetch", sandbox.work / "sub")  # /tmp/.../work
    assert not _network(sandbox, "git fetch", sandbox.work)



def _npm_project(place: Path) -> None:
    (place / "package.json").write_text(PACKAGE)
    (place / "package-lock.json").write_text('{"lockfileVersion": 3}\n')


@pytest.mark.parametrize(("assignment", "network"), [
    ("", True), ("LANG=C ", True), ("LC_ALL=C NO_COLOR=1 CI=1 ", True),
    ("HTTPS_PROXY=http://127.0.0.1:9 ", False), ("https_proxy=http://127.0.0.1:9 ", False),
    ("NODE_EXTRA_CA_CERTS=ca.crt ", False), ("SSL_CERT_FILE=ca.crt ", False)])
def test_a_variable_set_for_a_networked_part_but_a_plain_one_takes_its_network(
        settled: Sandbox, assignment: str, network: bool) -> None:
    _npm_project(settled.work)
    subprocess.run(["git", "init", "-q", str(settled.work)], check=True, timeout=30)

    assert _network(settled, f"{assignment}npm ci", settled.work) is network
    assert _network(settled, f"{assignment}git fetch", settled.work) is network


@pytest.mark.parametrize(("declaration", "network"), [
    ("export CI=1 LANG=C && ", True), ("NO_COLOR=1; ", True),
    ("export HTTPS_PROXY=http://127.0.0.1:9 && ", False), ("export FOO=1; ", False)])
def test_plain_variables_exported_before_a_networked_part_keep_its_network(
        settled: Sandbox, declaration: str, network: bool) -> None:
    _npm_project(settled.work)
    subprocess.run(["git", "init", "-q", str(settled.work)], check=True, timeout=30)

    assert _network(settled, f"{declaration}npm ci", settled.work) is network


@pytest.mark.parametrize("option", ["--cache c", "--https-proxy http://127.0.0.1:9",
                                    "--strict-ssl=false", "--cafile ca.crt", "--registry x"])
def test_where_npm_sends_its_token_or_takes_its_packages_is_asked(sandbox: Sandbox,
                                                                  option: str) -> None:
    _npm_project(sandbox.work)
    checked = sandbox.gatekeep("check", "--json", "-c", f"npm ci {option}")

    assert json.loads(checked.stdout)["decision"] == "ask", checked.stdout
