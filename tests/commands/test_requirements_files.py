"""``pip install -r FILE``: the packages come from a file in the tree, which the agent may
have just written. Under the ``packages:`` guardrail each line is judged as the same words
on the command line would be; a file gatekeep cannot read, or outside the tree, is asked."""

from __future__ import annotations

import json
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py

POLICY = """\
gatekeep: 1
packages: {sources: ask}
rules:
  - id: installs
    allow: ["pip install", "uv pip install", echo, cat]
    reason: installs packages
"""


def check(sandbox: Sandbox, command: str) -> tuple[int, dict[str, Any]]:
    sandbox.write_operator_policy(POLICY)
    result = sandbox.gatekeep("check", "--json", "-c", command)
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize("lines", [
    "requests==2.31\n# a comment\n\nflask>=2 ; python_version > '3.8'\n",
    "-r base.txt\nrequests --hash=sha256:abc\n",
    "-e .\n./libs/local\n",
])
@pytest.mark.parametrize("command", ["pip install -r requirements.txt",
                                     "uv pip install -r requirements.txt",
                                     "pip install -c requirements.txt requests"])
def test_a_file_of_names_from_the_registry_is_allowed(sandbox: Sandbox, lines: str,
                                                     command: str) -> None:
    (sandbox.work / "requirements.txt").write_text(lines)
    (sandbox.work / "base.txt").write_text("attrs\n")
    code, decision = check(sandbox, command)
    assert code == 0, decision


@pytest.mark.parametrize(("lines", "said"), [
    ("requests\ngit+https://example.com/evil.git\n", "git+https://example.com/evil.git"),
    ("evil @ https://example.com/evil.whl\n", "https://example.com/evil.whl"),
    ("--index-url https://example.com/simple\nrequests\n", "--index-url"),
    ("--extra-index-url=https://example.com/simple\n", "--extra-index-url"),
    ("-f https://example.com/wheels\n", "-f"),
    ("-e git+https://example.com/x.git#egg=x\n", "git+https://example.com/x.git#egg=x"),
    ("-e /opt/elsewhere\n", "/opt/elsewhere"),
    ("-r nested.txt\n", "git+https://example.com/nested.git"),
    ("-r ../outside.txt\n", "../outside.txt"),
    ("requests \\\n  @ https://example.com/r.whl\n", "https://example.com/r.whl"),
    ("https://${HOST}/x.whl\n", "${HOST}"),
    ("--global-option=--x\n", "--global-option"),
])
def test_a_line_not_from_the_registry_is_asked(sandbox: Sandbox, lines: str,
                                               said: str) -> None:
    (sandbox.work / "requirements.txt").write_text(lines)
    (sandbox.work / "nested.txt").write_text("git+https://example.com/nested.git\n")
    (sandbox.root / "outside.txt").write_text("requests\n")
    code, decision = check(sandbox, "pip install -r requirements.txt")
    assert code == 3, decision
    segment = decision["segments"][0]
    assert segment["rules"] == ["packages"], segment
    assert said in segment["reason"], segment
    assert "requirements.txt" in segment["reason"], segment


@pytest.mark.parametrize(("setup", "said"), [
    ("missing", "cannot read"),
    ("directory", "cannot read"),
    ("binary", "cannot read"),
    ("oversized", "cannot read"),
    ("outside", "outside the working tree"),
])
def test_a_file_gatekeep_cannot_read_is_asked(sandbox: Sandbox, setup: str, said: str) -> None:
    target = "requirements.txt"
    path = sandbox.work / target
    if setup == "directory":
        path.mkdir()
    elif setup == "binary":
        path.write_bytes(b"requests\n\xff\xfe\n")
    elif setup == "oversized":
        path.write_text("requests\n" * 2_000_000)  # past the 16 MiB a decision reads
    elif setup == "outside":
        (sandbox.root / "outside.txt").write_text("requests\n")
        path.symlink_to(sandbox.root / "outside.txt")
    code, decision = check(sandbox, f"pip install -r {target}")
    assert code == 3, decision
    assert said in decision["segments"][0]["reason"], decision


def test_a_file_the_command_writes_first_is_asked(sandbox: Sandbox) -> None:
    (sandbox.work / "requirements.txt").write_text("requests\n")
    code, decision = check(sandbox, "echo git+https://example.com/e.git > requirements.txt"
                                    " && pip install -r requirements.txt")
    assert code == 3, decision
    assert "path:written-code" in decision["segments"][-1]["rules"], decision


def test_a_nested_file_the_command_writes_first_is_asked(sandbox: Sandbox) -> None:
    (sandbox.work / "requirements.txt").write_text("-r base.txt\n")
    (sandbox.work / "base.txt").write_text("attrs\n")
    code, decision = check(sandbox, "echo git+https://example.com/e.git > base.txt"
                                    " && pip install -r requirements.txt")
    assert code == 3, decision
    assert "path:written-code" in decision["segments"][-1]["rules"], decision


def test_a_changed_file_is_judged_again(sandbox: Sandbox) -> None:
    """The decision cache keeps the file's fingerprint: a stored allow is not reused."""
    sandbox.write_operator_policy(POLICY)
    (sandbox.work / "requirements.txt").write_text("requests\n")
    first = sandbox.gatekeep("run", "-c", "pip install --dry-run -r requirements.txt",
                             env={"PATH": str(sandbox.work)})
    (sandbox.work / "requirements.txt").write_text("git+https://example.com/e.git\n")
    second = sandbox.gatekeep("run", "-c", "pip install --dry-run -r requirements.txt",
                              env={"PATH": str(sandbox.work)})
    assert first.returncode == 127, first.stderr  # allowed; no pip on this PATH
    assert second.returncode == 126, second.stderr
    assert "git+https://example.com/e.git" in second.stderr
