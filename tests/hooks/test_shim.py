"""``gatekeep-sh``: every accepted form is judged and run like ``gatekeep run -c``; anything
else is refused with exit 2 and never reaches a shell."""

from __future__ import annotations

import pytest

POLICY = """gatekeep: 1
rules:
  - id: files
    allow: [touch, echo, set, pwd, eval]
  - id: no-rm
    deny: [rm]
    reason: deletes files
"""
REFUSED_RM = ("gatekeep: denied: no-rm: rm: deletes files other than build output (deletes); "
              "writes or deletes files in the working tree "
              "(writes-tree)\n"
              "gatekeep:   in: rm -f keep\ngatekeep: not run\n")


@pytest.fixture
def shell(scratch):
    scratch.operator_policy(POLICY)
    (scratch.work / "keep").write_text("precious")
    return scratch


@pytest.mark.parametrize("args", [
    ["-c", "touch made"], ["-lc", "touch made"], ["-l", "-c", "touch made"],
    ["--login", "-c", "touch made"], ["-e", "-c", "touch made"], ["-c", "-l", "touch made"],
    ["-elc", "touch made"], ["-c", "touch made", "name"], ["-c", "--", "touch made"],
], ids=lambda args: " ".join(args))
def test_accepted_forms_run_the_judged_command(shell, args):
    result = shell.run("gatekeep-sh", *args)
    assert result.returncode == 0, result
    assert (shell.work / "made").exists()
    assert shell.audit()[-1]["command"] == "touch made"


def test_positional_parameters_are_bound_where_gatekeep_sees_them(shell):
    result = shell.run("gatekeep-sh", "-c", 'echo "$2|$1"', "name", "one", "two words")
    assert (result.returncode, result.stdout) == (0, b"two words|one\n"), result
    assert shell.audit()[-1]["command"] == "set -- one 'two words'\necho \"$2|$1\""


def test_a_denied_command_does_not_run_in_any_form(shell):
    for args in (["-c", "rm -f keep"], ["-lc", "touch x; rm -f keep"], ["-l", "-c", "rm -f keep"]):
        result = shell.run("gatekeep-sh", *args)
        assert result.returncode == 126, (args, result)
        assert (shell.work / "keep").exists()
    assert not (shell.work / "x").exists()
    assert result.stderr.decode() == REFUSED_RM


def test_an_agents_preamble_is_judged_with_the_command_inside(shell):
    """Claude Code's wrapper: the eval'd literal is unwrapped and judged like the rest."""
    snapshot = shell.root / "snapshot.sh"
    snapshot.write_text("true\n")
    cwd_file = shell.root / "cwd"
    preamble = (f"source {snapshot} && eval 'rm -f keep' < /dev/null && pwd -P >| {cwd_file}")
    result = shell.run("gatekeep-sh", "-c", "-l", preamble)
    assert result.returncode == 126, result
    assert result.stderr.decode() == REFUSED_RM
    assert (shell.work / "keep").exists() and not cwd_file.exists()
    # Sourcing a file the agent wrote is always asked; without it, the same wrapper runs.
    sourced = shell.run("gatekeep-sh", "-c", "-l", preamble.replace("rm -f keep", "touch made"))
    assert sourced.returncode == 126 and not (shell.work / "made").exists()
    # (the snapshot lies outside the working tree: code from there)
    assert "gatekeep: needs approval: default, path:runs-code, hazard:script-file" \
        in sourced.stderr.decode()
    plain = "eval 'touch made' < /dev/null && pwd -P >| cwd"
    assert shell.run("gatekeep-sh", "-c", "-l", plain).returncode == 0
    assert (shell.work / "made").exists()
    assert (shell.work / "cwd").read_text() == f"{shell.work}\n"


def test_a_script_on_stdin(shell):
    result = shell.run("gatekeep-sh", input=b"touch made\necho done\n")
    assert (result.returncode, result.stdout) == (0, b"done\n")
    assert (shell.work / "made").exists()
    denied = shell.run("gatekeep-sh", "-l", input=b"touch x\nrm -f keep\n")
    assert denied.returncode == 126
    assert (shell.work / "keep").exists() and not (shell.work / "x").exists()


USAGE = ("usage: gatekeep-sh [-l|--login] [-e] -c COMMAND [NAME [ARG...]]\n"
         "       gatekeep-sh [-l|--login] [-e] < SCRIPT\n")


@pytest.mark.parametrize(("args", "why"), [
    (["script.sh"], "a script file is not supported; give -c COMMAND or the script on stdin"),
    (["-c"], "-c needs a command"),
    (["-i", "-c", "touch x"], "unsupported option '-i'"),
    (["-x", "-c", "touch x"], "unsupported option '-x'"),
    (["-cc", "touch x"], "unsupported option '-cc'"),
    (["--norc", "-c", "touch x"], "unsupported option '--norc'"),
    (["-O", "extglob", "-c", "touch x"], "unsupported option '-O'"),
    (["-lx", "touch x"], "unsupported option '-lx'"),
])
def test_anything_else_is_refused(shell, args, why):
    result = shell.run("gatekeep-sh", *args)
    assert (result.returncode, result.stderr.decode()) == (2, f"gatekeep-sh: {why}\n{USAGE}")
    assert not (shell.work / "x").exists()
    assert shell.audit() == []


def test_a_script_that_is_not_text_is_refused(shell):
    result = shell.run("gatekeep-sh", input=b"touch x\xff\n")
    assert (result.returncode, result.stderr.decode()) == (
        2, f"gatekeep-sh: the script on stdin is not UTF-8 text\n{USAGE}")
    assert not (shell.work / "x").exists()
