"""A box with the network keeps its programs' secret variables only when no other part in it
reads files by their paths.

Every process in a box can read every other's environment and memory, and a read may be led
anywhere as it runs: red teams 51 to 53 found, one after another, links, spellings and git's
own writes that took a read to ``/proc/self/environ``. So a part that reads files beside a
networked one (``gh pr view 1 && cat README``) still shares its network, but not its token; a
failed run says why and what to do. Filters of their input, directory changes, programs that
say only, and git's own reads and writes beside networked git keep them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from netbox import fake_program, needs_bwrap

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.sandbox.policy import WITHHELD, file_readers, spec_for
from gatekeep.sandbox.spec import Spec
from gatekeep.shell.parse import parse

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
pytestmark = needs_bwrap
TOKEN = "ghp_credentials_beside_readers"
READS = "the networked programs went without their secret variables"


def _boundary(sandbox: Sandbox, command: str) -> dict[str, Any]:
    checked = sandbox.gatekeep("check", "--json", "-c", command, env={"GH_TOKEN": TOKEN})
    document = json.loads(checked.stdout)
    assert document["decision"] == "allow", checked.stdout
    boundary: dict[str, Any] = document["boundary"]
    assert boundary["network"] is True, boundary
    return boundary


@pytest.mark.parametrize("command", [
    "gh pr view 1 && cat README",
    "gh pr list; grep -n x README",
    "gh pr list && ls -la",
    "cat README; gh pr list",
    "gh pr list | head -5; wc -l README",
    "git fetch && cat README",
    "git fetch; date -f dates.txt",
])
def test_a_part_that_reads_files_keeps_the_network_but_not_the_token(
        apart: Sandbox, command: str) -> None:
    boundary = _boundary(apart, command)
    assert boundary["kept"] == [], boundary
    assert boundary["unset"] == ["GH_TOKEN"], boundary
    assert any(n.startswith(READS) for n in boundary["in_the_box"]["failed"]), boundary


@pytest.mark.parametrize("command", [
    "gh pr list",
    "gh pr list | head -5",
    "gh pr list | grep -c open",
    "cd . && gh pr list",
    "echo start && gh pr list",
    "git fetch && git status",
    "git fetch && git log --oneline -3",
    "git stash && git pull && git stash pop",
])
def test_filters_moves_and_gits_own_reads_keep_the_token(apart: Sandbox, command: str) -> None:
    """Guard: the commands that need the token and read nothing by a path of the agent's."""
    boundary = _boundary(apart, command)
    assert boundary["kept"] == ["GH_TOKEN"], boundary
    assert not any(n.startswith(READS) for n in boundary["in_the_box"]["failed"]), boundary


def test_the_networked_program_runs_without_the_token(apart: Sandbox) -> None:
    """End to end: a ``gh`` outside the tree records the environment it ran with. Beside
    ``cat``, the token is not in it, nor anywhere in the box for ``cat`` to find."""
    env, seen = fake_program(apart, "gh")
    (apart.work / "README").write_text("readme\n")
    env = {**env, "GH_TOKEN": TOKEN}
    result = apart.gatekeep("run", "-c", "gh pr view 1 && cat README", env=env)
    assert result.returncode == 0, result.stderr
    assert "readme" in result.stdout
    assert "GH_TOKEN=" not in seen.read_text()

    seen.unlink()
    result = apart.gatekeep("run", "-c", "gh pr list | head -5", env=env)
    assert result.returncode == 0, result.stderr
    assert f"GH_TOKEN={TOKEN}" in seen.read_text()  # guard: alone, it has it


def test_a_failed_run_without_the_token_says_why(apart: Sandbox) -> None:
    env, _ = fake_program(apart, "gh")
    with open(apart.root / "tools" / "gh", "a") as program:
        program.write("exit 4\n")
    (apart.work / "README").write_text("readme\n")
    result = apart.gatekeep("run", "-c", "cat README; gh pr view 1",
                              env={**env, "GH_TOKEN": TOKEN})
    assert result.returncode == 4, result.stderr
    assert f"gatekeep: note: {WITHHELD.format('cat README')}\n" in result.stderr
    assert "it ran without these secret variables: GH_TOKEN" in result.stderr


def test_a_long_reading_part_is_shortened_in_the_note(tmp_path: Path) -> None:
    reader = "cat " + " ".join(f"file{n}.txt" for n in range(30))
    spec = _spec(tmp_path, f"gh pr list; {reader}")
    note = next(n for n in spec.notes_failed if n.startswith(READS))
    assert f"({reader[:57]}...)" in note


def test_an_approved_run_keeps_them_all(tmp_path: Path) -> None:
    """Guard: the operator approved the command as it stands, reads and all."""
    plain = _spec(tmp_path, "gh pr view 1 && cat README")
    assert plain.network and plain.credentials == ()
    approved = _spec(tmp_path, "gh pr view 1 && cat README", approved=True)
    assert approved.network and approved.credentials == ("*",)
    assert not any(n.startswith(READS) for n in approved.notes_failed)


def _spec(tmp_path: Path, command: str, approved: bool = False) -> Spec:
    policy = load_policy("builtin:default")
    context = Context(cwd=str(tmp_path), home=str(tmp_path / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"), temp_dirs=())
    decision = decide(policy, parse(command), context)
    if approved:  # as a saved approval's verdicts say
        decision = decision._replace(segments=tuple(
            s._replace(verdicts=tuple(v._replace(rule="approval:a1") for v in s.verdicts))
            for s in decision.segments))
    return spec_for([policy], decision)


@pytest.mark.parametrize(("command", "readers"), [
    ("gh pr list; curl -K cfg https://example.com", ["curl -K cfg https://example.com"]),
    ('gh pr list; curl -T "$x" https://example.com', ['curl -T "$x" https://example.com']),
    ("gh pr list; curl -s https://example.com", []),
    ("gh pr list | head -5", []),
    ("gh pr list && cat README", ["cat README"]),
])
def test_a_networked_part_given_a_file_to_read_is_a_reader_too(
        tmp_path: Path, command: str, readers: list[str]) -> None:
    """curl's own environment holds the token as it reads ``-K cfg``, which may be led
    anywhere; what it only sends over the network is no read of a path."""
    policy = load_policy("builtin:default")
    context = Context(cwd=str(tmp_path), home=str(tmp_path / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"), temp_dirs=())
    assert file_readers(decide(policy, parse(command), context)) == readers
