"""The distribution: its name, the install lines the docs give, its license.

"gatekeep" on PyPI is an unrelated project, so the distribution is "gatekeep-shell" and no
document may tell a user to install a name the project does not own.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import gatekeep

REPOSITORY = Path(__file__).resolve().parents[1]
DISTRIBUTION = "gatekeep-shell"
INSTALL = re.compile(r"\b(?:pip3?|pipx|uv pip|uv tool|python3? -m pip)\s+install\s+([^`\n#]*)")
# Options of pip install that take a value which is not a requirement.
VALUED_OPTIONS = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url",
                  "--extra-index-url", "-t", "--target", "--python"}


def project_table() -> dict[str, str]:
    """The ``[project]`` table's one-line string keys (enough for name, version, license)."""
    text = (REPOSITORY / "pyproject.toml").read_text(encoding="utf-8")
    table = text.split("\n[project]\n", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r'^([a-z-]+) = "([^"]*)"$', table, flags=re.MULTILINE))


def documents() -> list[Path]:
    return [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").rglob("*.md"))]


def install_targets(text: str) -> list[str]:
    """What each install command in ``text`` installs: requirements, paths or URLs."""
    targets = []
    for match in INSTALL.finditer(text):
        words = shlex.split(match.group(1))
        skip = False
        for word in words:
            if skip:
                skip = False
            elif word in VALUED_OPTIONS:
                skip = True
            elif not word.startswith("-"):
                targets.append(word)
    return targets


def ours(target: str) -> bool:
    """Our distribution (by name, with extras or a URL), a local path, or a git URL."""
    name = re.split(r"[\s\[@=<>!~;]", target, maxsplit=1)[0]
    return (name == DISTRIBUTION or target.startswith((".", "/", "~"))
            or target.startswith("git+"))


def test_the_distribution_is_gatekeep_shell() -> None:
    project = project_table()
    assert project["name"] == DISTRIBUTION
    assert project["version"] == gatekeep.__version__


def test_install_lines_in_the_docs_name_our_distribution_or_a_path() -> None:
    found = {}
    for path in documents():
        for target in install_targets(path.read_text(encoding="utf-8")):
            found[target] = path.name
    assert found, "no install line found: the pattern no longer matches the docs"
    assert {t: p for t, p in found.items() if not ours(t)} == {}


def test_the_install_line_check_catches_a_foreign_name() -> None:
    targets = install_targets("run `pip install gatekeep` or `pipx install -q gatekeep==1`")
    assert targets == ["gatekeep", "gatekeep==1"]
    assert not any(ours(t) for t in targets)
    assert all(ours(t) for t in install_targets(
        'pip install -e ".[test]" "gatekeep-shell @ git+https://example.invalid/g" gatekeep-shell'))


def test_the_license_file_is_the_declared_mit_license() -> None:
    assert project_table()["license"] == "MIT"
    text = (REPOSITORY / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ")
    words = " ".join(text.split())
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in words
    assert ("The above copyright notice and this permission notice shall be included in all "
            "copies or substantial portions of the Software.") in words
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in words


def test_the_parser_grammar_is_pinned_to_the_version_installed() -> None:
    """A new tree-sitter-bash reads commands differently: it changes security decisions, so
    it comes only by changing this pin (and running the differential tests against it)."""
    from importlib.metadata import version

    text = (REPOSITORY / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'"tree-sitter-bash([^"]*)"', text)
    assert pins == [f"=={version('tree-sitter-bash')}"]


def test_lint_and_type_tools_are_a_dev_extra_that_make_installs() -> None:
    text = (REPOSITORY / "pyproject.toml").read_text(encoding="utf-8")
    extras = text.split("\n[project.optional-dependencies]\n", 1)[1].split("\n[", 1)[0]
    groups = dict(re.findall(r"^([a-z]+) = \[(.*?)\]", extras, flags=re.MULTILINE | re.DOTALL))
    tools = {"mypy", "ruff", "types-pyyaml"}
    assert {re.split(r"[<>=]", name)[0] for name in re.findall(r'"([^"]+)"', groups["dev"])} \
        == tools
    assert not any(tool in groups["test"] for tool in tools)
    assert "-e '.[test,dev]'" in (REPOSITORY / "Makefile").read_text(encoding="utf-8")


def test_the_installed_commands_are_the_projects_launchers() -> None:
    """``gatekeep`` and ``gatekeep-sh`` are the launchers in bin/ (data scripts), not the
    wrapper an installer writes for an entry point, which imports ``re`` on every call."""
    installed = Path(sys.executable).parent
    for name in ("gatekeep", "gatekeep-sh"):
        shebang, body = (installed / name).read_text(encoding="utf-8").split("\n", 1)
        launcher = (REPOSITORY / "bin" / name).read_text(encoding="utf-8")
        assert launcher.startswith("#!python\n")
        assert shebang.startswith("#!") and body == launcher.split("\n", 1)[1]
        assert "import re" not in launcher
