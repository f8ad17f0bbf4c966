"""Caches in the box: code the box runs cannot plant anything that an unboxed build reads.

A shared download cache (``~/.m2/repository``) is read-only in an offline box and writable
only in a box that downloads; a build cache (``~/.cache/go-build``) is kept apart: the box
writes its own copy, which the operator's own builds never see. Each trick is a Makefile the
policy lets ``make`` run, run by plain bash (the harm happens) and by ``gatekeep run``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def makefile(sandbox: Sandbox, *recipe: str) -> None:
    lines = ["SHELL := /bin/bash", "all:", *(f"\t{line}" for line in recipe)]
    (sandbox.work / "Makefile").write_text("\n".join(lines) + "\n")


def plain(sandbox: Sandbox, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=sandbox.work, env=sandbox.env,
                          capture_output=True, text=True, timeout=60, check=False)


def boundary(sandbox: Sandbox, command: str) -> dict[str, Any]:
    checked = sandbox.gatekeep("check", "--json", "-c", command)
    document: dict[str, Any] = json.loads(checked.stdout)["boundary"]
    return document


def test_an_offline_box_cannot_plant_a_package_in_a_shared_cache(sandbox: Sandbox) -> None:
    library = sandbox.home / ".m2" / "repository" / "org" / "lib" / "1.0"
    library.mkdir(parents=True)
    (library / "lib-1.0.jar").write_text("the real jar\n")
    makefile(sandbox, "echo 'evil' > $(HOME)/.m2/repository/org/lib/1.0/lib-1.0.jar")
    assert sandbox.gatekeep("check", "-c", "make").returncode == 0

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 2, boxed.stderr
    assert "Read-only file system" in boxed.stderr
    assert boxed.stderr.endswith(sandbox.BOX_NOTE)
    assert (library / "lib-1.0.jar").read_text() == "the real jar\n"

    assert plain(sandbox, "make").returncode == 0
    assert (library / "lib-1.0.jar").read_text() == "evil\n"


def test_an_offline_box_reads_the_shared_caches(sandbox: Sandbox) -> None:
    library = sandbox.home / ".m2" / "repository" / "org" / "lib"
    library.mkdir(parents=True)
    (library / "lib.pom").write_text("<project/>\n")
    makefile(sandbox, "cat $(HOME)/.m2/repository/org/lib/lib.pom")

    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    assert boxed.stdout.endswith("<project/>\n")


def test_a_build_cache_is_the_boxs_own_copy(sandbox: Sandbox) -> None:
    real = sandbox.home / ".cache" / "go-build"
    real.mkdir(parents=True)
    (real / "operators").write_text("built by the operator\n")
    makefile(sandbox, "ls $(HOME)/.cache/go-build",
             "echo planted > $(HOME)/.cache/go-build/entry")

    first = sandbox.gatekeep("run", "-c", "make")
    assert first.returncode == 0, first.stderr
    assert "operators" not in first.stdout  # the box's copy starts empty
    assert not (real / "entry").exists()  # the operator's cache is untouched
    copy = sandbox.home / ".cache" / "gatekeep" / "box" / ".cache" / "go-build"
    assert (copy / "entry").read_text() == "planted\n"

    second = sandbox.gatekeep("run", "-c", "make")  # the copy lasts from run to run
    assert second.returncode == 0, second.stderr
    assert "entry" in second.stdout

    assert plain(sandbox, "make").returncode == 0
    assert (real / "entry").read_text() == "planted\n"


def test_the_copy_follows_xdg_cache_home(sandbox: Sandbox) -> None:
    elsewhere = sandbox.home / "caches"
    makefile(sandbox, "echo built > $(HOME)/.cache/go-build/entry")

    boxed = sandbox.gatekeep("run", "-c", "make", env={"XDG_CACHE_HOME": str(elsewhere)})
    assert boxed.returncode == 0, boxed.stderr
    assert (elsewhere / "gatekeep/box/.cache/go-build/entry").read_text() == "built\n"
    assert not (sandbox.home / ".cache/go-build").exists()


def test_a_copy_that_leads_out_of_its_root_is_not_bound(sandbox: Sandbox) -> None:
    """Were the copy a link to the operator's real cache, the box would write that."""
    real = sandbox.home / ".cache" / "go-build"
    real.mkdir(parents=True)
    copies = sandbox.home / ".cache" / "gatekeep" / "box" / ".cache"
    copies.mkdir(parents=True)
    (copies / "go-build").symlink_to(real)
    makefile(sandbox, "echo planted > $(HOME)/.cache/go-build/entry")

    assert str(real) not in boundary(sandbox, "make")["separate"]
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 2, boxed.stderr
    assert not (real / "entry").exists()


def test_check_shows_caches_read_only_offline_and_writable_with_the_network(
        sandbox: Sandbox) -> None:
    cache = sandbox.home / ".npm"
    cache.mkdir()
    offline = boundary(sandbox, "git status")
    assert str(cache) not in offline["writable"]
    assert str(cache) in offline["home"]["shown"]
    assert offline["separate"] == {
        str(sandbox.home / p): str(sandbox.home / ".cache/gatekeep/box" / p)
        for p in (".cache/go-build", ".cache/ccache", ".ccache", ".gradle/caches",
                  ".cache/uv", ".cache/node-gyp", ".cache/pre-commit", ".cache/prek")}

    (sandbox.work / "package.json").write_text('{"name": "x"}\n')
    downloading = boundary(sandbox, "npm ci")
    assert downloading["network"] is True
    assert str(cache) in downloading["writable"]
    assert str(cache) not in downloading["home"]["shown"]

    text = sandbox.gatekeep("check", "-c", "git status", env={"NO_COLOR": "1"}).stdout
    assert f"  kept apart (the box's own copy): {sandbox.home}/.cache/go-build, " in text


@pytest.mark.parametrize(("command", "owned"), [
    ("pip install requests", ".cache/pip"),
    ("python3 -m pip install requests", ".cache/pip"),
    ("mvn deploy", ".m2/repository"),
    ("curl -o /tmp/x https://example.org/x", None),
])
def test_an_approved_download_writes_its_own_programs_caches(sandbox: Sandbox, command: str,
                                                             owned: str | None) -> None:
    """The operator approved a run that needs the network: what its programs download is
    kept, in their caches only."""
    caches = [".cache/pip", ".m2/repository", ".npm"]
    for cache in caches:
        (sandbox.home / cache).mkdir(parents=True)
    asked = boundary(sandbox, command)
    assert asked["network"] is True
    assert [c for c in caches if str(sandbox.home / c) in asked["writable"]] == \
        ([owned] if owned else [])


def test_a_download_writes_only_its_owners_caches(sandbox: Sandbox) -> None:
    """``npm ci`` writes ~/.npm; what its packages' install scripts run cannot write ~/.m2."""
    for cache in (".npm", ".m2/repository"):
        (sandbox.home / cache).mkdir(parents=True)
    (sandbox.work / "package.json").write_text('{"name": "x"}\n')
    document = boundary(sandbox, "npm ci")
    assert document["network"] is True
    assert str(sandbox.home / ".npm") in document["writable"]
    assert str(sandbox.home / ".m2/repository") not in document["writable"]
    assert str(sandbox.home / ".m2/repository") in document["home"]["shown"]
    fetched = boundary(sandbox, "git fetch")  # git owns no cache
    assert fetched["network"] is True
    assert not [p for p in fetched["writable"] if p.startswith(str(sandbox.home))]


def test_a_cache_no_program_owns_is_written_by_any_download(sandbox: Sandbox) -> None:
    (sandbox.home / ".m2/repository").mkdir(parents=True)
    (sandbox.home / "mine").mkdir()
    sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\nsandbox_paths:\n"
        "  writable: [~/.m2/repository, ~/mine]\n  owners: {mvn: [~/.m2/repository]}\n")
    fetched = boundary(sandbox, "git fetch")
    assert str(sandbox.home / "mine") in fetched["writable"]
    assert str(sandbox.home / ".m2/repository") not in fetched["writable"]


def test_an_owner_is_named_by_a_program_name(sandbox: Sandbox) -> None:
    sandbox.write_operator_policy(
        "gatekeep: 1\nsandbox_paths:\n  owners: {/usr/bin/npm: [~/.npm]}\n")
    checked = sandbox.gatekeep("check", "-c", "true")
    assert checked.returncode != 0
    assert "an owner is a program's name, not a path" in checked.stderr


def test_a_box_that_runs_the_trees_code_stays_offline_with_read_only_caches(
        sandbox: Sandbox) -> None:
    (sandbox.home / ".npm").mkdir()
    (sandbox.work / "package.json").write_text('{"scripts": {"test": "true"}}\n')
    document = boundary(sandbox, "npm test")
    assert document["network"] is False
    assert str(sandbox.home / ".npm") not in document["writable"]


@pytest.mark.parametrize("value", ["/opt/cache", "~/.cache/*", "~/", "~/../x", "cache"])
def test_a_separate_cache_is_a_plain_home_path(sandbox: Sandbox, value: str) -> None:
    policy = sandbox.config_home / "gatekeep" / "policy.yaml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(f"gatekeep: 1\nsandbox_paths:\n  separate: ['{value}']\n")
    checked = sandbox.gatekeep("check", "-c", "true")
    assert checked.returncode != 0
    assert "separate cache is a directory in the home directory" in checked.stderr


def test_xdg_cache_home_relative_keeps_nothing_apart(sandbox: Sandbox, tmp_path: Path) -> None:
    """A relative XDG_CACHE_HOME names no place: the build caches stay read-only."""
    document = json.loads(sandbox.gatekeep(
        "check", "--json", "-c", "make", env={"XDG_CACHE_HOME": "rel"}).stdout)["boundary"]
    assert document["separate"] == {}


def test_copies_kept_where_the_box_writes_are_not_bound(sandbox: Sandbox) -> None:
    """XDG_CACHE_HOME in a temp dir (or the tree): a box could swap a copy for a link to the
    real cache between one run's check and the next box's start."""
    for place in (sandbox.root / "cache-home", sandbox.work / ".cache"):
        document = json.loads(sandbox.gatekeep(
            "check", "--json", "-c", "make", env={"XDG_CACHE_HOME": str(place)}).stdout)
        assert document["boundary"]["separate"] == {}


def test_a_home_that_is_the_tree_builds_no_cache_there(sandbox: Sandbox) -> None:
    """Working in the home itself, the home is not hidden and the box writes it, copies
    under ~/.cache included: a build cache made there would be the operator's real one."""
    (sandbox.home / ".cache/go-build").mkdir(parents=True)
    (sandbox.home / "Makefile").write_text("all:\n\techo planted > $(HOME)/.cache/go-build/x\n")
    checked = json.loads(sandbox.gatekeep("check", "--json", "-c", "make",
                                          cwd=sandbox.home).stdout)["boundary"]
    assert checked["status"] == "ask"  # the box an approval gives keeps the cache read-only:
    assert str(sandbox.home / ".cache/go-build") in checked["hidden"]
    ran = sandbox.gatekeep("run", "-c", "make", cwd=sandbox.home)
    assert ran.returncode != 0, ran.stderr
    assert not (sandbox.home / ".cache/go-build/x").exists()
    assert plain(sandbox, f"make -C {sandbox.home}").returncode == 0
    assert (sandbox.home / ".cache/go-build/x").read_text() == "planted\n"


def test_a_copy_gatekeep_cannot_make_runs_nothing(sandbox: Sandbox) -> None:
    """XDG_CACHE_HOME names a file: the box's copies cannot be made, so the box cannot be
    built, and the allowed command turns into a question (refused without a terminal)."""
    blocked = sandbox.home / "not-a-directory"
    blocked.write_text("")
    makefile(sandbox, "touch ran")
    env = {"XDG_CACHE_HOME": str(blocked)}
    refused = sandbox.gatekeep("run", "-c", "make", env=env)
    assert refused.returncode != 0
    assert "boundary failed to start" in refused.stderr
    assert not (sandbox.work / "ran").exists()


def test_yarn_as_root_downloads_into_its_own_cache() -> None:
    """yarn v1 run by root caches in /usr/local/share/.cache/yarn (its home is /usr/local/share
    then): a box that downloads for yarn writes it, as ~/.cache/yarn for everyone else, and
    no other download does."""
    from gatekeep.policy.load import load_policy
    from gatekeep.sandbox.policy import cache_owners

    owners = cache_owners(load_policy("builtin:default"))
    assert owners["/usr/local/share/.cache/yarn"] == ("yarn",)
    assert owners["~/.cache/yarn"] == ("yarn",)
