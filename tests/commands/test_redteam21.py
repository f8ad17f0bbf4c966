"""Red team 21: the box's writable tree is wherever the command starts, the operator's prompt
runs the agent's git filter, the environment leaks past `printenv`'s rule, and a rebase the
box leaves runs code at `git rebase --continue` (each test fails while its attack works)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from gitbox import plant as _plant
from gitbox import repo as _repo

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")

Sandbox = object


def _site_packages(home: os.PathLike[str] | str) -> str:
    return os.path.join(str(home), ".local", "lib",
                        f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")


def test_a_command_started_in_a_home_dot_directory_cannot_write_what_python_runs(
        sandbox: Sandbox) -> None:
    """The box's writable tree is the enclosing git tree, else the working directory; only
    a tree that is the home (or holds it) is asked. The agent picks the directory (an
    allowed `cd ~/.local` that the hook rewrite carries to its shell, the MCP tool's `cwd`,
    Gemini CLI's `dir_path`, Codex's `workdir`), so `~/.local` becomes the tree: a `.pth`
    file in the user site-packages runs in every later Python of the operator's, outside
    any box. The same holds for `~/.config` (direnv's direnvrc, environment.d), other
    projects, and the caches the box otherwise keeps read-only (`~/.m2`, `~/.cargo`)."""
    home = sandbox.home  # type: ignore[attr-defined]
    local = home / ".local"
    site = _site_packages(home)
    os.makedirs(site)
    pth = os.path.join(site, "zz.pth")
    marker = sandbox.root / "PWNED"  # type: ignore[attr-defined]
    line = f'import os; os.system("touch {marker}")'
    boxed = sandbox.gatekeep(  # type: ignore[attr-defined]
        "run", "-c", f"echo '{line}' > {os.path.relpath(pth, local)}", cwd=local)
    subprocess.run([sys.executable, "-c", "pass"], env={**os.environ, "HOME": str(home)},
                   check=False, timeout=60)
    assert not os.path.exists(pth) and not marker.exists(), boxed.stderr


def test_a_command_started_in_a_tool_directory_cannot_read_its_tokens(sandbox: Sandbox
                                                                      ) -> None:
    """The hidden home hides `~/.cargo/credentials.toml` and `~/.m2/settings.xml` from a
    command started in the project; one started in `~/.cargo` (the agent's choice, as
    above) has them in its tree, and no protect.read pattern names them."""
    home = sandbox.home  # type: ignore[attr-defined]
    (home / ".cargo").mkdir()
    (home / ".cargo" / "credentials.toml").write_text('[registry]\ntoken = "CARGO-SECRET"\n')
    read = sandbox.gatekeep("run", "-c", "cat credentials.toml",  # type: ignore[attr-defined]
                            cwd=home / ".cargo")
    assert "CARGO-SECRET" not in read.stdout


def _filtered_repository(sandbox: Sandbox) -> tuple[Path, Path]:
    """A boxed make (allowed) makes a repository in the sandbox, outside the tree, with a
    changed file and a clean filter that touches the marker; both paths."""
    evil = sandbox.root / "evil"  # type: ignore[attr-defined]
    marker = sandbox.root / "PWNED"  # type: ignore[attr-defined]
    _plant(sandbox, f"git init -q {evil}",
           f"cd {evil} && echo a > a.txt && echo '* filter=x' > .gitattributes && git add . "
           "&& git -c user.name=t -c user.email=t@e commit -qm x",
           f"git -C {evil} config filter.x.clean 'sh -c \"touch {marker}; cat\"'",
           f"echo b >> {evil}/a.txt")
    boxed = sandbox.gatekeep("run", "-c", "make")  # type: ignore[attr-defined]
    assert boxed.returncode == 0, boxed.stderr
    return evil, marker


def test_the_prompt_does_not_run_a_filter_the_agent_set_in_a_repository_outside_the_tree(
        sandbox: Sandbox) -> None:
    """approval.preview._run_git runs `git diff --stat HEAD` outside the box, in the
    directory the command `cd`s to, to show what `git reset --hard` would lose. It turns
    off fsmonitor, the pager and diff.external, not the repository's `filter.*.clean`,
    which git runs on every modified file it diffs. A boxed `make` (allowed) makes the
    repository in /tmp, which the box writes and no clean-up looks at; asking about
    `cd REPO && git reset --hard` then runs the agent's command before the operator
    answers, whatever they answer."""
    work = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    evil, marker = _filtered_repository(sandbox)
    assert not marker.exists()
    terminal = sandbox.pty_spawn("run", "-c",  # type: ignore[attr-defined]
                                 f"cd {evil} && git reset --hard")
    try:
        terminal.expect_exact("Run it? ")
        ran_before_the_answer = marker.exists()
        terminal.sendline("n")
        terminal.expect_exact("Enter to skip): ")
        terminal.sendline("")
        terminal.expect(pexpect.EOF)
    finally:
        terminal.close()
    assert not ran_before_the_answer


@pytest.mark.parametrize("command", ["cat /proc/self/task/*/environ", "ps axeww",
                                     "echo $AWS_SECRET_ACCESS_KEY"])
def test_the_environment_is_not_printed_where_printenv_is_asked(sandbox: Sandbox,
                                                                 command: str) -> None:
    """The default asks `printenv` and `env` ("prints the environment, which may hold
    secrets") and protects `/proc/*/environ`; the box passes the caller's environment
    through. `/proc/self/task/TID/environ` is the same file under a name the pattern does
    not match, `ps axe` prints every process's environment, and an expansion of the variable
    prints it too: all allowed, unattended."""
    run = sandbox.gatekeep("run", "-c", command,  # type: ignore[attr-defined]
                           env={"AWS_SECRET_ACCESS_KEY": "SEKRIT-21"})
    assert "SEKRIT-21" not in run.stdout


def test_a_rebase_the_box_leaves_runs_nothing_at_the_operators_continue(sandbox: Sandbox
                                                                         ) -> None:
    """`.git/rebase-merge` is writable in the box (the tree's git dir is, but for its
    settings). A boxed `make` starts `git rebase -i` with a todo list that stops at
    `break` and then `exec`s a command; `git status` tells the operator to run `git rebase
    --continue`, which runs the `exec` line outside any box."""
    work = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    (work / "b.txt").write_text("b\n")
    for args in (["add", "b.txt"], ["-c", "user.name=t", "-c", "user.email=t@e", "commit",
                                    "-qm", "second"]):
        subprocess.run(["git", *args], cwd=work, check=True, capture_output=True)
    marker = work / "PWNED"
    _plant(sandbox, "GIT_SEQUENCE_EDITOR=\"sed -i -e '1i break' -e '1i exec touch "
           f"{marker}'\" git -c user.name=t -c user.email=t@e rebase -q -i HEAD~1")
    boxed = sandbox.gatekeep("run", "-c", "make")  # type: ignore[attr-defined]
    assert boxed.returncode == 0, boxed.stderr
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "rebase",
                    "--continue"], cwd=work, capture_output=True, check=False, timeout=60)
    assert not marker.exists(), boxed.stderr


def test_a_queued_question_does_not_run_a_filter_the_agent_set(sandbox: Sandbox) -> None:
    """The same, with `prompt.no_tty: queue`: approval.pending.wait_for_answer renders the
    explanation (previews and all) in the agent's own `gatekeep run` when it queues the
    request, so the filter runs at once, with no operator anywhere."""
    work = sandbox.work  # type: ignore[attr-defined]
    sandbox.write_operator_policy(  # type: ignore[attr-defined]
        "gatekeep: 1\nextends: [builtin:default]\nprompt: {timeout: 2, no_tty: queue}\n")
    _repo(work)
    evil, marker = _filtered_repository(sandbox)
    asked = sandbox.gatekeep("run", "-c", f"cd {evil} && git reset --hard")  # type: ignore[attr-defined]
    assert asked.returncode == 126, asked.stderr
    assert not marker.exists()


def test_a_command_started_inside_a_protected_directory_cannot_write_it(sandbox: Sandbox
                                                                         ) -> None:
    """`~/.claude/**` is protect.write: `echo x > guard.sh` there is denied. The box binds a
    protected path read-only only where it lies under a writable root
    (boundary.boundary: `readonly = [p for p in protected if under_any(p, roots)]`), so
    when the tree is inside it (`~/.claude/hooks`, `~/.config/fish/conf.d`,
    `/usr/local`, `/etc/profile.d`) nothing is read-only; and the judge takes `tar xf`'s
    extraction as a write of the tree, never checking that the tree itself is protected.
    The archive replaces the hook script Claude Code runs, outside any box."""
    home = sandbox.home  # type: ignore[attr-defined]
    hooks = home / ".claude" / "hooks"
    hooks.mkdir(parents=True)
    (hooks / "guard.sh").write_text("echo the operator's hook\n")
    source = sandbox.root / "archive"  # type: ignore[attr-defined]
    source.mkdir()
    (source / "guard.sh").write_text("touch PWNED\n")
    archive = sandbox.root / "x.tar"  # type: ignore[attr-defined]
    subprocess.run(["tar", "cf", str(archive), "-C", str(source), "guard.sh"], check=True)
    boxed = sandbox.gatekeep("run", "-c", f"tar xf {archive}",  # type: ignore[attr-defined]
                             cwd=hooks)
    assert (hooks / "guard.sh").read_text() == "echo the operator's hook\n", boxed.stderr


@pytest.mark.parametrize("name", ["lefthook-local.yaml", "lefthook-local.toml",
                                  ".lefthook-local.json", ".config/lefthook-local.yml",
                                  ".aider.conf.yml", ".continue/config.yaml",
                                  ".windsurf/workflows/x.md"])
def test_a_hook_runners_or_agents_settings_the_box_creates_are_removed(sandbox: Sandbox,
                                                                       name: str) -> None:
    """protect.write names `lefthook-local.*`, `.aider.conf.yml`, `.continue/**` and
    `.windsurf/**`, but boundary.AGENT_FILES (what a run may not leave behind where nothing
    could be bound) lists only the `.yml` spellings of lefthook's files, and none of the
    others. lefthook merges `lefthook-local.yaml` (or .toml, .json, .jsonc, or under
    `.config/`) into the committed config: a boxed `make` writes one, and the operator's
    next `git commit` runs its command outside the box (seen with lefthook 2.2.2)."""
    work = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    _plant(sandbox, f"mkdir -p $$(dirname {name}) && echo 'x: 1' > {name}")
    boxed = sandbox.gatekeep("run", "-c", "make")  # type: ignore[attr-defined]
    assert boxed.returncode == 0, boxed.stderr
    assert not (work / name).exists(), boxed.stderr


@pytest.mark.parametrize("name", [".claude/settings.local.json", ".mcp.json",
                                  ".gemini/settings.json", ".gatekeep.yaml"])
def test_agent_settings_the_box_creates_in_the_agents_own_directory_are_removed(
        sandbox: Sandbox, name: str) -> None:
    """boundary._agent_files lists AGENT_FILES at the tree's root and the home only. An
    agent started in a package of a monorepo (`work/pkg`, the tree being `work`, the
    enclosing git tree) reads its project settings from `pkg`: a boxed `make` there
    creates `pkg/.claude/settings.local.json` (`disableAllHooks`, `permissions.allow`),
    which is neither bound nor removed, and the next session, or this one, runs what it
    says. The judge denies `echo {} > .claude/settings.local.json` in `pkg`; the box
    does not."""
    work = sandbox.work  # type: ignore[attr-defined]
    _repo(work)
    pkg = work / "pkg"
    pkg.mkdir()
    (pkg / "Makefile").write_text(
        f"all:\n\tmkdir -p $$(dirname {name}) && echo '{{}}' > {name}\n")
    boxed = sandbox.gatekeep("run", "-c", "make", cwd=pkg)  # type: ignore[attr-defined]
    assert boxed.returncode == 0, boxed.stderr
    assert not (pkg / name).exists(), boxed.stderr
