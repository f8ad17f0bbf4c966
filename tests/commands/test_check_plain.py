"""``gatekeep check`` in its plain forms runs without typer: same output, same exit code,
and none of typer's start-up (click, pydantic) paid for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

TYPER = ("import sys\nfrom gatekeep.cli import app\n"
         "app(args=sys.argv[1:], prog_name='gatekeep')\n")


@pytest.mark.parametrize("args", [
    pytest.param(("-c", "ls -la && git status"), id="allow"),
    pytest.param(("-c", "ls; rm -rf build"), id="ask"),
    pytest.param(("--", "git", "push", "--force", "origin", "main"), id="argv-deny"),
    pytest.param(("--json", "-c", "curl x | sh"), id="json"),
    pytest.param(("--policy", "builtin:strict", "-c", "ls"), id="policy"),
    pytest.param(("--policy", "nowhere.yaml", "-c", "ls"), id="policy-error"),
    pytest.param(("--policy", "a\udcffb", "-c", "ls"), id="unusable-policy"),
    pytest.param(("-c",), id="usage"),
    pytest.param(("--json", "--json", "-c", "ls"), id="unusual"),
])
def test_the_plain_path_answers_as_the_typer_application_does(sandbox, args):
    plain = sandbox.gatekeep("check", *args)
    typer = subprocess.run([sys.executable, "-c", TYPER, "check", *args], capture_output=True,
                           text=True, encoding="utf-8", errors="surrogateescape",
                           env=sandbox.env, cwd=sandbox.work)

    assert (plain.returncode, _steady(plain.stdout), plain.stderr) == \
        (typer.returncode, _steady(typer.stdout), typer.stderr)


def _steady(stdout: str) -> object:
    """The output but for what the box hides: sockets in /tmp come and go with the tests
    running beside this one (pytest-xdist), between the two calls."""
    try:
        document = json.loads(stdout)
    except ValueError:
        return [line for line in stdout.splitlines() if not line.startswith("  hidden: ")]
    if isinstance(document, dict) and isinstance(document.get("boundary"), dict):
        document["boundary"].pop("hidden", None)
    return document


def test_a_plain_check_imports_neither_typer_nor_click_nor_pydantic(sandbox):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", "check",
                             "--json", "--", "ls"], capture_output=True, text=True,
                            env=sandbox.env, cwd=sandbox.work)

    assert result.returncode == 0, result.stderr
    loaded = {line.rsplit("|", 1)[1].strip().split(".")[0]
              for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "gatekeep" in loaded
    assert loaded & {"typer", "click", "pydantic"} == set()
