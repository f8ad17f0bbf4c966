"""Words made by braces are judged as bash makes them (``shell.braces``): a ``}`` before the
brace's first comma, and a ``{`` never closed, are characters. `cat {a},.env}` reads `.env`
and `rm {1},-rf} src` is `rm 1} -rf src`; both were read as one plain word. A brace of plain
words naming build output (`rm -rf {dist,build}`) deletes only that output."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("src/__pycache__", "dist", "build", "{a"):
        (tree / directory).mkdir(parents=True)
    (tree / ".gitignore").write_text("dist/\nbuild/\n")
    (tree / ".env").write_text("TOKEN=1\n")
    return tree


@pytest.mark.parametrize("command", [
    "cat {a},.env}", "cat {x},~/.ssh/id_rsa}", "cat {a/{../.env,b}", 'cat ""{},.env}',
    "cat {,.env}", "cp x {a},.git/hooks/pre-commit}",
])
def test_a_protected_path_a_brace_makes_is_seen(policy: Policy, work: Path,
                                                command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow"


def test_an_option_a_brace_makes_is_seen(policy: Policy, work: Path) -> None:
    decision = judged_in(policy, work, "rm {1},-rf} src")
    assert decision.decision != "allow"
    assert judged_in(policy, work, "rm -f {1},x}").decision != "allow"


@pytest.mark.parametrize("command", [
    "rm -rf {dist,build}", "rm -rf {dist,build}/", "rm -rf src/{__pycache__,.pytest_cache}",
    "rm -rf -- {dist,build}",
])
def test_a_brace_of_build_output_is_deleted_unasked(policy: Policy, work: Path,
                                                    command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]


@pytest.mark.parametrize("command", [
    "rm -rf {dist,src}", 'rm -rf {"dist,src",dist}', "rm -rf {dist,build/../src}",
    "rm -rf {dist,build}/*", "rm -rf {dist,.}", "rm -rf {1..3}", "rm -rf {dist,x{build,y}}",
    "rm -rf {-rf,dist}",
])
def test_a_brace_reaching_anything_else_is_asked(policy: Policy, work: Path,
                                                 command: str) -> None:
    assert judged_in(policy, work, command).decision != "allow"


def test_find_s_braces_stay_one_word(policy: Policy, work: Path) -> None:
    assert judged_in(policy, work, "find . -name '*.py' -exec wc -l {} +").decision == "allow"
