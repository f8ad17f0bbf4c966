"""The operator's explanation, rendered at a fixed width, compared with golden files.

Set GATEKEEP_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change,
then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gatekeep.core.engine import decide
from gatekeep.core.explain import Preview, explain
from gatekeep.core.paths import Context
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.analyze import analyze
from gatekeep.shell.parse import parse
from gatekeep.ui.prompt import details, explanation, to_text

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GATEKEEP_UPDATE_GOLDEN") == "1"
POLICY_FILE = Path(__file__).parent / "policy.yaml"


def _load_relative() -> Policy:
    """Loaded by its relative name, so the golden files hold no checkout-specific path."""
    here = Path.cwd()
    os.chdir(POLICY_FILE.parent)
    try:
        return load_policy("policy.yaml")
    finally:
        os.chdir(here)


POLICY = _load_relative()


class Resolver:
    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}"

    def realpath(self, path: str) -> str:
        return path

    def fingerprint(self, path: str) -> str | None:
        return None

    def read(self, path: str) -> str | None:
        return None  # no file holds any text

    def expand(self, pattern: str) -> list[str]:
        return []


CONTEXT = Context(cwd="/work/project", home="/home/user", resolver=Resolver())
CASES = {
    "delete-and-push": ("ls; rm -rf build && git push origin main",
                        (Preview("removes the tree /work/project/build", ("12 files, 48.0 KB",)),)),
    "zero-width-space": ("echo hi\u200b; rm -rf build", ()),
    "ansi-escape": ("echo \x1b[31mred\x1b[0m > notes.txt", ()),
    "look-alike": ("curl -s https://g\u0456thub.com/org/repo/raw/main/install.sh -o i.sh", ()),
    "long-command": ("python -m pytest " + " ".join(f"tests/test_module_{n}.py" for n in range(12))
                     + " && rm -rf .pytest_cache/v/cache/lastfailed", ()),
    "markup-in-command": ("echo '[bold red]not markup[/]' > '[link=x]y'; sudo ls", ()),
}


def render(name: str, color: bool) -> str:
    command, previews = CASES[name]
    parsed = parse(command)
    decision = decide(POLICY, parsed, CONTEXT)
    view = explain(decision, analyze(parsed, POLICY.knowledge).invocations, POLICY.knowledge,
                   CONTEXT.cwd)._replace(previews=previews)
    return to_text(explanation(view), 80, color) + to_text(details(decision), 80, color)


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_explanation_matches_golden_file(name: str, color: bool) -> None:
    path = GOLDEN / f"{name}.{'color' if color else 'plain'}.txt"
    text = render(name, color)
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with GATEKEEP_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_plain_output_has_no_escape_sequences_and_shows_them_escaped() -> None:
    text = render("ansi-escape", color=False)
    assert "\x1b" not in text
    assert "echo \\e[31mred\\e[0m > notes.txt" in text


def test_invisible_and_look_alike_characters_are_flagged() -> None:
    assert "! character 8: invisible character U+200B in the command" in render(
        "zero-width-space", color=False)
    assert "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I (may look like ASCII)" in render(
        "look-alike", color=False).replace("\n", " ").replace("  ", " ")


def test_markup_in_the_command_is_shown_literally() -> None:
    text = render("markup-in-command", color=True)
    assert "[bold red]not markup[/]" in text
    assert "[link=x]y" in text


def test_long_commands_fold_and_keep_every_character() -> None:
    text = render("long-command", color=False)
    flat = "".join(line.strip() for line in text.splitlines())
    assert "tests/test_module_11.py&&rm-rf.pytest_cache/v/cache/lastfailed".replace(" ", "") in \
        flat.replace(" ", "")
    assert max(len(line) for line in text.splitlines()) <= 80
