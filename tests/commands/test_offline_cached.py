"""``lint``, ``test`` and ``replay`` read the sealed compiled policy where they may, and say
exactly what they said when they compiled it from its text.

The compiled policy is trusted as ``run`` trusts it (sealed with the state directory's key,
every file's content and gatekeep's own code checked). ``lint`` reports on a policy's text:
it takes the compiled form only for a policy whose text depends on nothing but its files'
content (a built-in one, the operator's own); any other is checked from its text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHADOWED = """gatekeep: 1
extends: [builtin:default]
rules:
  - id: git-anything
    deny: ["git *"]
  - id: git-look
    allow: ["git status"]
    tests: [{cmd: git status, expect: deny}]
"""


def environment(root: Path, state: str = "state") -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root / "home"),
            "XDG_CONFIG_HOME": str(root / "config"), "XDG_STATE_HOME": str(root / state)}


def gatekeep(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str, set[str]]:
    """Exit status, output, errors and the modules imported (``-X importtime``)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", *args],
                            capture_output=True, text=True, env=env, cwd=cwd, check=False)
    lines = result.stderr.splitlines()
    names = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    errors = "".join(line + "\n" for line in lines if not line.startswith("import time:"))
    return result.returncode, result.stdout, errors, names


@pytest.fixture
def operator(tmp_path: Path) -> Path:
    policy = tmp_path / "config" / "gatekeep" / "policy.yaml"
    policy.parent.mkdir(parents=True)
    policy.write_text(SHADOWED)
    (tmp_path / "home").mkdir()
    return policy


def record(env: dict[str, str], cwd: Path) -> None:
    """Compiles the operator's policy (and caches it) and logs two decisions."""
    for argv in (["true"], ["git", "status"]):
        subprocess.run([sys.executable, "-m", "gatekeep", "run", "--", *argv], env=env,
                       cwd=cwd, check=False, capture_output=True)


def cases(policy: Path, log: Path) -> list[list[str]]:
    """``test`` and ``replay`` compile and cache what no entry holds (``builtin:default``
    here); ``lint`` only reads the cache."""
    return [["test", str(policy)], ["test", "builtin:default"], ["lint", str(policy)],
            ["lint", "builtin:default"], ["replay", str(log), "--policy", str(policy)]]


def test_the_cached_policy_gives_what_the_text_gives(tmp_path: Path, operator: Path) -> None:
    cached = environment(tmp_path)
    record(cached, tmp_path)
    log = tmp_path / "state" / "gatekeep" / "audit.jsonl"
    assert log.read_text()
    for number, args in enumerate(cases(operator, log)):
        fresh = gatekeep(args, environment(tmp_path, f"fresh-{number}"), tmp_path)
        again = gatekeep(args, cached, tmp_path)
        assert again[:3] == fresh[:3], args
        assert "yaml" in fresh[3], args  # compiled from the text
    for args in cases(operator, log):
        assert "yaml" not in gatekeep(args, cached, tmp_path)[3], args  # read from the cache
    assert "warning" in gatekeep(["lint", str(operator)], cached, tmp_path)[1]


def test_a_passing_test_and_a_replay_print_without_rich(tmp_path: Path,
                                                        operator: Path) -> None:
    env = environment(tmp_path)
    record(env, tmp_path)
    log = tmp_path / "state" / "gatekeep" / "audit.jsonl"
    for args in (["test", str(operator)], ["replay", str(log), "--policy", "builtin:default"]):
        status, out, _, names = gatekeep(args, env, tmp_path)
        assert status == 0 and out, args
        assert "rich" not in names, args


def test_lint_checks_the_text_of_a_policy_no_longer_the_operators(tmp_path: Path,
                                                                  operator: Path) -> None:
    """Whether a policy may extend a file outside its project depends on whose it is: the
    operator's compiled policy, cached, is no answer for the same file read as another's."""
    elsewhere = tmp_path / "elsewhere" / "base.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("gatekeep: 1\n")
    operator.write_text(f"gatekeep: 1\nextends: [builtin:default, {elsewhere}]\n")
    env = environment(tmp_path)
    assert gatekeep(["lint", str(operator)], env, tmp_path)[0] == 0
    subprocess.run([sys.executable, "-m", "gatekeep", "check", "--", "true"], env=env,
                   cwd=tmp_path, check=False, capture_output=True)  # cached as the operator's
    moved = {**env, "XDG_CONFIG_HOME": str(tmp_path / "other")}
    status, out, _, _ = gatekeep(["lint", str(operator)], moved, tmp_path)
    assert status == 5
    assert "may extend only builtin:NAME and files inside" in out


def test_check_with_a_named_policy_reuses_its_compiled_form(sandbox):
    """`check --policy FILE`, as CI runs it command after command, compiles the file once;
    every answer is the one the text gives."""
    policy = sandbox.write("named.yaml", "gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                           "  - id: no-make\n    deny: ['make']\n    reason: not here\n")
    args = ("check", "--json", "--policy", str(policy), "-c", "make && ls")
    first = sandbox.gatekeep(*args)
    second = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", *args],
                            capture_output=True, text=True, env=sandbox.env, cwd=sandbox.work)

    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    assert json.loads(first.stdout)["decision"] == "deny"
    assert "yaml" not in {line.rsplit("|", 1)[1].strip() for line in
                          second.stderr.splitlines() if line.startswith("import time:")}
