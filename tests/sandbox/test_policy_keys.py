"""The boundary's policy keys, and the spec a run gets from its policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.sandbox.policy import lifted, spec_for, with_caches
from gatekeep.sandbox.spec import BWRAP, Limits
from gatekeep.shell.parse import parse


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text("gatekeep: 1\n" + text)
    return path


def test_defaults_when_no_key_is_given(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "p.yaml", ""))
    assert (policy.sandbox, policy.sandbox_writable, policy.sandbox_bwrap, policy.limits) == \
        ("preferred", (), BWRAP, Limits())


def test_keys_are_read_with_sizes_and_a_bare_off(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "p.yaml", (
        "sandbox: off\nsandbox_paths: {writable: [~/.npm], bwrap: [/opt/bwrap], "
        "not_scanned: [node_modules]}\nlimits: {timeout: 9, memory: 2G, output: 512K}\n")))
    assert policy.sandbox == "off"
    assert policy.sandbox_writable == ("~/.npm",)
    assert policy.sandbox_bwrap == ("/opt/bwrap",)
    assert policy.sandbox_not_scanned == ("node_modules",)
    shown = load_policy(write(tmp_path, "q.yaml", "sandbox_paths: {readable: ['~', ~/.rustup]}\n"))
    assert shown.sandbox_readable == ("~", "~/.rustup")
    assert policy.limits == Limits(timeout=9, memory=2 << 30, output=512 << 10)


@pytest.mark.parametrize(("text", "message"), [
    ("sandbox: maybe\n", "2:10: sandbox: expected one of off, preferred, required, got 'maybe'"),
    ("sandbox_paths: {bwrap: [bwrap]}\n", "never looked up"),
    ("sandbox_paths: {writable: [cache]}\n", "a writable path starts with / or ~/"),
    ("sandbox_paths: {readable: [/opt/tools]}\n", "a readable path is in the home directory"),
    ("sandbox_paths: {readable: [~other]}\n", "a readable path is in the home directory"),
    ("sandbox_paths: {writeable: [~/x]}\n", "did you mean 'writable'"),
    ("limits: {timeout: -1}\n", "expected a number of at least 0"),
    ("limits: {memory: lots}\n", "expected a number of at least 0, got 'lots'"),
    ("limits: {wall: 3}\n", "unknown key 'wall'"),
])
def test_bad_values_name_the_place(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PolicyError) as error:
        load_policy(write(tmp_path, "p.yaml", text))
    assert message in str(error.value)


def test_the_extending_file_speaks_last(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "sandbox: required\nlimits: {timeout: 5, cpu: 7}\n"
          "sandbox_paths: {writable: [~/.npm]}\n")
    policy = load_policy(write(tmp_path, "top.yaml", "extends: [base.yaml]\n"
                               "sandbox: preferred\nlimits: {timeout: 60}\n"))
    assert policy.sandbox == "preferred"
    assert policy.limits == Limits(timeout=60, cpu=7)
    assert policy.sandbox_writable == ("~/.npm",)


def test_other_policies_only_tighten_the_operators(tmp_path: Path) -> None:
    operator = load_policy(write(tmp_path, "op.yaml", "sandbox: preferred\nlimits: {timeout: 60}\n"
                                 "sandbox_paths: {writable: [~/.npm]}\n"))
    project = load_policy(write(tmp_path, "pr.yaml", "sandbox: off\nlimits: {timeout: 600, "
                                "cpu: 5}\nsandbox_paths: {writable: [/], bwrap: [/tmp/b]}\n"
                                "protect: {read: [secret.txt]}\n"))
    spec = spec_for([operator, project])
    assert spec.mode == "preferred"
    assert spec.limits == Limits(timeout=60, cpu=5)
    assert spec.writable == ()  # offline: the operator's caches are shown read-only
    assert spec.readable == ("~/.npm",)
    assert with_caches(spec, operator, network=True, downloaders=["npm"]).writable == \
        ("~/.npm",)
    assert with_caches(spec, operator, network=True).writable == ()  # no download: none
    assert spec.bwrap == BWRAP
    assert "secret.txt" in spec.protect_read
    assert spec_for([project, operator]).mode == "preferred"  # off never wins


def test_an_approval_lifts_what_the_explanation_named(tmp_path: Path) -> None:
    policy = load_policy("builtin:default")
    context = Context(cwd=str(tmp_path), home=str(tmp_path / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"), temp_dirs=())
    outside = tmp_path.parent / "elsewhere" / "new" / "file.txt"

    def lift(command: str):  # type: ignore[no-untyped-def]
        parsed = parse(command)
        return lifted(spec_for([policy]), decide(policy, parsed, context), parsed, [policy])

    written = lift(f"cp a.txt {outside}")
    assert str(tmp_path.parent) in written.writable  # the nearest directory that exists
    assert not written.network and not written.everything_writable
    assert lift("curl -s https://example.org").network
    assert lift('cp a.txt "$TARGET"').everything_writable
    assert lift("ls") == spec_for([policy])._replace(approved=True)  # the operator's now


def test_a_project_policys_exception_does_not_unhide_the_operators_secrets(
        tmp_path: Path) -> None:
    # `protect: {read: ["!**/.env"]}` in a project policy would take `.env` out of the
    # box's hidden files, and an allowed `grep -r KEY .` would then print it
    operator = load_policy("builtin:default")
    project = load_policy(write(tmp_path, "pr.yaml", "extends: [builtin:default]\n"
                                "protect: {read: ['!**/.env', '!~/.ssh/id_*', extra.txt]}\n"))
    spec = spec_for([operator, project])
    assert "!**/.env" not in spec.protect_read
    assert "!~/.ssh/id_*" not in spec.protect_read
    assert "extra.txt" in spec.protect_read  # tightening still counts
    assert "!**/.env.example" in spec.protect_read  # the operator's own exceptions stay
