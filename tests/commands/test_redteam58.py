"""Red team 58 (on a2afa63).

J2. `head -n {1,e}`, `head -n 1${IFS}e`, `head -n [1e]`, `sort -k {1,--compress-program=sh}`,
    `git fetch --depth {1,"--upload-pack=CMD #",.}`: an option's value that bash makes
    several words; those after the first were never judged.
J1. `printf 'env.GH_TOKEN\\nnull\\n1\\n' | jq --run-tests`: jq runs the programs its input
    holds. jq's language has now gone past its checks three ways, so a networked box keeps
    no secret beside jq (program knowledge's `interprets`), as beside sed and awk.
N.  `xargs --process-slot-var=LD_LIBRARY_PATH id`: xargs sets a variable for what it runs.
M.  `less --lesskey-content=...`: a key file's text, whose #env sets LESSOPEN.
L.  `.git/remotes/foo` written by a boxed run: a later `git fetch foo` reaches its URL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitbox import Sandbox, plant, repo
from judging import judge, networked, with_secrets

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "git fetch; head -n {1,/proc/self/environ}",
    "sort -S 1 -k {1,--compress-program=sh}", "sort -k 1${IFS}--compress-program=sh",
    'git fetch --depth {1,"--upload-pack=sh x #",.}', "git log -n $(printf 1) --output=x",
    "git fetch; printf 'env.GH_TOKEN\\nnull\\n1\\n' | jq --run-tests",
    "git fetch; echo | xargs --process-slot-var=LD_LIBRARY_PATH id",
    "git fetch; echo | less --lesskey-content=x",
    # red team 59: a tags file names the files a tag opens
    "git fetch; less -t x -T tg", "git fetch; less -t x",
])
def test_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "ask"


@pytest.mark.parametrize("command", [
    "git fetch; head -n 1${IFS}e README.md", "git fetch; head -n $(echo 1) README.md",
    # what the glob matches when it runs (a link `git stash pop` puts back)
    "git fetch; git stash pop; echo | head -n [1e]",
])
def test_a_value_that_splits_is_a_read_no_one_sees(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow" and not with_secrets(policy, decision)


@pytest.mark.parametrize("command", [
    "head -n 5 README.md", 'git commit -m "$msg"', 'grep -e "$x" README.md', "git log -n 5",
])
def test_values_that_stay_one_word_are_as_before(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


def test_a_box_beside_jq_keeps_no_secret_and_gh_jq_does(policy: Policy) -> None:
    beside = judge(policy, "gh pr list --json number | jq '.[].number'")
    assert networked(policy, beside) and not with_secrets(policy, beside)
    own = judge(policy, "gh pr list --json number --jq '.[].number'")
    assert with_secrets(policy, own)


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_remote_named_the_old_way_cannot_be_made(sandbox: Sandbox) -> None:
    work: Path = sandbox.work
    repo(work)
    (work / ".git" / "branches").mkdir(exist_ok=True)
    plant(sandbox, "-mkdir -p .git/remotes && echo 'URL: http://127.0.0.1:9/x' > .git/remotes/evil",
          "-echo 'http://127.0.0.1:9/x' > .git/branches/evil")
    boxed = sandbox.gatekeep("run", "-c", "make")
    assert boxed.returncode == 0, boxed.stderr
    assert not (work / ".git" / "remotes" / "evil").exists()
    assert not (work / ".git" / "branches" / "evil").exists()
