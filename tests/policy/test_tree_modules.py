"""The project's own code by other names: Rails' ``bin/test`` and ``python -m`` of a module in
the tree run tree code, as ``npm test`` does; a copy of a system program never passes for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.shell.parse import parse

POLICY = load_policy("builtin:default")
FILES = ("bin/test", "bin/cat", "test", "src/app/__init__.py", "src/app/cli.py",
         "tools/__main__.py", "lint.py", ".git/hooked.py")


def judge(command: str, tmp_path: Path) -> Decision:
    work = tmp_path / "work"
    for name in FILES:
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    context = Context(cwd=str(work), home=str(tmp_path / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"))
    return decide(POLICY, parse(command), context)


def parts(decision: Decision) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.text, s.decision, s.rules) for s in decision.segments]


@pytest.mark.parametrize("command", [
    "bin/test", "bin/test test/models/user_test.rb", "bin/test -n '/test_x/'", "./test",
])
def test_a_script_named_like_a_shell_builtin_is_the_projects(command: str,
                                                             tmp_path: Path) -> None:
    assert parts(judge(command, tmp_path)) == [(command, "allow", ("project-scripts",))]


@pytest.mark.parametrize("command", ["bin/cat README", "./bin/cat README"])
def test_a_script_named_like_a_system_program_is_still_asked(command: str,
                                                             tmp_path: Path) -> None:
    assert parts(judge(command, tmp_path)) == [(command, "ask", ("default",))]


@pytest.mark.parametrize(("command", "module"), [
    ("python3 -m app.cli --version", "app.cli --version"),  # src layout
    ("python3 -m app", "app"),  # a package without __main__ but a src/ directory: not it
    ("python3 -m tools", "tools"),  # NAME/__main__.py at the top
    ("python3 -m lint src", "lint src"),  # NAME.py at the top
])
def test_python_m_of_a_module_in_the_tree_runs_tree_code(command: str, module: str,
                                                         tmp_path: Path) -> None:
    found = parts(judge(command, tmp_path))
    if module == "app":  # src/app has no __main__.py: python -m app cannot run it
        assert found[0][1] == "ask"
        return
    assert found == [(command, "allow", ("project-scripts",)),
                     (module, "allow", ("project-scripts",))]


@pytest.mark.parametrize("command", [
    "python3 -m notthere",  # not in the tree: an installed module of any origin
    "python3 -W error::app.Warn -m app.cli",  # -W imports a module before -m runs
    "python3 -I -m lint",  # isolated mode leaves the current directory off the path
    "python3 -m .git.hooked",  # no module name
    "python3 -m hooked",  # only under .git
    "cd /tmp && python3 -m lint",  # the tree's lint.py is not in /tmp
])
def test_python_m_of_other_modules_is_asked(command: str, tmp_path: Path) -> None:
    assert judge(command, tmp_path).decision == "ask"
