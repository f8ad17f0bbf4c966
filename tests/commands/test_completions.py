"""``gatekeep completions``: the committed scripts are current, and they complete."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gatekeep.completion.scripts import FILES

COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"


@pytest.mark.parametrize("shell", sorted(FILES))
def test_committed_scripts_are_current(sandbox, shell):
    result = sandbox.gatekeep("completions", shell)

    assert result.returncode == 0, result.stderr
    assert result.stdout == (COMPLETIONS / FILES[shell]).read_text(encoding="utf-8"), (
        f"completions/{FILES[shell]} is stale: run "
        f"gatekeep completions {shell} > completions/{FILES[shell]}")


def test_unknown_shell_is_a_usage_error(sandbox):
    result = sandbox.gatekeep("completions", "tcsh")

    assert result.returncode == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr


def bash_complete(words: list[str], cwd: Path) -> list[str]:
    script = (f"source {COMPLETIONS / 'gatekeep.bash'}\n"
              'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gatekeep\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    result = subprocess.run(["bash", "--norc", "-c", script, "bash", *words], cwd=cwd,
                            capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize(("words", "expected"), [
    (["gatekeep", "re"], ["replay", "resident"]),
    (["gatekeep", "lint", "--"], ["--strict", "--json", "--help"]),
    (["gatekeep", "test", "--min"], ["--min-coverage"]),
    (["gatekeep", "test", "--min-coverage", ""], []),
    (["gatekeep", "completions", ""], ["bash", "zsh", "fish"]),
    (["gatekeep", "lint", "builtin:"], ["builtin:default", "builtin:production"]),
    (["gatekeep", "check", "-p", "pol"], ["policy.yaml"]),
    (["gatekeep", "test", "--cases", "ca"], ["cases.yaml"]),
])
def test_bash_completes(tmp_path, words, expected):
    (tmp_path / "policy.yaml").touch()
    (tmp_path / "cases.yaml").touch()

    assert bash_complete(words, tmp_path) == expected


def test_bash_completes_every_command(tmp_path):
    commands = bash_complete(["gatekeep", ""], tmp_path)

    assert commands == sorted(commands)
    assert {"check", "completions", "lint", "log", "replay", "run", "schema", "test",
            "version"} <= set(commands)


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_parses():
    subprocess.run(["zsh", "-n", str(COMPLETIONS / FILES["zsh"])], check=True)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
@pytest.mark.parametrize(("line", "expected"), [
    ("gatekeep repl", ["replay"]),
    ("gatekeep completions ", ["bash", "fish", "zsh"]),
    ("gatekeep test --j", ["--json", "--junit"]),
])
def test_fish_completes(line, expected):
    script = f"source {COMPLETIONS / FILES['fish']}; complete -C {line!r}"
    result = subprocess.run(["fish", "--no-config", "-c", script], capture_output=True,
                            text=True, check=True)

    assert [row.split("\t")[0] for row in result.stdout.splitlines()] == expected
