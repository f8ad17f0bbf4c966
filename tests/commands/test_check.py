"""``gatekeep check``, the dry run: exit codes, human and JSON output; it runs nothing."""

from __future__ import annotations

import json
import subprocess

import pytest

USAGE = "gatekeep: give either -c 'COMMAND' or -- PROGRAM ARGS...\n"
DENY_TOUCH = "gatekeep: 1\nrules:\n  - id: no-touch\n    deny: [touch]\n    reason: no new files\n"


# -- exit codes --------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "code"), [
    pytest.param(("-c", "ls -la && git status"), 0, id="allow"),
    pytest.param(("-c", "ls; rm -rf build"), 3, id="ask"),
    pytest.param(("-c", "ls; rm -rf ~"), 4, id="deny"),
    pytest.param(("--", "ls", "-la"), 0, id="argv-allow"),
    pytest.param(("--", "rm", "-rf", "build"), 3, id="argv-ask"),
    pytest.param(("--", "git", "push", "--force", "origin", "main"), 4, id="argv-deny"),
])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_exit_code_is_the_decision(sandbox, args, code, as_json):
    result = sandbox.gatekeep("check", *(["--json"] if as_json else []), *args)

    assert result.returncode == code, result.stderr
    assert result.stderr == ""


def test_allow_output(sandbox):
    result = sandbox.gatekeep("check", "-c", "ls -la")

    assert result.returncode == 0, result.stderr
    assert sandbox.decision_text(result.stdout) == (
        "ALLOW  ls -la\n"
        "+ allow ls -la\n"
        "          read-only-files: ls: reads files (reads)\n"
        "policy: builtin:default\n"
    )


def test_ask_output(sandbox):
    result = sandbox.gatekeep("check", "-c", "ls; rm -rf build")

    assert result.returncode == 3, result.stderr
    assert sandbox.decision_text(result.stdout) == (
        "ASK  ls; rm -rf build\n"
        "+ allow ls\n"
        "          read-only-files: ls: reads files (reads)\n"
        "? ask   rm -rf build\n"
        "          recursive-delete, delete-files: rm: "
        "deletes files other than build output (deletes); "
        "writes or deletes files in the working "
        "tree (writes-tree)\n"
        "          instead: delete the exact files you mean, or move them to a trash directory\n"
        "policy: builtin:default\n"
    )


def test_deny_output(sandbox):
    result = sandbox.gatekeep("check", "--", "git", "push", "--force")

    assert result.returncode == 4, result.stderr
    assert sandbox.decision_text(result.stdout) == (
        "DENY  git push --force\n"
        "- deny  git push --force\n"
        "          force-push: git push --force: replaces commits a branch already has "
        "(rewrites-history); connects to another machine or a network service (network)\n"
        "          instead: push to a new branch and open a pull request\n"
        "policy: builtin:default\n"
    )


# -- JSON ------------------------------------------------------------------------------------

def test_json_output(sandbox):
    result = sandbox.gatekeep("check", "--json", "-c", "ls; rm -rf ~")

    assert result.returncode == 4, result.stderr
    document = json.loads(result.stdout)
    assert document["decision"] == "deny"
    assert document["command"] == "ls; rm -rf ~"
    assert [{k: s[k] for k in ("text", "decision", "rules", "reason")}
            for s in document["segments"]] == [
        {"text": "ls", "decision": "allow", "rules": ["read-only-files"],
         "reason": "ls: reads files (reads)"},
        {"text": "rm -rf ~", "decision": "deny", "rules": ["protect.write"],
         "reason": f"writes or deletes {sandbox.home}, which holds '~/.ssh/**'"},
    ]
    assert document["segments"][1]["suggest"] == "name the exact files inside it you mean"
    # what each part does, from its effects alone (an allowed part is said too), and where
    # each reason comes from: the rule's part is said by its effects, the protected path's
    # by what analysis found
    assert [s["does"] for s in document["segments"]] == [
        "ls: reads files (reads)",
        "rm: deletes files other than build output (deletes); "
        "writes or deletes files outside the working tree (writes-elsewhere)"]
    assert [s["reason_from"] for s in document["segments"]] == ["effects", "analysis"]
    [policy] = document["policies"]
    assert policy["name"] == "builtin:default"
    assert len(policy["sha256"]) == 64


def test_json_lists_every_policy_that_judged(sandbox):
    sandbox.write("work/.gatekeep.yaml", DENY_TOUCH)

    result = sandbox.gatekeep("check", "--json", "-c", "touch marker")

    assert result.returncode == 4, result.stderr
    document = json.loads(result.stdout)
    assert [p["name"] for p in document["policies"]] == [
        "builtin:default", str(sandbox.work / ".gatekeep.yaml")]
    [segment] = document["segments"]
    assert (segment["text"], segment["decision"], segment["rules"], segment["reason"]) == (
        "touch marker", "deny", ["no-touch"],
        "touch: writes or deletes files in the working tree (writes-tree)")


def test_json_keeps_the_exact_text_with_control_characters_escaped(sandbox):
    command = "echo 'a\x1b[31mb'"

    result = sandbox.gatekeep("check", "--json", "-c", command)

    assert result.returncode == 3, result.stderr
    assert "\x1b" not in result.stdout
    assert "\\u001b" in result.stdout
    document = json.loads(result.stdout)
    assert document["command"] == command
    assert [s["text"] for s in document["segments"]] == ["\x1b"]


# -- usage errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    pytest.param((), id="nothing"),
    pytest.param(("--json",), id="json-only"),
    pytest.param(("--",), id="empty-argv"),
    pytest.param(("-c", "ls", "--", "ls"), id="both"),
    pytest.param(("--json", "-c", "ls", "--", "ls"), id="both-json"),
])
def test_usage_error_exits_2(sandbox, args):
    result = sandbox.gatekeep("check", *args)

    assert result.returncode == 2, result.stderr
    assert result.stderr == USAGE
    assert result.stdout == ""


# -- check runs nothing ------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "code"), [
    pytest.param(("-c", "touch marker"), 0, id="command"),
    pytest.param(("--", "touch", "marker"), 0, id="argv"),
    pytest.param(("--json", "-c", "touch marker"), 0, id="json"),
    pytest.param(("-c", "touch marker; rm -rf ~"), 4, id="denied"),
])
def test_check_runs_nothing(sandbox, args, code):
    result = sandbox.gatekeep("check", *args)

    assert result.returncode == code, result.stderr
    assert not sandbox.marker.exists()


def test_check_allows_what_run_then_runs(sandbox):
    """The control for the test above: the same command does create the marker under run."""
    assert sandbox.gatekeep("check", "-c", "touch marker").returncode == 0
    assert not sandbox.marker.exists()

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 0, result.stderr
    assert sandbox.marker.exists()


# -- which policies decide ---------------------------------------------------------------------

def test_without_policy_option_check_uses_what_run_uses(sandbox):
    sandbox.write("work/.gatekeep.yaml", DENY_TOUCH)

    assert sandbox.gatekeep("check", "-c", "touch marker").returncode == 4
    extra = sandbox.write("extra.yaml", DENY_TOUCH.replace("touch", "ls"))
    result = sandbox.gatekeep("check", "-c", "ls", env={"GATEKEEP_POLICY": str(extra)})
    assert result.returncode == 4, result.stderr


def test_policy_option_alone_decides(sandbox):
    """Documented: ``check --policy P`` judges by P alone (for writing a policy)."""
    loose = sandbox.write("loose.yaml", "gatekeep: 1\nrules:\n  - id: all\n    allow: [rm]\n")

    assert sandbox.gatekeep("check", "-c", "rm -rf build").returncode == 3
    result = sandbox.gatekeep("check", "--policy", str(loose), "-c", "rm -rf build")

    assert result.returncode == 0, result.stderr
    assert sandbox.decision_text(result.stdout).endswith(f"policy: {loose}\n")


def test_broken_policy_exits_5(sandbox):
    path = sandbox.write_operator_policy("gatekeep: 1\nrulez: []\n")

    result = sandbox.gatekeep("check", "-c", "ls")

    assert result.returncode == 5, result.stderr
    assert result.stderr == (
        f"gatekeep: policy error: {path}:2:1: rulez: unknown key 'rulez' (did you mean "
        "'rules'?); expected one of: audit, default, extends, gatekeep, limits, mode, "
        "packages, prompt, protect, rules, sandbox, sandbox_paths, tests, unparseable, when\n"
    )
    assert result.stdout == ""


# -- output safety: the agent's text is shown, never interpreted ----------------------------

def test_control_characters_are_shown_escaped(sandbox):
    result = sandbox.gatekeep("check", "-c", "echo 'a\x1b[31mb'")

    assert result.returncode == 3, result.stderr
    assert sandbox.decision_text(result.stdout) == (
        "ASK  echo 'a\\e[31mb'\n"
        "? ask   \\e\n"
        "          unparseable: control character U+001B in the command\n"
        "          instead: rewrite the command with plain words, or split it into parts\n"
        "policy: builtin:default\n"
    )


@pytest.mark.parametrize(("argument", "decision", "shown"), [
    ("a\rb", "ASK", "a\\rb"),
    ("a\x07b", "ASK", "a\\x07b"),
    ("a\u202eb", "ASK", "a\\u{202e}b"),
    ("a\nb", "ALLOW", "a\\nb"),  # harmless in an argv, but still shown escaped
], ids=["CR", "BEL", "RLO", "LF"])
def test_hidden_characters_in_an_argv_are_shown_escaped(sandbox, argument, decision, shown):
    result = sandbox.gatekeep("check", "--", "echo", argument)

    assert result.returncode == {"ASK": 3, "ALLOW": 0}[decision], result.stderr
    assert result.stdout.splitlines()[0] == f"{decision}  echo '{shown}'"
    # no line of the agent's own
    assert sandbox.decision_text(result.stdout).count("\n") == 4 + (decision == "ASK")


def test_rich_markup_is_printed_literally(sandbox):
    command = 'echo "[red]x[/red]" "[bold]y" "[link=https://example.com]z[/link]" :smile:'

    result = sandbox.gatekeep("check", "-c", command)

    assert result.returncode == 0, result.stderr
    assert sandbox.decision_text(result.stdout) == (
        f"ALLOW  {command}\n"
        f"+ allow {command}\n"
        "          text-tools: transforms text on standard output; sed and awk programs are "
        "checked\n"
        "policy: builtin:default\n"
    )


# -- colour ----------------------------------------------------------------------------------

def test_no_escapes_when_not_a_terminal(sandbox):
    result = sandbox.gatekeep("check", "-c", "ls; rm -rf build", env={"TERM": "xterm-256color"})

    assert result.returncode == 3, result.stderr
    assert "\x1b" not in result.stdout
    assert result.stdout.startswith("ASK  ls; rm -rf build\n")


def _on_terminal(sandbox, env):
    terminal = sandbox.pty_spawn("check", "-c", "ls; rm -rf build",
                                 env={"TERM": "xterm-256color", **env})
    try:
        output = terminal.read()  # until the end of the output
        terminal.close()
    finally:
        terminal.close(force=True)
    assert terminal.exitstatus == 3, output
    return output.decode()


def test_colour_on_a_terminal(sandbox):
    """The control for the NO_COLOR test: on a terminal, check does colour its output."""
    output = _on_terminal(sandbox, {})

    assert "\x1b[" in output
    assert "rm -rf build" in output


def test_no_color_means_no_escapes_on_a_terminal(sandbox):
    output = _on_terminal(sandbox, {"NO_COLOR": "1"})

    assert "\x1b" not in output
    assert sandbox.decision_text(output) == (
        "ASK  ls; rm -rf build\r\n"
        "+ allow ls\r\n"
        "          read-only-files: ls: reads files (reads)\r\n"
        "? ask   rm -rf build\r\n"
        "          recursive-delete, delete-files: rm: "
        "deletes files other than build output (deletes); "
        "writes or deletes files in the working "
        "tree (writes-tree)\r\n"
        "          instead: delete the exact files you mean, or move them to a trash directory\r\n"
        "policy: builtin:default\r\n"
    )


def test_markup_is_literal_on_a_terminal_too(sandbox):
    terminal = sandbox.pty_spawn("check", "-c", "echo '[red]x[/red]'",
                                 env={"TERM": "xterm-256color", "NO_COLOR": "1"})
    try:
        output = terminal.read().decode()
        terminal.close()
    finally:
        terminal.close(force=True)

    assert output.startswith("ALLOW  echo '[red]x[/red]'\r\n"), output
    assert terminal.exitstatus == 0



def test_json_output_is_ascii_even_for_a_byte_that_is_not_utf8(sandbox) -> None:
    result = subprocess.run([str(sandbox.GATEKEEP), "check", "--json", "--", "ls", b"\xff"],
                            capture_output=True, env=sandbox.env, cwd=sandbox.work, check=False)
    assert result.stdout.isascii(), result.stdout
    assert json.loads(result.stdout)["command"] == "ls '\udcff'"


def test_an_approvals_file_nested_too_deep_is_ignored_with_a_warning(sandbox) -> None:
    config = sandbox.config_home / "gatekeep"
    config.mkdir(parents=True)
    (config / "approvals.json").write_text("[" * 100000 + "]" * 100000)
    result = sandbox.gatekeep("run", "-c", "rm -r build")
    assert result.returncode == 126, result.stderr
    assert "gatekeep: warning: ignoring unreadable approvals" in result.stderr
