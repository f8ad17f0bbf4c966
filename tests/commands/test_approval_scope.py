"""A saved approval allows exactly the invocation the operator approved, and nothing more.

The approval is made the way an operator makes it: "always" at a real prompt on a
pseudo-terminal. Each variant then runs with no terminal at all, so anything the
approval does not cover is refused at once (exit 126) and its script never runs.
The script runs as ``python3 -X dev s.py``: an interpreter option before the script that
changes more than how it runs (knowledge ``script_options``) keeps it asked (``python3
s.py`` alone runs the tree's code, allowed without an approval).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import pexpect
import pytest

Sandbox = Any  # the fixture's class lives in conftest.py
SCRIPT = "import pathlib; pathlib.Path('ran').write_text('x')\n"


def approve(sandbox: Sandbox, command: str, cwd: Path | None = None) -> dict[str, Any]:
    """Answer "always" to ``command`` on a real prompt; return the saved approval."""
    sandbox.answer_always(command, cwd=cwd)
    document = json.loads((sandbox.config_home / "gatekeep" / "approvals.json").read_text())
    (approval,) = document["approvals"]
    return dict(approval)


@pytest.fixture
def approved(sandbox: Sandbox) -> Sandbox:
    """A tree with ``s.py`` whose ``python3 -X dev s.py`` the operator approved for good."""
    (sandbox.work / ".git").mkdir()
    (sandbox.work / "s.py").write_text(SCRIPT)
    approval = approve(sandbox, "python3 -X dev s.py")
    assert approval["argv"] == ["python3", "-X", "dev", "s.py"]
    assert approval["scope"] == str(sandbox.work)
    (sandbox.work / "ran").unlink()
    return sandbox


def refused(sandbox: Sandbox, command: str, cwd: Path | None = None) -> str:
    result = sandbox.gatekeep("run", "-c", command, cwd=cwd)
    assert result.returncode == 126, (command, result.stderr)
    return str(result.stderr)


def test_the_approved_invocation_runs_without_a_prompt(approved: Sandbox) -> None:
    result = approved.gatekeep("run", "-c", "python3 -X dev s.py")
    assert result.returncode == 0, result.stderr
    assert (approved.work / "ran").exists()
    assert approved.audit()[-1]["rules"][0].startswith("approval:")


def test_it_runs_from_any_directory_inside_the_approved_tree(sandbox: Sandbox) -> None:
    (sandbox.work / ".git").mkdir()
    script = sandbox.work / "tools" / "s.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    approve(sandbox, f"python3 -X dev {script}")
    sub = sandbox.work / "sub"
    sub.mkdir()
    assert sandbox.gatekeep("run", "-c", f"python3 -X dev {script}", cwd=sub).returncode == 0
    assert (sub / "ran").exists()


def test_the_same_words_naming_another_file_are_asked(approved: Sandbox) -> None:
    """``s.py`` in a subdirectory is another script than the one approved."""
    sub = approved.work / "sub"
    sub.mkdir()
    (sub / "s.py").write_text(SCRIPT)
    refused(approved, "python3 -X dev s.py", cwd=sub)
    assert not (sub / "ran").exists()


def test_an_edited_script_is_asked_again(approved: Sandbox) -> None:
    """The approval is of what s.py said when the operator approved it."""
    (approved.work / "s.py").write_text(SCRIPT + "print('and more')\n")
    stderr = refused(approved, "python3 -X dev s.py")
    assert "hazard:script-file" in stderr
    assert not (approved.work / "ran").exists()


@pytest.mark.parametrize("command", [
    "PYTHONPATH=evil python3 -X dev s.py",
    "LD_PRELOAD=./x.so python3 -X dev s.py",
    "PYTHONSTARTUP=x python3 -X dev s.py",
    "python3 -X dev s.py 2>/dev/null",
    "env -C . python3 -X dev s.py",
    "python3 -X dev s.py extra",
    "nice python3 -X dev s.py",
])
def test_extra_assignments_redirections_words_or_wrappers_are_asked(approved: Sandbox,
                                                                     command: str) -> None:
    refused(approved, command)
    assert not (approved.work / "ran").exists()


def test_a_protected_read_redirected_into_it_is_asked(approved: Sandbox) -> None:
    (approved.home / ".ssh").mkdir()
    (approved.home / ".ssh" / "id_rsa").write_text("KEY\n")
    refused(approved, "python3 -X dev s.py < ~/.ssh/id_rsa")
    assert not (approved.work / "ran").exists()


def test_a_write_outside_the_tree_is_asked(approved: Sandbox) -> None:
    outside = Path("/opt") / f"gatekeep-test-{secrets.token_hex(6)}.txt"  # no temp dir
    stderr = refused(approved, f"python3 -X dev s.py > {outside}")
    assert "path:outside" in stderr
    assert not outside.exists() and not (approved.work / "ran").exists()


def test_a_cd_out_of_the_approved_tree_is_asked(approved: Sandbox) -> None:
    other = approved.root / "other"
    other.mkdir()
    (other / "s.py").write_text(SCRIPT)
    refused(approved, "cd ../other && python3 -X dev s.py")
    refused(approved, "python3 -X dev s.py", cwd=other)
    assert not (other / "ran").exists()


def test_another_program_of_the_same_name_is_asked(approved: Sandbox) -> None:
    bin_dir = approved.root / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text("#!/bin/sh\ntouch ran\n")
    fake.chmod(0o755)
    path = f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    result = approved.gatekeep("run", "-c", "python3 -X dev s.py", env={"PATH": path})
    assert result.returncode == 126, result.stderr
    assert not (approved.work / "ran").exists()


def test_check_applies_approvals_and_names_the_one_it_used(approved: Sandbox) -> None:
    approval_id = json.loads((approved.config_home / "gatekeep" / "approvals.json")
                             .read_text())["approvals"][0]["id"]
    result = approved.gatekeep("check", "--json", "-c", "python3 -X dev s.py")
    assert result.returncode == 0, result.stdout + result.stderr
    (segment,) = json.loads(result.stdout)["segments"]
    assert segment["rules"] == [f"approval:{approval_id}"]
    assert segment["reason"] == (f"approved by the operator for {approved.work} "
                                 f"(approval {approval_id})")
    # a named policy stands alone: the operator's approvals are not part of it
    alone = approved.gatekeep("check", "--policy", "builtin:default", "-c", "python3 -X dev s.py")
    assert alone.returncode == 3


def test_a_new_reason_to_ask_is_not_covered(approved: Sandbox) -> None:
    """The approval lifts the asks the operator saw, not one the policy adds later."""
    approved.write_operator_policy(
        "gatekeep: 1\nextends: [builtin:default]\nrules:\n"
        "  - id: scripts-reviewed\n    ask: ['python3 -X dev s.py']\n    reason: review it first\n")
    stderr = refused(approved, "python3 -X dev s.py")
    assert "scripts-reviewed" in stderr
    assert not (approved.work / "ran").exists()


def test_always_is_refused_for_a_part_asked_for_what_it_touches(sandbox: Sandbox) -> None:
    outside = Path("/opt") / f"gatekeep-test-{secrets.token_hex(6)}.txt"  # no temp dir
    terminal = sandbox.pty_spawn("run", "-c", f"echo hi > {outside}")
    terminal.expect_exact("Run it? ")
    terminal.sendline("a")
    terminal.expect_exact("Cannot save an approval:")
    terminal.expect_exact("which an approval never covers")
    terminal.expect_exact("Run it? ")
    terminal.sendline("n")
    terminal.expect_exact("Enter to skip): ")
    terminal.sendline("")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 126
    assert not (sandbox.config_home / "gatekeep" / "approvals.json").exists()


# -- what an approval never stretches to ------------------------------------------------

@pytest.mark.parametrize("command", [
    "find . -name __pycache__ | xargs rm -r",  # removes whatever its input names
    "find . -name '*.py' -exec rm {} +",  # removes whatever find finds, wherever it looks
])
def test_a_part_whose_arguments_come_from_its_input_cannot_be_saved(sandbox: Sandbox,
                                                                    command: str) -> None:
    (sandbox.work / "__pycache__").mkdir()
    terminal = sandbox.pty_spawn("run", "-c", command)
    terminal.expect_exact("Run it? ")
    terminal.sendline("a")
    terminal.expect_exact("Cannot save an approval:")
    terminal.expect_exact("its input as code or arguments")
    terminal.expect_exact("Run it? ")
    terminal.sendline("")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert not (sandbox.config_home / "gatekeep" / "approvals.json").exists()
    assert (sandbox.work / "__pycache__").exists()


def test_a_here_document_is_part_of_the_approval(sandbox: Sandbox) -> None:
    (sandbox.work / ".git").mkdir()
    (sandbox.work / "s.py").write_text(
        "import pathlib, sys; pathlib.Path('ran').write_text(sys.stdin.read())\n")
    approve(sandbox, "python3 -X dev s.py <<'EOF'\nselect 1;\nEOF")
    assert (sandbox.work / "ran").read_text() == "select 1;\n"
    (sandbox.work / "ran").unlink()
    refused(sandbox, "python3 -X dev s.py <<'EOF'\ndrop table users;\nEOF")
    assert not (sandbox.work / "ran").exists()
    again = sandbox.gatekeep("run", "-c", "python3 -X dev s.py <<'EOF'\nselect 1;\nEOF")
    assert again.returncode == 0


def test_a_cd_later_in_a_loop_is_part_of_the_scope(approved: Sandbox) -> None:
    other = approved.root / "other"
    other.mkdir()
    (other / "s.py").write_text(SCRIPT)
    refused(approved, "for i in 1 2; do python3 -X dev s.py; cd ../other; done")
    refused(approved, "while true; do python3 -X dev s.py; cd ../other; done")
    assert not (other / "ran").exists() and not (approved.work / "ran").exists()


def test_a_directory_that_does_not_exist_yet_is_not_in_scope(approved: Sandbox) -> None:
    """An earlier part could make it a link to anywhere (git apply, tar x, unzip)."""
    refused(approved, "mkdir sub && cd sub && python3 -X dev s.py")
    assert not (approved.work / "sub").exists()


def test_home_relative_words_are_not_the_absolute_ones(sandbox: Sandbox) -> None:
    (sandbox.work / ".git").mkdir()
    (sandbox.work / "s.py").write_text(SCRIPT)
    approve(sandbox, "python3 -X dev s.py /srv/data")
    for variant in ("python3 -X dev s.py ~/srv/data", "python3 -X dev s.py $HOME/srv/data"):
        refused(sandbox, variant)


def test_a_revoked_approval_under_a_project_policy_is_not_reused(sandbox: Sandbox) -> None:
    """An allow that held only by an approval under one policy is never stored for reuse."""
    (sandbox.work / ".git").mkdir()
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                                  "  - id: make\n    allow: [make]\n")
    (sandbox.work / ".gatekeep.yaml").write_text(
        "gatekeep: 1\nrules:\n  - id: deploy\n    ask: ['make deploy']\n    reason: deploys\n")
    (sandbox.work / "Makefile").write_text("deploy:\n\ttouch ran\n")
    approval = approve(sandbox, "make deploy")
    (sandbox.work / "ran").unlink()
    assert sandbox.gatekeep("run", "-c", "make deploy").returncode == 0
    (sandbox.work / "ran").unlink()
    assert sandbox.gatekeep("approvals", "revoke", approval["id"]).returncode == 0
    refused(sandbox, "make deploy")
    assert not (sandbox.work / "ran").exists()


@pytest.mark.parametrize(("command", "data"), [
    ("python3 -X dev s.py --data=q.sql", "q.sql"),  # a file in an option's value
    ("python3 -X dev s.py -fq.sql", "q.sql"),       # attached to a short option
    ("python3 -X dev s.py < q.sql", "q.sql"),       # read by an input redirect
])
def test_a_file_given_in_an_option_or_a_redirect_is_part_of_the_approval(
        sandbox: Sandbox, command: str, data: str) -> None:
    """Red team 66 F7: the approval is of the file as the operator saw it, whichever way
    the command names it; what the agent writes there later is asked again."""
    (sandbox.work / ".git").mkdir()
    (sandbox.work / "s.py").write_text(SCRIPT)
    (sandbox.work / data).write_text("select 1;\n")
    approval = approve(sandbox, command)
    assert any(f.startswith(f"{sandbox.work / data}=file:") for f in approval["files"])
    (sandbox.work / "ran").unlink()
    assert sandbox.gatekeep("run", "-c", command).returncode == 0
    (sandbox.work / "ran").unlink()
    (sandbox.work / data).write_text("drop table users;\n")
    refused(sandbox, command)
    assert not (sandbox.work / "ran").exists()


def test_a_directory_named_relative_to_where_it_was_approved_is_that_one(
        sandbox: Sandbox) -> None:
    """Red team 66 F2: `rm -rf src` approved in build/ deletes build/src; from the tree's
    top, the same words name the project's sources, which the operator never approved."""
    (sandbox.work / ".git").mkdir()
    build = sandbox.work / "build"
    (build / "src").mkdir(parents=True)
    (sandbox.work / "src").mkdir()
    (sandbox.work / "src" / "main.py").write_text("mine\n")
    approval = approve(sandbox, "rm -rf src", build)
    assert f"{build / 'src'}=dir" in approval["files"]
    assert not (build / "src").exists()
    refused(sandbox, "rm -rf src")
    assert (sandbox.work / "src" / "main.py").exists()
    (build / "src").mkdir()
    assert sandbox.gatekeep("run", "-c", "rm -rf src", cwd=build).returncode == 0
