"""Secret variables stay out of a box without network, reused decision or not.

A command that names one (``echo $GITHUB_TOKEN``) is asked; these are programs that read one
themselves (a script, a Makefile's ``$(GITHUB_TOKEN)``), which no reading of the command sees.
Offline, such a value can only be written where the agent reads it afterwards. A box with
the network keeps only those its programs send (``environment.credentials``: a private
registry's token for ``npm ci``); an approved one keeps them all.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from gatekeep.runtime import decision_cache, fastpath, sysfs
from gatekeep.sandbox import plan, wire

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

SECRETS = {"GITHUB_TOKEN": "ghp-planted", "MY_API_KEY": "key-planted",
           "DATABASE_URL": "postgres://u:planted@db/x", "pgpassword": "planted"}
KEPT = {"FOO_TOKENIZER": "kept", "LANG": "C.UTF-8", "MY_TOKENS": "kept"}  # no whole part
SHOW = "show.sh"  # a project's script: `bash show.sh` is allowed and names no variable


def plant(sandbox: Sandbox) -> None:
    (sandbox.work / SHOW).write_text("env > seen\n")


def seen(sandbox: Sandbox) -> dict[str, str]:
    """The environment the script saw in the box."""
    lines = (sandbox.work / "seen").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def assert_stripped(found: dict[str, str]) -> None:
    assert not set(SECRETS) & set(found), found
    assert all(found.get(name) == value for name, value in KEPT.items()), found
    assert found["HOME"] and found["PATH"]


@pytest.mark.parametrize("request_words", [("-c", f"bash {SHOW}"), ("--", "bash", SHOW)])
def test_a_program_in_an_offline_box_does_not_get_secret_variables(
        sandbox: Sandbox, request_words: tuple[str, ...]) -> None:
    plant(sandbox)
    result = sandbox.gatekeep("run", *request_words, env={**SECRETS, **KEPT})
    assert (result.returncode, result.stderr) == (0, ""), result.stderr  # quiet
    assert_stripped(seen(sandbox))


def test_check_names_what_the_box_unsets(sandbox: Sandbox) -> None:
    plant(sandbox)
    result = sandbox.gatekeep("check", "--json", "-c", f"bash {SHOW}", env={**SECRETS, **KEPT})
    document = json.loads(result.stdout)["boundary"]
    assert document["network"] is False
    assert document["unset"] == sorted(SECRETS)
    text = sandbox.gatekeep("check", "-c", f"bash {SHOW}", env={**SECRETS, **KEPT}).stdout
    assert f"  unset in it: {', '.join(sorted(SECRETS))}\n" in text


def _in_process(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as a ``gatekeep run`` from the sandbox, with the secrets set."""
    for name, value in {**sandbox.env, **SECRETS, **KEPT}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(sandbox.work)


def test_a_reused_decision_strips_them_too(sandbox: Sandbox,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    plant(sandbox)
    assert sandbox.gatekeep("run", "-c", f"bash {SHOW}").returncode == 0  # stores it
    (sandbox.work / "seen").unlink()
    _in_process(sandbox, monkeypatch)
    assert fastpath.run(f"bash {SHOW}", None, None) == 0  # None: the fast path did not run it
    assert_stripped(seen(sandbox))


def _store_without_secrets(sandbox: Sandbox, command: str) -> None:
    """``command``'s stored decision rewritten as a gatekeep before the spec's ``secrets``
    stored it (found as the fast path finds it)."""
    config, state = sysfs.user_dirs(os.environ)
    cwd, path = str(sandbox.work), os.environ["PATH"]
    sources = sysfs.policy_sources(config, cwd, None, None)
    key = decision_cache.key(command=command, argv=None, cwd=cwd, home=str(sandbox.home),
                             path=path, tmpdir="", dirs=(config, state), sources=sources)
    entry = decision_cache.reuse(state, key, path,
                                 decision_cache.required_files(sources, config))
    assert entry is not None
    head, marker, _ = entry.fields.rpartition(', "boundary": ')
    old = plan.spec_from_fields(entry.fields).to_json()
    del old["secrets"]
    decision_cache.store(state, key, tuple(entry.files.items()), entry.code, entry.answers,
                         f"{head}{marker}{wire.dumps(old)}")


def test_a_stored_decision_from_before_is_decided_afresh(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(sandbox)
    command = f"bash {SHOW}"
    assert sandbox.gatekeep("run", "-c", command).returncode == 0
    (sandbox.work / "seen").unlink()
    _in_process(sandbox, monkeypatch)
    _store_without_secrets(sandbox, command)
    assert fastpath.run(command, None, None) is None  # not run with the secrets
    assert not (sandbox.work / "seen").exists()
    again = sandbox.gatekeep("run", "-c", command, env={**SECRETS, **KEPT})  # the full path
    assert (again.returncode, again.stderr) == (0, "")
    assert_stripped(seen(sandbox))
    (sandbox.work / "seen").unlink()
    assert fastpath.run(command, None, None) == 0  # stored afresh, with the field
    assert_stripped(seen(sandbox))


def test_a_box_with_the_network_keeps_only_what_its_program_sends(settled: Sandbox) -> None:
    """``git fetch`` gets the network and GITHUB_TOKEN (what a credential helper hands git),
    not the others; the tree's own config (read-only in the box) makes the fetch run a
    script of the operator's, which shows what git was given."""
    sandbox = settled  # a project outside the temp dirs: git there has the network
    script = sandbox.root / "upload-pack"
    script.write_text(f"#!/bin/sh\nenv > {sandbox.work / 'seen'}\nexit 1\n")
    script.chmod(0o755)
    for args in (["init", "-q"], ["remote", "add", "origin", str(sandbox.work)],
                 ["config", "remote.origin.uploadpack", str(script)]):
        subprocess.run(["git", *args], cwd=sandbox.work, check=True)
    check = sandbox.gatekeep("check", "--json", "-c", "git fetch", env=SECRETS)
    document = json.loads(check.stdout)["boundary"]
    assert document["network"] is True
    assert (document["unset"], document["kept"]) == (
        ["DATABASE_URL", "MY_API_KEY", "pgpassword"], ["GITHUB_TOKEN"])
    result = sandbox.gatekeep("run", "-c", "git fetch", env={**SECRETS, **KEPT}, timeout=60)
    assert result.returncode == 128, result.stderr  # the script ended the fetch
    found = seen(sandbox)
    assert found.get("GITHUB_TOKEN") == SECRETS["GITHUB_TOKEN"], found
    assert not {"MY_API_KEY", "DATABASE_URL", "pgpassword"} & set(found), found
    assert all(found.get(name) == value for name, value in KEPT.items()), found


def test_the_operators_git_config_names_what_git_keeps(settled: Sandbox) -> None:
    """A credential helper in the operator's ``~/.gitconfig`` that reads a variable."""
    sandbox = settled
    subprocess.run(["git", "init", "-q"], cwd=sandbox.work, check=True)
    (sandbox.home / ".gitconfig").write_text(
        '[credential]\n\thelper = "!f() { echo password=$CORP_GIT_TOKEN; }; f"\n')
    check = sandbox.gatekeep("check", "--json", "-c", "git fetch",
                             env={**SECRETS, "CORP_GIT_TOKEN": "c"})
    document = json.loads(check.stdout)["boundary"]
    assert document["network"] is True
    assert document["kept"] == ["CORP_GIT_TOKEN", "GITHUB_TOKEN"]
    text = sandbox.gatekeep("check", "-c", "git fetch", env=SECRETS).stdout
    assert "  secrets kept in it: GITHUB_TOKEN\n" in text


def test_a_box_without_a_program_that_sends_one_keeps_none(settled: Sandbox) -> None:
    """``docker ps`` reaches the network (a daemon's socket, a remote host) and sends no
    variable of these."""
    check = settled.gatekeep("check", "--json", "-c", "docker ps", env=SECRETS)
    document = json.loads(check.stdout)
    assert (document["decision"], document["boundary"]["network"]) == ("allow", True)
    assert (document["boundary"]["unset"], document["boundary"]["kept"]) == (sorted(SECRETS), [])


def test_the_box_an_approval_runs_keeps_them_all(settled: Sandbox) -> None:
    """What the operator approved with the network (``curl -H "Authorization: $TOKEN"``
    names one itself) runs with them."""
    check = settled.gatekeep("check", "--json", "-c", "curl -sO https://example.com/x",
                             env=SECRETS)
    document = json.loads(check.stdout)
    assert document["decision"] == "ask" and document["boundary"]["network"] is True
    assert (document["boundary"]["unset"], document["boundary"]["kept"]) == ([], sorted(SECRETS))


def test_a_failed_networked_run_names_the_secrets_it_went_without(settled: Sandbox) -> None:
    """A credential the program needed may be one of them: the operator is told which,
    after the note on the box; the ones it kept are not named."""
    subprocess.run(["git", "init", "-q", str(settled.work)], check=True)
    run = settled.gatekeep("run", "-c", "git fetch nowhere", env=SECRETS, timeout=60)
    assert run.returncode == 128, run.stderr
    assert run.stderr.endswith(
        "gatekeep: note: it ran without these secret variables: DATABASE_URL, MY_API_KEY, "
        "pgpassword (a box keeps only those its networked programs send: "
        "environment.credentials)\n"), run.stderr


def test_a_failed_offline_run_says_nothing_of_them(sandbox: Sandbox) -> None:
    (sandbox.work / "fail.sh").write_text("exit 3\n")
    run = sandbox.gatekeep("run", "-c", "bash fail.sh", env=SECRETS)
    assert run.returncode == 3
    assert "secret variables" not in run.stderr and "boundary" in run.stderr
