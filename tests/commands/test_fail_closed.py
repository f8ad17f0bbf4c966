"""Every way ``gatekeep run`` can fail, it runs nothing: a marker file proves it.

Broken policies exit 5, commands gatekeep cannot read exit 126, unexpected errors
exit 70; policies added beside the operator's can only tighten.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from gatekeep.commands import run as run_command
from gatekeep.core.inputs import Request
from gatekeep.runtime import execute
from gatekeep.sandbox import boundary, gitdirs

MODES = [pytest.param(("-c", "touch marker"), id="command"),
         pytest.param(("--", "touch", "marker"), id="argv")]

# Broken policies, each otherwise allowing `touch`, and where their error is reported.
BROKEN = {
    "unclosed-list": ("gatekeep: 1\nrules:\n  - id: a\n    allow: [touch\n",
                      "5:1: invalid YAML: expected ',' or ']', but got '<stream end>'"),
    "tab-indent": ("gatekeep: 1\nrules:\n  - id: a\n\tallow: [touch]\n",
                   "4:1: invalid YAML: found character '\\t' that cannot start any token"),
    "unknown-rule-key": ("gatekeep: 1\nrules:\n  - id: a\n    allow: [touch]\n    colour: red\n",
                         "5:5: rules[0].colour: unknown key 'colour'; expected one of: allow, "
                         "ask, bounds, deny, id, limits, overrides, packages, rate, reason, "
                         "suggest, tests, when"),
    "unknown-top-key": ("gatekeep: 1\nrulez:\n  - id: a\n    allow: [touch]\n",
                        "2:1: rulez: unknown key 'rulez' (did you mean 'rules'?); expected one "
                        "of: audit, default, extends, gatekeep, limits, mode, packages, prompt, "
                        "protect, rules, sandbox, sandbox_paths, tests, unparseable, when"),
    "two-decisions": ("gatekeep: 1\nrules:\n  - id: a\n    allow: [touch]\n    deny: [rm]\n",
                      "3:5: rules[0]: rule 'a' needs exactly one of allow, ask, deny "
                      "(got allow, deny)"),
    "format-version": ("gatekeep: 2\nrules:\n  - id: a\n    allow: [touch]\n",
                       "1:11: gatekeep: unsupported format version; this gatekeep reads 1"),
    "empty": ("", "1:1: the file is empty"),
}
BROKEN_PARAMS = [pytest.param(text, where, id=name) for name, (text, where) in BROKEN.items()]

DENY_TOUCH = (
    "gatekeep: 1\n"
    "rules:\n"
    "  - id: no-touch\n"
    "    deny: [touch]\n"
    "    reason: no new files here\n"
)
# the rule that decided is named; what touch does is said by its effects
TOUCH_DENIED = ("gatekeep: denied: no-touch: touch: writes or deletes files in the working "
                "tree (writes-tree)\n"
                "gatekeep:   in: touch marker\n"
                "gatekeep: not run\n")


def policy_error(path, where):
    return f"gatekeep: policy error: {path}:{where}\ngatekeep: nothing was run\n"


# -- broken policies: exit 5 -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "where"), BROKEN_PARAMS)
def test_broken_operator_policy_runs_nothing(sandbox, text, where):
    path = sandbox.write_operator_policy(text)

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr == policy_error(path, where)
    assert result.stdout == ""
    assert not sandbox.marker.exists()
    assert sandbox.audit() == []


def test_broken_operator_policy_runs_no_argv(sandbox):
    text, where = BROKEN["unknown-rule-key"]
    path = sandbox.write_operator_policy(text)

    result = sandbox.gatekeep("run", "--", "touch", "marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr == policy_error(path, where)
    assert result.stdout == ""
    assert not sandbox.marker.exists()
    assert sandbox.audit() == []


@pytest.mark.parametrize("order", ["fast", "typer", "short"])
def test_broken_policy_option_runs_nothing(sandbox, order):
    text, where = BROKEN["unknown-rule-key"]
    path = str(sandbox.write("extra.yaml", text))
    args = {
        "fast": ("run", "--policy", path, "-c", "touch marker"),
        "typer": ("run", "-c", "touch marker", "--policy", path),
        "short": ("run", "-p", path, "--", "touch", "marker"),
    }[order]

    result = sandbox.gatekeep(*args)

    assert result.returncode == 5, result.stderr
    assert result.stderr == policy_error(path, where)
    assert not sandbox.marker.exists()


@pytest.mark.parametrize("mode", MODES)
def test_missing_gatekeep_policy_runs_nothing(sandbox, mode):
    missing = sandbox.root / "missing.yaml"

    result = sandbox.gatekeep("run", *mode, env={"GATEKEEP_POLICY": str(missing)})

    assert result.returncode == 5, result.stderr
    assert result.stderr == (
        f"gatekeep: policy error: {missing}: cannot read the policy: [Errno 2] No such file or "
        f"directory: '{missing}'\ngatekeep: nothing was run\n"
    )
    assert not sandbox.marker.exists()


def test_unknown_builtin_policy_runs_nothing(sandbox):
    result = sandbox.gatekeep("run", "--policy", "builtin:no-such-policy", "-c", "touch marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr == ("gatekeep: policy error: builtin:no-such-policy: no such built-in "
                             "policy; available: default, production\ngatekeep: nothing was run\n")
    assert not sandbox.marker.exists()


@pytest.mark.parametrize("name", [".gatekeep.yaml", ".gatekeep/policy.yaml"])
def test_broken_project_policy_runs_nothing(sandbox, name):
    text, where = BROKEN["unclosed-list"]
    path = sandbox.write(f"work/{name}", text)
    cwd = sandbox.work / "sub"
    cwd.mkdir()

    result = sandbox.gatekeep("run", "-c", "touch marker", cwd=cwd)

    assert result.returncode == 5, result.stderr
    assert result.stderr == policy_error(path, where)
    assert not (cwd / "marker").exists()


def test_missing_extended_policy_runs_nothing(sandbox):
    path = sandbox.write_operator_policy(
        "gatekeep: 1\nextends: [base.yaml]\nrules:\n  - id: a\n    allow: [touch]\n")

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr == policy_error(
        path, f"2:11: extends[0]: extended policy not found: {path.parent / 'base.yaml'}")
    assert not sandbox.marker.exists()


def test_operator_policy_broken_after_a_cached_load_runs_nothing(sandbox):
    """The compiled-policy cache never outlives the file it came from, even at the same size."""
    good = "gatekeep: 1\nrules:\n  - id: a\n    allow: [touch]\n"
    bad = "gatekeep: 1\nrules:\n  - id: a\n    allow: [touch \n"  # "]" now " "
    assert len(good) == len(bad)
    path = sandbox.write_operator_policy(good)
    assert sandbox.gatekeep("run", "-c", "touch warm-up").returncode == 0
    assert (sandbox.work / "warm-up").exists()
    assert list((sandbox.state_home / "gatekeep" / "cache").glob("p-*"))

    path.write_text(bad)
    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr == policy_error(
        path, "5:1: invalid YAML: expected ',' or ']', but got '<stream end>'")
    assert not sandbox.marker.exists()


def test_dangling_operator_policy_link_runs_nothing(sandbox):
    """A configured operator policy that cannot be read is an error, not the default."""
    path = sandbox.operator_policy
    path.parent.mkdir(parents=True)
    target = sandbox.root / "dotfiles" / "gatekeep.yaml"
    path.symlink_to(target)

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr == (
        f"gatekeep: policy error: {path}: cannot read the policy: [Errno 2] No such file or "
        f"directory: '{path}'\ngatekeep: nothing was run\n"
    )
    assert not sandbox.marker.exists()


def test_operator_policy_that_is_a_directory_runs_nothing(sandbox):
    sandbox.operator_policy.mkdir(parents=True)

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith(
        f"gatekeep: policy error: {sandbox.operator_policy}: cannot read the policy: ")
    assert not sandbox.marker.exists()


# -- commands gatekeep cannot read: exit 126 -------------------------------------------------

@pytest.mark.parametrize(("command", "reason", "part"), [
    ("touch marker; echo $(", "bash syntax gatekeep cannot parse", "$("),
    ("touch marker; $X", "the program name '$X' is only known at run time", "$X"),
])
def test_unparseable_command_runs_nothing(sandbox, command, reason, part):
    result = sandbox.gatekeep("run", "-c", command)

    assert result.returncode == 126, result.stderr
    assert result.stderr == (f"gatekeep: needs approval: unparseable: {reason}\n"
                             f"gatekeep:   in: {part}\n" + sandbox.REWRITE
                             + sandbox.NEEDS_APPROVAL)
    assert not sandbox.marker.exists()


def test_unparseable_deny_setting_is_honoured(sandbox):
    sandbox.write_operator_policy("gatekeep: 1\nunparseable: deny\nrules:\n"
                                  "  - id: a\n    allow: [touch, echo]\n")

    result = sandbox.gatekeep("run", "-c", "touch marker; echo $(")

    assert result.returncode == 126, result.stderr
    assert result.stderr == ("gatekeep: denied: unparseable: bash syntax gatekeep cannot parse\n"
                             "gatekeep:   in: $(\n" + sandbox.REWRITE + sandbox.NOT_RUN)
    assert not sandbox.marker.exists()


@pytest.mark.parametrize(("hidden", "reason", "shown"), [
    ("\x01", "control character U+0001", "\\x01"),
    ("\x1b[2J", "control character U+001B", "\\e"),
    ("\r", "control character U+000D", "\\r"),
    ("\x7f", "control character U+007F", "\\x7f"),
    ("\u200b", "invisible character U+200B", "\\u{200b}"),
    ("\u202e", "invisible character U+202E", "\\u{202e}"),
    ("\ufe0f", "invisible character U+FE0F", "\\u{fe0f}"),
    ("\u00a0", "unusual space U+00A0", "\\xa0"),
], ids=["SOH", "ESC", "CR", "DEL", "ZWSP", "RLO", "VS16", "NBSP"])
def test_hidden_characters_in_a_command_run_nothing(sandbox, hidden, reason, shown):
    result = sandbox.gatekeep("run", "-c", f"touch marker; echo a{hidden}b")

    assert result.returncode == 126, result.stderr
    assert result.stderr == (f"gatekeep: needs approval: unparseable: {reason} in the command\n"
                             f"gatekeep:   in: {shown}\n" + sandbox.REWRITE
                             + sandbox.NEEDS_APPROVAL)
    assert not sandbox.marker.exists()


def test_hidden_character_in_an_argv_runs_nothing(sandbox):
    result = sandbox.gatekeep("run", "--", "touch", "marker", "x\u200b")

    assert result.returncode == 126, result.stderr
    assert result.stderr == ("gatekeep: needs approval: unparseable: invisible character U+200B "
                             "in the command\n"
                             "gatekeep:   in: touch marker 'x\\u{200b}'\n" + sandbox.REWRITE
                             + sandbox.NEEDS_APPROVAL)
    assert not sandbox.marker.exists()


# -- unexpected errors: exit 70 ------------------------------------------------------------

def _in_deleted_directory(sandbox, *args):
    """Run ``gatekeep ARGS`` from a working directory that no longer exists."""
    gone = sandbox.root / "gone"
    gone.mkdir()
    script = 'cd "$1" && rmdir "$1" && shift && exec "$0" "$@"'
    return subprocess.run(
        ["bash", "-c", script, str(sandbox.GATEKEEP), str(gone), *args],
        capture_output=True, text=True, env=sandbox.env, cwd=sandbox.work,
        timeout=sandbox.TIMEOUT, check=False,
    )


@pytest.mark.parametrize("args", [
    pytest.param(("run", "-c", "touch {marker}"), id="fast-path"),
    pytest.param(("run", "-c", "touch {marker}", "--policy", "builtin:default"), id="typer"),
    pytest.param(("run", "--", "touch", "{marker}"), id="argv"),
])
def test_unexpected_error_exits_70_and_runs_nothing(sandbox, args):
    result = _in_deleted_directory(sandbox, *(a.format(marker=sandbox.marker) for a in args))

    assert result.returncode == 70, result.stderr
    assert result.stderr == ("gatekeep: internal error: FileNotFoundError: [Errno 2] No such "
                             "file or directory\ngatekeep: nothing was run\n")
    assert not sandbox.marker.exists()


def test_check_unexpected_error_exits_70(sandbox):
    result = _in_deleted_directory(sandbox, "check", "-c", f"touch {sandbox.marker}")

    assert result.returncode == 70, result.stderr
    assert result.stderr == ("gatekeep: internal error: FileNotFoundError: [Errno 2] No such "
                             "file or directory\n")
    assert result.stdout == ""


@pytest.fixture
def in_process(sandbox, monkeypatch):
    """``gatekeep.commands.run.main`` in this process, with an executor that records calls."""
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GATEKEEP_POLICY", raising=False)
    monkeypatch.chdir(sandbox.work)
    calls = []

    def fake_run(program, argv, env):
        calls.append([program, *argv])
        return 0

    def fake_boxed(box, bwrap, program, argv, env, keeper=None, named=None):
        return execute.Ran(fake_run(program, argv, env))

    monkeypatch.setattr(execute, "run", fake_run)
    monkeypatch.setattr(execute, "run_boxed", fake_boxed)
    return calls


def test_fake_executor_is_what_runs(in_process, capsys):
    """The control for the tests below: without a failure, the fake executor is called."""
    assert run_command.main(Request("touch marker", None)) == 0
    touch = shutil.which("touch")
    assert in_process == [[execute.system_shell(), "bash", "--noprofile", "--norc", "-c",
                           f"hash -p '{touch}' 'touch'\ntouch marker"]]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("target", ["run_policies", "judge", "parse_request"])
def test_exception_before_running_exits_70(in_process, capsys, monkeypatch, sandbox, target):
    def broken(*args, **kwargs):
        raise RuntimeError("boom \x1b[31mred")

    monkeypatch.setattr(run_command, target, broken)

    assert run_command.main(Request("touch marker", None)) == 70
    assert in_process == []
    assert capsys.readouterr().err == ("gatekeep: internal error: RuntimeError: boom \\e[31mred\n"
                                       "gatekeep: nothing was run\n")
    assert not sandbox.marker.exists()


def test_interrupt_before_running_exits_130(in_process, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "run_policies", interrupted)

    assert run_command.main(Request(None, ("touch", "marker"))) == 130
    assert in_process == []
    assert capsys.readouterr().err == "gatekeep: interrupted; nothing was run\n"


# -- tightening: --policy, GATEKEEP_POLICY and a project policy ------------------------------

def test_default_allows_touch(sandbox):
    """The baseline for the tightening tests: the default policy runs ``touch marker``."""
    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 0, result.stderr
    assert sandbox.marker.exists()


CHANNELS = ["--policy", "-p", "--policy-after", "GATEKEEP_POLICY", "project", "project-parent",
            "project-dir"]


def _tightened(sandbox, channel, policy_text, command):
    """Run ``command`` with ``policy_text`` added through ``channel``; return (result, cwd)."""
    extra = sandbox.write("extra.yaml", policy_text)
    cwd, env, args = sandbox.work, {}, ("-c", command)
    if channel in ("--policy", "-p"):
        args = (channel, str(extra), *args)
    elif channel == "--policy-after":
        args = (*args, "--policy", str(extra))
    elif channel == "GATEKEEP_POLICY":
        env = {"GATEKEEP_POLICY": str(extra)}
    elif channel == "project":
        sandbox.write("work/.gatekeep.yaml", policy_text)
    elif channel == "project-parent":
        sandbox.write("work/.gatekeep.yaml", policy_text)
        cwd = sandbox.work / "deep" / "sub"
        cwd.mkdir(parents=True)
    elif channel == "project-dir":
        sandbox.write("work/.gatekeep/policy.yaml", policy_text)
    return sandbox.gatekeep("run", *args, env=env, cwd=cwd), cwd


@pytest.mark.parametrize("channel", CHANNELS)
def test_added_policy_can_deny_what_the_default_allows(sandbox, channel):
    result, cwd = _tightened(sandbox, channel, DENY_TOUCH, "touch marker")

    assert result.returncode == 126, result.stderr
    assert result.stderr == TOUCH_DENIED
    assert not (cwd / "marker").exists()


LOOSE = (
    "gatekeep: 1\n"
    "default: ask\n"
    "unparseable: ask\n"
    "rules:\n"
    "  - id: anything-goes\n"
    "    allow: [rm, touch, curl, bash, sh, mkfs.ext4]\n"
)


@pytest.mark.parametrize("channel", CHANNELS)
def test_added_policy_cannot_allow_what_the_default_denies(sandbox, channel):
    keep = sandbox.home / "keep.txt"
    keep.write_text("precious\n")

    result, cwd = _tightened(sandbox, channel, LOOSE, "touch marker; rm -rf ~")

    assert result.returncode == 126, result.stderr
    assert result.stderr == (
        f"gatekeep: denied: protect.write: writes or deletes {sandbox.home}, which holds "
        "'~/.ssh/**'\n"
        "gatekeep:   in: rm -rf ~\n"
        "gatekeep:   does: rm: deletes files other than build output (deletes); "
        "writes or deletes files outside the working tree "
        "(writes-elsewhere)\n"
        "gatekeep:   instead: name the exact files inside it you mean\n" + sandbox.NOT_RUN
    )
    assert not (cwd / "marker").exists()
    assert keep.exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_added_policy_cannot_allow_what_the_default_asks_about(sandbox, channel):
    result, cwd = _tightened(sandbox, channel, LOOSE, "touch marker; rm -rf build")

    assert result.returncode == 126, result.stderr
    assert result.stderr.startswith(
        "gatekeep: needs approval: recursive-delete, delete-files: rm: "
        "deletes files other than build output (deletes); "
        "writes or deletes files "
        "in the working tree (writes-tree)\n")
    assert not (cwd / "marker").exists()


def test_builtin_default_cannot_loosen_the_operator_policy(sandbox):
    sandbox.write_operator_policy(DENY_TOUCH)

    for args in (("--policy", "builtin:default", "-c", "touch marker"),
                 ("-c", "touch marker")):
        result = sandbox.gatekeep("run", *args, env={"GATEKEEP_POLICY": "builtin:default"})

        assert result.returncode == 126, result.stderr
        assert result.stderr == TOUCH_DENIED
    assert not sandbox.marker.exists()


@pytest.mark.parametrize("target", [(gitdirs, "protected"), (gitdirs, "_text"),
                                    (boundary, "_links")])
def test_an_error_reading_the_repositorys_git_settings_runs_nothing(
        in_process, capsys, monkeypatch, sandbox, target):
    """The box's plan reads the repository's git settings on every run: any failure there
    (beyond a config too large to read, which asks) is an error of the run, never a run
    without that protection."""
    (sandbox.work / ".git").mkdir()
    (sandbox.work / ".git" / "config").write_text("[core]\n\thooksPath = .githooks\n")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(*target, broken)

    assert run_command.main(Request("touch marker", None)) == 70
    assert in_process == []
    assert capsys.readouterr().err == ("gatekeep: internal error: RuntimeError: boom\n"
                                       "gatekeep: nothing was run\n")
    assert not sandbox.marker.exists()


def test_a_failure_of_the_clean_up_after_a_boxed_run_is_not_nothing_run(
        in_process, capsys, monkeypatch, sandbox):
    """The command ran: a failure of what gatekeep does after it (holding the repositories
    it made) is a warning to check the tree, with the error, and the run's own outcome;
    never the internal error's "nothing was run", which would be false."""
    (sandbox.work / ".git").mkdir()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("gatekeep.sandbox.created.hold_repositories", broken)

    assert run_command.main(Request("touch marker", None)) == 0
    assert len(in_process) == 1
    err = capsys.readouterr().err
    assert "nothing was run" not in err
    assert ("gatekeep: warning: the clean-up after the run failed (RuntimeError: boom): check "
            "the tree's repositories and agent settings before running git or an agent\n") in err


def test_a_boxed_run_whose_keeper_cannot_start_runs_nothing(in_process, capsys, monkeypatch,
                                                            sandbox):
    """The keeper cleans up after a boxed run when gatekeep is killed: a box without one is
    a box that did not start, so the command is asked about (no terminal: not run)."""
    def no_fork(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr("gatekeep.runtime.keeper.start", no_fork)

    assert run_command.main(Request("touch marker", None)) != 0
    assert in_process == []
    err = capsys.readouterr().err
    assert ("gatekeep: the box cannot start without its keeper, the process that cleans up if "
            "gatekeep is killed: Resource temporarily unavailable\n") in err
    assert sandbox.NEEDS_APPROVAL in err
    assert not sandbox.marker.exists()
