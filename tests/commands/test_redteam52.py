"""Red team 52 (on 4cdd0a3) and what was found beside it: ways to the secret variables a
networked box keeps. Each printed a fake GH_TOKEN, or ran the agent's code with it:

- `git fetch; grep -ra GH_TOKEN /proc/2/`: a tree read below `/proc` was never held to
  `/proc/**/environ` (its literal directory, `/proc`, had no slash inside);
- `git fetch; tail -c +"$(cut -d' ' -f50 /proc/2/stat)" /proc/2/mem`: a process's memory
  holds its environment too;
- `git fetch; git apply p.patch; cat e`: git's own tree writes, beside networked git, made
  `e` a link to /proc/self/environ after `cat e` was judged;
- `git fetch; cd /proc/self; date -f "$PWD/environ"`: `date` says only, but not with `-f`;
- `printf $(cat f); git fetch`: `printf -v HOME DIR` from words split as it runs, and git
  obeyed the agent's `DIR/.gitconfig`.

Networked runs are in ``apart`` sandboxes, as in test_redteam41.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from judging import judge, judged_in, networked, with_secrets
from netbox import needs_bwrap, needs_git, run_quietly
from netbox import script as _script
from netbox import ssh_repository as _repository

from gatekeep.policy.model import Policy

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
TOKEN = "ghp_redteam52_literal_token"


def _printed(sandbox: Sandbox, command: str) -> str:
    """What `gatekeep run -c command` printed."""
    run = run_quietly(sandbox, command, TOKEN)
    return run.stdout.decode(errors="replace") + run.stderr.decode(errors="replace")


def _network(sandbox: Sandbox, command: str) -> bool:
    return bool(_boundary(sandbox, command).get("network"))


def _secrets(sandbox: Sandbox, command: str) -> list[str]:
    """The secret variables the box of an allowed command keeps."""
    return list(_boundary(sandbox, command).get("kept", []))


def _boundary(sandbox: Sandbox, command: str) -> dict[str, Any]:
    checked = sandbox.gatekeep("check", "--json", "-c", command, env={"GH_TOKEN": TOKEN})
    document = json.loads(checked.stdout)
    return dict(document["boundary"]) if document["decision"] == "allow" else {}


# -- 1 and 2: /proc ---------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "git fetch; grep -ra GH_TOKEN /proc/2/", "git fetch; grep -ra GH_TOKEN /proc/self/",
    "git fetch; rg -a GH_TOKEN /proc/2", "git fetch; cd /proc/2 && grep -ra GH_TOKEN .",
    "git fetch; grep -Ra GH_TOKEN /dev/fd/", "git fetch; diff -ra /proc/2 /proc/self",
    "git fetch; tail -c +9 /proc/2/mem; true", "git fetch; xxd -s 9 /proc/self/mem",
])
def test_a_read_of_a_process_s_environment_is_asked(policy: Policy, tmp_path: Path,
                                                    command: str) -> None:
    assert judged_in(policy, tmp_path, command).decision == "ask"


@pytest.mark.parametrize("command", ["grep -r TODO src", "grep -rn x .", "du -sh /proc/2",
                                     "cat /proc/2/stat", "cat /proc/cpuinfo"])
def test_other_reads_are_as_before(policy: Policy, tmp_path: Path, command: str) -> None:
    (tmp_path / "src").mkdir()
    assert judged_in(policy, tmp_path, command).decision == "allow"


@needs_bwrap
@needs_git
@pytest.mark.parametrize("command", [
    "git fetch; grep -ra GH_TOKEN /proc/2/",
    "git fetch; tail -c +\"$(cut -d' ' -f50 /proc/2/stat)\" /proc/2/mem; true",
])
def test_the_box_s_environment_is_not_printed(apart: Sandbox, command: str) -> None:
    _repository(apart.work)
    assert TOKEN not in _printed(apart, command)


# -- 3: a link git checks out or applies before a read -----------------------------------

PATCH = ("diff --git a/e b/e\nnew file mode 120000\n--- /dev/null\n+++ b/e\n@@ -0,0 +1 @@\n"
         "+/proc/self/environ\n\\ No newline at end of file\n")


@pytest.mark.parametrize("command", [
    "git fetch; git apply p.patch; cat e", "git switch evil; git fetch; cat e",
    "git fetch && git merge evil && cat e", "git fetch; git stash pop; grep -a TOKEN e",
    "git pull; head e", "git fetch; git worktree add w evil; cat w/e",
    'git fetch; git switch evil; cat "$f"',
])
def test_a_read_beside_git_writing_the_tree_gets_no_secret(policy: Policy,
                                                           command: str) -> None:
    """It kept the token at first, then ran offline; now it keeps the network but not the
    token (test_credentials_beside_readers.py)."""
    assert not with_secrets(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "git fetch && cat README", "git stash && git pull && git stash pop",
    "git pull && git log --oneline -3", "git pull | tail -5", "git pull && echo done",
])
def test_git_alone_or_a_read_beside_fetch_keeps_it(policy: Policy, command: str) -> None:
    assert networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    "git stash && git pull && git stash pop", "git pull && git log --oneline -3",
    "git pull | tail -5", "git pull && echo done"])
def test_git_alone_keeps_the_secrets_too(policy: Policy, command: str) -> None:
    assert with_secrets(policy, judge(policy, command))


@needs_bwrap
@needs_git
def test_an_applied_link_is_not_read_with_the_network(apart: Sandbox) -> None:
    _repository(apart.work)
    (apart.work / "p.patch").write_text(PATCH)
    assert not _secrets(apart, "git fetch; git apply p.patch; cat e")
    assert TOKEN not in _printed(apart, "git fetch; git apply p.patch; cat e")
    assert (apart.work / "e").is_symlink()  # the patch did apply: the read found no secret


# -- 4 and 5: what says only, but for its options ---------------------------------------

@pytest.mark.parametrize("command", [
    'git fetch; cd /proc/self; date -f "$PWD/environ"', 'git fetch; date --file="$(cat f)"',
    'gh pr list; cd /proc/self; hostname -F "$PWD/environ"', "printf $(cat f); git fetch",
    'printf "$(cat f)" x; git fetch',
])
def test_a_part_whose_options_read_or_assign_unseen_takes_the_network(policy: Policy,
                                                                      command: str) -> None:
    assert not networked(policy, judge(policy, command))


@pytest.mark.parametrize("command", [
    'git fetch; echo "$x"', "echo $(cat f); git fetch", 'git fetch; printf "%s\\n" "$x"',
    "git fetch && date", 'printf "%s\\n" $(cat f); git fetch',
])
def test_a_part_that_says_only_keeps_it(policy: Policy, command: str) -> None:
    assert networked(policy, judge(policy, command))


@needs_bwrap
@needs_git
def test_printf_assigning_home_from_split_words_runs_nothing_of_the_tree_s(apart: Sandbox
                                                                          ) -> None:
    _repository(apart.work)
    leak = apart.work / "leak"
    _script(apart.work / "1" / "ssh", leak)
    (apart.work / "1" / ".gitconfig").write_text(f"[core]\n\tsshCommand = {apart.work}/1/ssh\n")
    (apart.work / "f").write_text(f"-v HOME {apart.work}/1")
    _printed(apart, "printf $(cat f); git fetch")
    assert not leak.exists() or TOKEN not in leak.read_text(), leak.read_text()


def test_the_reason_names_the_tree_that_is_there_not_the_pattern(policy: Policy) -> None:
    """`cd /proc/2 && grep -ra GH_TOKEN .` was asked for reading "the tree
    /proc/2/GH_TOKEN": the pattern's word, read as a path; the tree read is `.`."""
    segment = judged_in(policy, Path("/proc/1"), "grep -ra GH_TOKEN .").segments[0]
    reasons = [v.reason for v in segment.verdicts if v.rule == "protect.read"]
    assert reasons == ["reads the tree /proc/1, which holds '/proc/**/environ'"]
    alone = judged_in(policy, Path("/proc/1"), "grep -ra GH_TOKEN nothere").segments[0]
    assert alone.decision == "ask"  # a word that is no directory still holds, alone
